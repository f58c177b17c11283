/** Static rooms from the `room-<id>` groups of janus.plugin.audiobridge.jcfg. */
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
    ab.createRoom(id, { ...c, description: c.description ?? `Room ${id}` }, true);
  }
}
