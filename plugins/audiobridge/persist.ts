/**
 * `permanent: true` on create/edit/destroy: the room's `room-<id>` category in
 * janus.plugin.audiobridge.jcfg, through the plugin API's config store.
 */
import type { StoredSetting } from '../../core/plugin-api';
import { AbError, AbErrorCode } from './errors';
import type { AudioRoom } from './room';
import { DEFAULT_PREBUFFERING } from './room-config';
import type { AbState } from './state';

/** As Janus: asking for `permanent` without a config file (missing or unparsable at startup) is a 499. */
export function needStore(ab: AbState, permanent: unknown, what: string): void {
  if (permanent === true && !ab.ctx.configStore.available) {
    throw new AbError(AbErrorCode.UNKNOWN_ERROR, `No configuration file, can't ${what}`);
  }
}

/** Write (or rewrite) the room's category; false when the file could not be saved. */
export function saveRoom(ab: AbState, room: AudioRoom): boolean {
  const store = ab.ctx.configStore;
  // Janus drops the category and adds it again, so an edited room moves to the end of the file
  store.removeCategory(`room-${room.key}`);
  store.setCategory(`room-${room.key}`, roomSettings(room));
  return store.save();
}

export function removeRoom(ab: AbState, room: AudioRoom): boolean {
  const store = ab.ctx.configStore;
  store.removeCategory(`room-${room.key}`);
  return store.save();
}

/**
 * The keys Janus 1.1.2 writes, in its order and as strings. Two deliberate differences, so that
 * the file loads back into the same room: `audiolevel_ext = "no"` is written when it is off
 * (Janus omits it, and the default is on), and groups keep their order (Janus writes its hash
 * table's order, which renumbers groups on reload).
 */
function roomSettings(room: AudioRoom): Record<string, StoredSetting> {
  const c = room.config;
  const s: Record<string, StoredSetting> = { description: c.description };
  if (c.isPrivate) s.is_private = 'yes';
  s.sampling_rate = String(c.samplingRate);
  if (c.secret !== undefined) s.secret = c.secret;
  if (c.pin !== undefined) s.pin = c.pin;
  if (c.audiolevelExt) {
    s.audiolevel_ext = 'yes';
    if (c.audiolevelEvent) {
      s.audiolevel_event = 'yes';
      s.audio_active_packets = String(c.audioActivePackets);
      s.audio_level_average = String(c.audioLevelAverage);
    }
  } else s.audiolevel_ext = 'no';
  if (c.defaultPrebuffering !== DEFAULT_PREBUFFERING) s.default_prebuffering = String(c.defaultPrebuffering);
  if (c.allowRtpParticipants) s.allow_rtp_participants = 'yes';
  if (c.groups.length > 0) s.groups = [...c.groups];
  if (c.recordFile !== undefined) {
    s.record = 'yes';
    s.record_file = c.recordFile;
  }
  if (c.recordDir !== undefined) s.record_dir = c.recordDir;
  if (c.mjrs) s.mjrs = 'yes';
  if (c.mjrsDir !== undefined) s.mjrs_dir = c.mjrsDir;
  if (c.spatialAudio) s.spatial_audio = 'yes';
  return s;
}
