/** Reading `janus.plugin.videoroom.jcfg`: the `general` settings and the `room-<id>` categories. */
import type { ConfigView } from '../../core/plugin-api';
import { Room } from './room';
import { roomConfigFromJcfg } from './room-config';
import type { VideoRoomState, VrSettings } from './state';
import { createDummyPublisher, parseDummyStreams } from './remote/dummy-publisher';

export const generalKeys = ['admin_key', 'lock_rtp_forward', 'events', 'string_ids', 'remote_publisher_timeout', 'media_routes'];

export function readSettings(cfg: ConfigView): VrSettings {
  cfg.warnUnknown('general', generalKeys);
  const adminKey = cfg.getString('general', 'admin_key');
  return {
    adminKey: adminKey !== undefined && adminKey.length > 0 ? adminKey : undefined,
    lockRtpForward: cfg.getBool('general', 'lock_rtp_forward', false),
    events: cfg.getBool('general', 'events', true),
    stringIds: cfg.getBool('general', 'string_ids', false),
    mediaRoutes: cfg.getBool('general', 'media_routes', true),
  };
}

/** Static rooms; a bad category is logged and skipped, never fatal. */
export function loadRooms(vr: VideoRoomState): void {
  const cfg = vr.ctx.config;
  for (const cat of cfg.categories()) {
    if (!/^room-/i.test(cat)) {
      if (cat.toLowerCase() !== 'general') vr.log.warn({ category: cat }, 'Ignoring unknown category in the VideoRoom configuration');
      continue;
    }
    const id = vr.ids.fromCategory(cat.slice(5));
    if (id === undefined) {
      vr.log.warn({ category: cat }, vr.ids.strings ? 'Invalid room ID' : 'Invalid room ID (string_ids is off: IDs must be positive integers)');
      continue;
    }
    if (vr.rooms.has(id)) {
      vr.log.warn({ room: id }, 'Room defined twice, keeping the first');
      continue;
    }
    const config = roomConfigFromJcfg(cfg, cat, (fields, msg) => vr.log.warn(fields, msg));
    const room = new Room(id, config, true);
    vr.rooms.set(id, room);
    createDummyPublisher(vr, room, parseDummyStreams(cfg.getRaw(cat, 'dummy_streams'), (m) => vr.log.warn({ room: id }, m)));
    vr.log.info({ room: id, description: config.description }, 'Room loaded from configuration');
  }
}
