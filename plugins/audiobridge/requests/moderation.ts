/** Moderation: mute/unmute (one or the room), kick, kick_all, listparticipants, resetdecoder. */
import type { JsonObject } from '../../../core/plugin-api';
import { AbError, AbErrorCode, checkParams } from '../errors';
import type { Participant } from '../participant';
import type { AudioRoom } from '../room';
import type { AbSession } from '../session';
import type { AbState } from '../state';

function target(ab: AbState, body: JsonObject): { room: AudioRoom; p: Participant } {
  checkParams(body, [{ name: 'secret', type: 'string' }]);
  checkParams(body, [ab.ids.spec('room', true)]);
  checkParams(body, [ab.ids.spec('id', true)]);
  const room = ab.room(body, true);
  const id = body.id as number | string;
  const p = room.participants.get(String(id));
  if (!p) throw new AbError(AbErrorCode.NO_SUCH_USER, `No such user ${id} in room ${room.id}`);
  return { room, p };
}

export function mute(ab: AbState, body: JsonObject, muted: boolean): JsonObject {
  const { room, p } = target(ab, body);
  // no change: Janus answers a bare success, without the room
  if (p.muted === muted) return { audiobridge: 'success' };
  p.muted = muted;
  room.sync(p);
  ab.notifyRoom(room, { audiobridge: 'event', room: room.id, participants: [p.describe(false)] });
  ab.notifyEvent(undefined, { event: muted ? 'mute' : 'unmute', room: room.id, id: p.id });
  return { audiobridge: 'success', room: room.id };
}

export function muteRoom(ab: AbState, body: JsonObject, muted: boolean): JsonObject {
  checkParams(body, [{ name: 'secret', type: 'string' }]);
  checkParams(body, [ab.ids.spec('room', true)]);
  const room = ab.room(body, true);
  if (room.muted === muted) return { audiobridge: 'success' };
  room.muted = muted;
  ab.notifyRoom(room, { audiobridge: 'event', room: room.id, muted });
  ab.notifyEvent(undefined, { event: muted ? 'mute_room' : 'unmute_room', room: room.id });
  return { audiobridge: 'success', room: room.id };
}

/**
 * As Janus 1.1.2: everyone hears `kicked`, then the PeerConnection is closed; the participant
 * actually leaves (with `leaving`) when the hangup comes back, a moment later.
 */
export function kick(ab: AbState, body: JsonObject, hangup: (p: Participant) => void): JsonObject {
  const { room, p } = target(ab, body);
  ab.notifyRoom(room, { audiobridge: 'event', room: room.id, kicked: p.id });
  ab.notifyEvent(undefined, { event: 'kicked', room: room.id, id: p.id });
  hangup(p);
  return { audiobridge: 'success' };
}

export function kickAll(ab: AbState, body: JsonObject, hangup: (p: Participant) => void): JsonObject {
  checkParams(body, [{ name: 'secret', type: 'string' }]);
  checkParams(body, [ab.ids.spec('room', true)]);
  const room = ab.room(body, true);
  for (const p of [...room.participants.values()]) {
    ab.push(p, { audiobridge: 'event', room: room.id, kicked_all: p.id });
    ab.notifyEvent(undefined, { event: 'kicked_all', room: room.id, id: p.id });
    hangup(p);
  }
  return { audiobridge: 'success' };
}

export function listParticipants(ab: AbState, body: JsonObject): JsonObject {
  const room = ab.room(body, false);
  return { audiobridge: 'participants', room: room.id, participants: [...room.participants.values()].map((p) => p.describe(true)) };
}

export function resetDecoder(_ab: AbState, _body: JsonObject, session?: AbSession): JsonObject {
  const p = session?.participant;
  if (!p || !p.room) throw new AbError(AbErrorCode.NOT_JOINED, "Can't reset (not in a room)");
  p.room.mixer.resetLeg(p.slot);
  return { audiobridge: 'success' };
}
