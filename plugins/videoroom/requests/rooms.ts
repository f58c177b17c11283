/** Synchronous room management: create, edit, destroy, exists, list, allowed, enable_recording. */
import type { JsonObject } from '../../../core/plugin-api';
import { setPublisherRecording } from '../publisher/recording';
import { checkParams, VrError, VrErrorCode } from '../errors';
import type { VrId } from '../ids';
import { destroyRoom } from '../lifecycle';
import { Room } from '../room';
import { roomConfigFromCreate, type RoomConfig } from '../room-config';
import type { VideoRoomState } from '../state';
import { createDummyPublisher, parseDummyStreams } from '../remote/dummy-publisher';

export function create(vr: VideoRoomState, body: JsonObject): JsonObject {
  vr.checkAdminKey(body);
  const config = roomConfigFromCreate(body);
  if (config.signedTokens && !vr.ctx.authIsSigned()) {
    throw new VrError(VrErrorCode.INVALID_ELEMENT, "Can't enforce signed tokens for this room, signed-mode not in use");
  }
  vr.needStore(body.permanent, 'create permanent room');
  let id = vr.ids.read(body, 'room');
  if (id !== undefined && vr.rooms.has(id)) throw new VrError(VrErrorCode.ROOM_EXISTS, `Room ${id} already exists`);
  if (id === undefined) {
    do id = vr.ids.random();
    while (vr.rooms.has(id));
  }
  const permanent = body.permanent === true;
  const room = new Room(id, config, permanent);
  vr.rooms.set(id, room);
  createDummyPublisher(vr, room, parseDummyStreams(body.dummy_streams, (m) => vr.log.warn({ room: id }, m)));
  const saved = permanent ? vr.saveRoom(room) : false;
  vr.log.info({ room: id, permanent: saved }, 'Room created');
  vr.event(undefined, { event: 'created', room: id });
  return { videoroom: 'created', room: id, permanent: saved };
}

export function edit(vr: VideoRoomState, body: JsonObject): JsonObject {
  checkParams(body, [
    vr.ids.spec('room', true),
    { name: 'secret', type: 'string' },
    { name: 'new_description', type: 'string' },
    { name: 'new_is_private', type: 'boolean' },
    { name: 'new_secret', type: 'string' },
    { name: 'new_pin', type: 'string' },
    { name: 'new_require_pvtid', type: 'boolean' },
    { name: 'new_bitrate', type: 'positiveInteger' },
    { name: 'new_fir_freq', type: 'positiveInteger' },
    { name: 'new_publishers', type: 'positiveInteger' },
    { name: 'new_lock_record', type: 'boolean' },
    { name: 'new_rec_dir', type: 'string' },
    { name: 'permanent', type: 'boolean' },
  ]);
  vr.needStore(body.permanent, 'edit room permanently');
  const room = vr.room(body);
  vr.checkSecret(room, body);
  const changes: Partial<RoomConfig> = {};
  if (typeof body.new_description === 'string' && body.new_description.length > 0) changes.description = body.new_description;
  if (typeof body.new_is_private === 'boolean') changes.isPrivate = body.new_is_private;
  if (typeof body.new_require_pvtid === 'boolean') changes.requirePvtid = body.new_require_pvtid;
  if (typeof body.new_publishers === 'number' && body.new_publishers > 0) changes.publishers = body.new_publishers;
  if (typeof body.new_secret === 'string') changes.secret = body.new_secret;
  if (typeof body.new_pin === 'string') changes.pin = body.new_pin.length > 0 ? body.new_pin : undefined;
  if (typeof body.new_lock_record === 'boolean') changes.lockRecord = body.new_lock_record;
  if (typeof body.new_rec_dir === 'string') changes.recDir = body.new_rec_dir;
  if (typeof body.new_bitrate === 'number') changes.bitrate = body.new_bitrate;
  if (typeof body.new_fir_freq === 'number') changes.firFreq = body.new_fir_freq;
  room.edit(changes);
  const saved = body.permanent === true ? vr.saveRoom(room) : false;
  vr.event(undefined, { event: 'edited', room: room.id });
  return { videoroom: 'edited', room: room.id, permanent: saved };
}

export function destroy(vr: VideoRoomState, body: JsonObject): JsonObject {
  checkParams(body, [vr.ids.spec('room', true), { name: 'secret', type: 'string' }, { name: 'permanent', type: 'boolean' }]);
  vr.needStore(body.permanent, 'destroy room permanently');
  const room = vr.room(body);
  vr.checkSecret(room, body);
  destroyRoom(vr, room);
  const saved = body.permanent === true ? vr.removeRoom(room.id) : false;
  vr.log.info({ room: room.id }, 'Room destroyed');
  vr.event(undefined, { event: 'destroyed', room: room.id });
  return { videoroom: 'destroyed', room: room.id, permanent: saved };
}

export function exists(vr: VideoRoomState, body: JsonObject): JsonObject {
  const id = vr.ids.read(body, 'room', true) as VrId;
  const room = vr.rooms.get(id);
  return { videoroom: 'success', room: id, exists: !!room && !room.destroyed };
}

export function list(vr: VideoRoomState, body: JsonObject): JsonObject {
  checkParams(body, [{ name: 'admin_key', type: 'string' }]);
  const showPrivate = vr.settings.adminKey !== undefined && body.admin_key === vr.settings.adminKey;
  const rooms: JsonObject[] = [];
  for (const room of vr.rooms.values()) {
    if (room.destroyed || (room.config.isPrivate && !showPrivate)) continue;
    rooms.push(room.listEntry());
  }
  return { videoroom: 'success', list: rooms };
}

export function allowed(vr: VideoRoomState, body: JsonObject): JsonObject {
  checkParams(body, [
    vr.ids.spec('room', true),
    { name: 'secret', type: 'string' },
    { name: 'action', type: 'string', required: true },
    { name: 'allowed', type: 'array' },
  ]);
  const action = body.action as 'enable' | 'disable' | 'add' | 'remove';
  if (!['enable', 'disable', 'add', 'remove'].includes(action)) {
    throw new VrError(VrErrorCode.INVALID_ELEMENT, `Unsupported action '${action}' (allowed)`);
  }
  const list = body.allowed as unknown[] | undefined;
  if (list?.some((t) => typeof t !== 'string')) {
    throw new VrError(VrErrorCode.INVALID_ELEMENT, 'Invalid element in the allowed array (not a string)');
  }
  const room = vr.room(body);
  vr.checkSecret(room, body);
  room.allow(action, (list ?? []) as string[]);
  const reply: JsonObject = { videoroom: 'success', room: room.id };
  if (action !== 'disable') reply.allowed = [...room.allowed];
  return reply;
}

export function enableRecording(vr: VideoRoomState, body: JsonObject): JsonObject {
  checkParams(body, [vr.ids.spec('room', true), { name: 'secret', type: 'string' }, { name: 'record', type: 'boolean', required: true }]);
  const room = vr.room(body);
  vr.checkSecret(room, body);
  if (room.config.record !== body.record) {
    room.edit({ record: body.record as boolean });
    for (const p of room.participants.values()) setPublisherRecording(p, room.config.record, undefined);
  }
  return { videoroom: 'success', record: room.config.record };
}
