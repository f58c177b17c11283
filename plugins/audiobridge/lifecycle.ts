/** Leaving a room (leave, hangup, detach, changeroom), per-participant recordings, talking detection. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RTP_EXTENSIONS } from '../../core/plugin-api';
import { MjrWriter } from './mjr';
import type { Participant } from './participant';
import type { AbState } from './state';

/**
 * Take a participant out of its room: the others get `{"event","leaving":id}`, event handlers
 * get `left`. Returns whether it was still listed. The participant object stays with the handle.
 */
export function leaveRoom(ab: AbState, p: Participant, handleEvent = true): boolean {
  const room = p.room;
  if (!room) return false;
  p.room = undefined;
  const removed = room.remove(p);
  ab.notifyRoom(room, { audiobridge: 'event', room: room.id, leaving: p.id }, p);
  ab.notifyEvent(handleEvent ? p.session.handle : undefined, { event: 'left', room: room.id, id: p.id, display: p.display ?? null });
  closeMjr(p);
  p.resetTalking();
  return removed;
}

/** Janus names: `<mjrs_dir>/<filename or audiobridge-<room>-user-<id>-<µs>-audio>.mjr`. */
export function openMjr(p: Participant): void {
  const room = p.room;
  if (!room || p.mjr) return;
  const base = p.mjrBase ?? `audiobridge-${room.key}-user-${p.id}-${Date.now() * 1000}-audio`;
  const dir = room.config.mjrsDir;
  if (dir) {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch {
      /* nothing is written then, as in Janus */
    }
  }
  const file = dir ? path.join(dir, `${base}.mjr`) : `${base}.mjr`;
  p.mjr = new MjrWriter(file, p.codec, p.extmapId > 0 ? { id: p.extmapId, uri: RTP_EXTENSIONS.audioLevel } : undefined);
}

export function closeMjr(p: Participant): void {
  p.mjr?.close();
  p.mjr = undefined;
}

/**
 * Talking detection from the ssrc-audio-level extension (level in -dBov, 127 = silence):
 * every `audio_active_packets` packets, an average under `audio_level_average` means talking.
 * Only changes are announced, to everyone in the room including the talker.
 */
export function trackLevel(ab: AbState, p: Participant, level: number): void {
  const room = p.room;
  if (!room || !room.config.audiolevelEvent) return;
  const packets = p.userActivePackets > 0 ? p.userActivePackets : room.config.audioActivePackets;
  const average = p.userLevelAverage > 0 ? p.userLevelAverage : room.config.audioLevelAverage;
  p.levelSum += level;
  p.levelCount++;
  p.dBov = level;
  if (p.levelCount < packets) return;
  const talking = p.levelSum / p.levelCount < average;
  p.levelSum = 0;
  p.levelCount = 0;
  if (talking === p.talking) return;
  p.talking = talking;
  const ev = { audiobridge: talking ? 'talking' : 'stopped-talking', room: room.id, id: p.id };
  ab.notifyRoom(room, ev);
  ab.notifyEvent(p.session.handle, ev);
}
