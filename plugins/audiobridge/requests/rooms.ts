/** Room management: create, edit, destroy, exists, list, allowed, enable_recording, enable_mjrs. */
import * as fs from 'node:fs';
import type { JsonObject, ParamSpec } from '../../../core/plugin-api';
import { AbError, AbErrorCode, checkParams, checkSecret } from '../errors';
import { closeMjr, openMjr } from '../lifecycle';
import { roomConfigFromRequest, SAMPLING_RATES, type RoomConfig } from '../room-config';
import { needStore, removeRoom, saveRoom } from '../persist';
import type { AbState } from '../state';

const createParams: ParamSpec[] = [
  { name: 'description', type: 'string' },
  { name: 'secret', type: 'string' },
  { name: 'pin', type: 'string' },
  { name: 'is_private', type: 'boolean' },
  { name: 'allowed', type: 'array' },
  { name: 'sampling_rate', type: 'positiveInteger' },
  { name: 'sampling', type: 'positiveInteger' },
  { name: 'spatial_audio', type: 'boolean' },
  { name: 'record', type: 'boolean' },
  { name: 'record_file', type: 'string' },
  { name: 'record_dir', type: 'string' },
  { name: 'mjrs', type: 'boolean' },
  { name: 'mjrs_dir', type: 'string' },
  { name: 'allow_rtp_participants', type: 'boolean' },
  { name: 'permanent', type: 'boolean' },
  { name: 'audiolevel_ext', type: 'boolean' },
  { name: 'audiolevel_event', type: 'boolean' },
  { name: 'audio_active_packets', type: 'positiveInteger' },
  { name: 'audio_level_average', type: 'positiveInteger' },
  { name: 'default_prebuffering', type: 'positiveInteger' },
  { name: 'default_expectedloss', type: 'positiveInteger' },
  { name: 'default_bitrate', type: 'positiveInteger' },
  { name: 'groups', type: 'array' },
];
const editParams: ParamSpec[] = [
  { name: 'secret', type: 'string' },
  { name: 'new_description', type: 'string' },
  { name: 'new_secret', type: 'string' },
  { name: 'new_pin', type: 'string' },
  { name: 'new_is_private', type: 'boolean' },
  { name: 'new_record_dir', type: 'string' },
  { name: 'new_mjrs_dir', type: 'string' },
  { name: 'permanent', type: 'boolean' },
];

/** `permanent: true` also writes the room to the config file (persist.ts); the answer says whether that worked. */
export function create(ab: AbState, body: JsonObject): JsonObject {
  checkParams(body, createParams);
  checkParams(body, [ab.ids.spec('room')]);
  if (ab.settings.adminKey) checkSecret(ab.settings.adminKey, body, 'admin_key');
  const cfg = roomConfigFromRequest(body);
  needStore(ab, body.permanent, 'create permanent room');
  let id = ab.ids.read(body, 'room');
  if (id !== undefined && ab.rooms.has(String(id))) throw new AbError(AbErrorCode.ROOM_EXISTS, `Room ${id} already exists`);
  if (!SAMPLING_RATES.includes(cfg.samplingRate)) throw new AbError(AbErrorCode.UNKNOWN_ERROR, `Unsupported sampling rate ${cfg.samplingRate}`);
  while (id === undefined || ab.rooms.has(String(id))) id = ab.ids.random();
  if (cfg.recordDir) {
    try {
      fs.mkdirSync(cfg.recordDir, { recursive: true });
    } catch {
      /* as Janus: logged there, not fatal */
    }
  }
  const config: RoomConfig = { ...cfg, description: cfg.description ?? `Room ${id}` };
  const room = ab.createRoom(id, config);
  const permanent = body.permanent === true && saveRoom(ab, room);
  ab.notifyEvent(undefined, { event: 'created', room: id });
  return { audiobridge: 'created', room: id, permanent };
}

export function edit(ab: AbState, body: JsonObject): JsonObject {
  checkParams(body, editParams);
  needStore(ab, body.permanent, 'edit room permanently');
  const room = ab.room(body, true);
  const c = room.config;
  const s = (k: string) => body[k] as string | undefined;
  if (s('new_description')) c.description = s('new_description')!;
  if (typeof body.new_is_private === 'boolean') c.isPrivate = body.new_is_private;
  if (s('new_secret')) c.secret = s('new_secret');
  if (s('new_pin') !== undefined) c.pin = s('new_pin') || undefined;
  if (s('new_record_dir') !== undefined) c.recordDir = s('new_record_dir');
  if (s('new_mjrs_dir') !== undefined) c.mjrsDir = s('new_mjrs_dir');
  const permanent = body.permanent === true && saveRoom(ab, room);
  ab.notifyEvent(undefined, { event: 'edited', room: room.id });
  return { audiobridge: 'edited', room: room.id, permanent };
}

