/** Static rooms from the `room-<id>` groups of janus.plugin.audiobridge.jcfg. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { addForwarder } from './requests/forwarders';
import type { AudioRoom } from './room';
import { roomConfigFromJcfg, SAMPLING_RATES } from './room-config';
import type { AbState } from './state';

export function loadRooms(ab: AbState): void {
  const cfg = ab.ctx.config;
  for (const cat of cfg.categories()) {
    if (!/^room-/i.test(cat)) {
      if (cat.toLowerCase() !== 'general') ab.log.warn({ category: cat }, 'Ignoring unknown category in the AudioBridge configuration');
      continue;
    }
    const id = ab.ids.fromCategory(cat.slice(5));
    if (id === undefined || ab.rooms.has(String(id))) {
      ab.log.warn({ category: cat }, 'Invalid or duplicate room ID, skipped');
      continue;
    }
    const c = roomConfigFromJcfg(cfg, cat);
    if (!SAMPLING_RATES.includes(c.samplingRate)) {
      ab.log.warn({ room: id, sampling_rate: c.samplingRate }, 'Unsupported sampling rate, room skipped');
      continue;
    }
    const room = ab.createRoom(id, { ...c, description: c.description ?? `Room ${id}` });
    staticForwarder(ab, room, cat);
  }
}

/** `rtp_forward_*` keys: a forwarder of the mix from the start (SRTP ones are refused, as by the API). */
function staticForwarder(ab: AbState, room: AudioRoom, cat: string): void {
  const cfg = ab.ctx.config;
  const host = cfg.getString(cat, 'rtp_forward_host');
  const port = cfg.getInt(cat, 'rtp_forward_port') ?? 0;
  if (!host || port <= 0 || port > 65535) return;
  if (cfg.getString(cat, 'rtp_forward_srtp_suite') !== undefined && cfg.getString(cat, 'rtp_forward_srtp_crypto') !== undefined) {
    ab.log.warn({ room: room.id }, 'SRTP forwarders are not supported: rtp_forward_* ignored');
    return;
  }
  const codec = (cfg.getString(cat, 'rtp_forward_codec') ?? 'opus').toLowerCase();
  if (codec !== 'opus' && codec !== 'pcmu' && codec !== 'pcma') {
    ab.log.warn({ room: room.id, codec }, 'Unsupported rtp_forward_codec: forwarder ignored');
    return;
  }
  const groupName = cfg.getString(cat, 'rtp_forward_group');
  const group = groupName !== undefined && room.config.groups.length > 0 ? room.groupIndex(groupName) : 0;
  const family = cfg.getString(cat, 'rtp_forward_host_family')?.toLowerCase();
  const start = (address: string) =>
    addForwarder(room, {
      id: cfg.getInt(cat, 'rtp_forward_id'),
      host: address,
      port,
      ssrc: cfg.getInt(cat, 'rtp_forward_ssrc') ?? 0,
      codec,
      pt: cfg.getInt(cat, 'rtp_forward_ptype') ?? 100,
      group,
      groupName: group > 0 ? groupName : undefined,
      alwaysOn: cfg.getBool(cat, 'rtp_forward_always_on', false),
    });
  if (isIP(host)) start(host);
  else
    lookup(host, { family: family === 'ipv6' ? 6 : family === 'ipv4' ? 4 : 0 })
      .then((r) => room.destroyed || start(r.address))
      .catch(() => ab.log.warn({ room: room.id, host }, 'Could not resolve rtp_forward_host: forwarder ignored'));
}
