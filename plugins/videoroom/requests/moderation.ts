/** Synchronous participant management: kick, moderate, listparticipants, listforwarders. */
import type { JsonObject } from '../../../core/plugin-api';
import { checkParams, VrError, VrErrorCode } from '../errors';
import type { VrId } from '../ids';
import { removeParticipant, removeSubscriber } from '../lifecycle';
import type { Publisher } from '../publisher/publisher';
import type { Room } from '../room';
import type { VideoRoomState } from '../state';

function participant(vr: VideoRoomState, room: Room, body: JsonObject): Publisher {
  const id = vr.ids.read(body, 'id', true) as VrId;
  const p = room.participants.get(id);
  if (!p) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such user ${id} in room ${room.id}`);
  return p;
}

export function kick(vr: VideoRoomState, body: JsonObject): JsonObject {
  checkParams(body, [vr.ids.spec('room', true), { name: 'secret', type: 'string' }]);
  const room = vr.room(body);
  vr.checkSecret(room, body);
  const p = participant(vr, room, body);
  const h = p.handle;
  if (h.alive) void h.pushEvent(undefined, { videoroom: 'event', room: room.id, leaving: 'ok', reason: 'kicked' }).catch(() => undefined);
  // the kicked user's subscriptions go too (found before removing it clears their owner)
  const subs = room.subscriptionsOf(p);
  removeParticipant(vr, room, p, 'kicked');
  for (const sub of subs) {
    removeSubscriber(vr, room, sub);
    sub.revoked = true;
    if (sub.handle.alive) sub.handle.closePc();
  }
  if (h.alive) h.closePc();
  return { videoroom: 'success' };
}

export function moderate(vr: VideoRoomState, body: JsonObject): JsonObject {
  checkParams(body, [vr.ids.spec('room', true), { name: 'secret', type: 'string' }]);
  const room = vr.room(body);
  vr.checkSecret(room, body);
  checkParams(body, [vr.ids.spec('id', true), { name: 'mid', type: 'string', required: true }, { name: 'mute', type: 'boolean', required: true }]);
  const p = participant(vr, room, body);
  const mid = body.mid as string;
  const s = p.stream(mid);
  if (!s) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such stream ${mid}`);
  const mute = body.mute as boolean;
  if (s.muted !== mute) {
    s.muted = mute;
    if (!mute && s.type === 'video') p.requestKeyframe(s.mindex);
  }
  room.notify({ videoroom: 'event', room: room.id, id: p.id, mid, moderation: mute ? 'muted' : 'unmuted' });
  vr.event(undefined, { videoroom: 'moderated', room: room.id, id: p.id, mid, moderation: mute ? 'muted' : 'unmuted' });
  return { videoroom: 'success' };
}

export function listParticipants(vr: VideoRoomState, body: JsonObject): JsonObject {
  const room = vr.room(body);
  const talk = room.config.audiolevelEvent;
  const participants = [...room.participants.values()].map((p) => {
    const j: JsonObject = { id: p.id };
    if (p.display !== undefined) j.display = p.display;
    if (p.kind !== 'local') j[p.kind] = true;
    j.publisher = p.active;
    if (talk && p.active) j.talking = p.talking;
    return j;
  });
  return { videoroom: 'participants', room: room.id, participants };
}

