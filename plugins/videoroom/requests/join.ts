/** `join` checks common to publishers and subscribers: state, room, pin, token ACL. */
import type { JsonObject } from '../../../core/plugin-api';
import { checkParams, unauthorized, VrError, VrErrorCode } from '../errors';
import type { Room } from '../room';
import type { HandleState } from '../handle-state';
import type { VideoRoomState } from '../state';

export function checkCanJoin(session: HandleState): void {
  if (session.gone) throw new VrError(VrErrorCode.ALREADY_JOINED, 'Not in a room (create a new handle)');
  if (session.participant) throw new VrError(VrErrorCode.ALREADY_JOINED, 'Already in as a publisher on this handle');
  if (session.subscriber) throw new VrError(VrErrorCode.ALREADY_JOINED, 'Already in as a subscriber on this handle');
}

/** `ptype` (publisher|subscriber|listener), then the room, its pin and its ACL. */
export function joinRoom(vr: VideoRoomState, body: JsonObject): { ptype: 'publisher' | 'subscriber'; room: Room } {
  checkParams(body, [{ name: 'ptype', type: 'string', required: true }]);
  const p = body.ptype as string;
  // "listener" is the 0.x name of a subscriber
  const ptype = p === 'publisher' ? 'publisher' : p === 'subscriber' || p === 'listener' ? 'subscriber' : undefined;
  if (!ptype) throw new VrError(VrErrorCode.INVALID_ELEMENT, 'Invalid element (ptype)');
  checkParams(body, [vr.ids.spec('room', true), { name: 'pin', type: 'string' }, { name: 'token', type: 'string' }]);
  const room = vr.room(body);
  vr.checkPin(room, body);
  if (room.config.signedTokens && vr.ctx.authIsSigned()) {
    // core signed-token mode: the token must be signed for this plugin and name the room
    const token = body.token;
    if (typeof token !== 'string' || !vr.ctx.authSignatureContains(token, `room=${room.id}`)) throw unauthorized('wrong token');
  } else if (room.checkAllowed) {
    const token = body.token;
    if (typeof token !== 'string' || !room.allowed.has(token)) throw unauthorized('not in the allowed list');
  }
  return { ptype, room };
}