export function destroy(ab: AbState, body: JsonObject): JsonObject {
  checkParams(body, [{ name: 'permanent', type: 'boolean' }]);
  needStore(ab, body.permanent, 'destroy room permanently');
  const room = ab.room(body, true);
  ab.rooms.delete(room.key);
  const permanent = body.permanent === true && removeRoom(ab, room);
  room.destroyed = true;
  const ev = { audiobridge: 'destroyed', room: room.id };
  for (const p of room.participants.values()) {
    ab.push(p, ev);
    p.room = undefined;
    closeMjr(p);
    if (!p.plain) p.session.handle.closePc();
  }
  void room.close();
  ab.notifyEvent(undefined, { event: 'destroyed', room: room.id });
  return { audiobridge: 'destroyed', room: room.id, permanent };
}

export function exists(ab: AbState, body: JsonObject): JsonObject {
  const id = ab.ids.need(body, 'room');
  return { audiobridge: 'success', room: id, exists: ab.rooms.has(String(id)) };
}

export function list(ab: AbState, body: JsonObject): JsonObject {
  let locked = true;
  const key = body.admin_key;
  if (ab.settings.adminKey && typeof key === 'string' && key.length > 0) {
    checkSecret(ab.settings.adminKey, body, 'admin_key');
    locked = false;
  }
  const out: JsonObject[] = [];
  for (const r of ab.rooms.values()) {
    if (r.destroyed || (r.config.isPrivate && locked)) continue;
    out.push(r.summary());
  }
  return { audiobridge: 'success', list: out };
}

export function allowed(ab: AbState, body: JsonObject): JsonObject {
  checkParams(body, [
    { name: 'secret', type: 'string' },
    { name: 'action', type: 'string', required: true },
    { name: 'allowed', type: 'array' },
  ]);
  checkParams(body, [ab.ids.spec('room', true)]);
  const action = (body.action as string).toLowerCase();
  if (!['enable', 'disable', 'add', 'remove'].includes(action)) {
    throw new AbError(AbErrorCode.INVALID_ELEMENT, `Unsupported action '${body.action as string}' (allowed)`);
  }
  const room = ab.room(body, true);
  if (action === 'enable') room.checkTokens = true;
  else if (action === 'disable') room.checkTokens = false;
  else if (Array.isArray(body.allowed)) {
    if (body.allowed.some((t) => typeof t !== 'string')) throw new AbError(AbErrorCode.INVALID_ELEMENT, 'Invalid element in the allowed array (not a string)');
    for (const t of body.allowed as string[]) {
      if (action === 'add') room.allowed.add(t);
      else room.allowed.delete(t);
    }
  }
  const out: JsonObject = { audiobridge: 'success', room: room.id };
  if (action !== 'disable') out.allowed = [...room.allowed];
  return out;
}

export function enableRecording(ab: AbState, body: JsonObject): JsonObject {
  checkParams(body, [
    { name: 'record', type: 'boolean', required: true },
    { name: 'record_file', type: 'string' },
    { name: 'record_dir', type: 'string' },
  ]);
  const room = ab.room(body, true);
  const on = body.record === true;
  const dir = body.record_dir as string | undefined;
  if (on && dir !== undefined) {
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new AbError(AbErrorCode.UNKNOWN_ERROR, `mkdir error: ${-(e.errno ?? 0)} (${e.message})`);
    }
  }
  if (on !== room.recording) {
    if (on) {
      if (typeof body.record_file === 'string') room.config.recordFile = body.record_file;
      if (dir !== undefined) room.config.recordDir = dir;
      room.startRecording();
    } else room.stopRecording();
  }
  return { audiobridge: 'success', record: room.recording };
}

export function enableMjrs(ab: AbState, body: JsonObject): JsonObject {
  checkParams(body, [
    { name: 'mjrs', type: 'boolean', required: true },
    { name: 'mjrs_dir', type: 'string' },
  ]);
  const room = ab.room(body, true);
  const on = body.mjrs === true;
  if (on && typeof body.mjrs_dir === 'string') room.config.mjrsDir = body.mjrs_dir;
  if (on !== room.config.mjrs) {
    room.config.mjrs = on;
    for (const p of room.participants.values()) {
      if (on) openMjr(p);
      else closeMjr(p);
    }
  }
  return { audiobridge: 'success', mjrs: on };
}
