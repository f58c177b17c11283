/** Announcements: play_file / is_playing / stop_file (Opus in Ogg, mixed in like a participant). */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { JsonObject } from '../../../core/plugin-api';
import { AbError, AbErrorCode, checkParams, checkSecret } from '../errors';
import { readOggOpus } from '../ogg';
import type { AbState } from '../state';

function common(ab: AbState, body: JsonObject, specific: Parameters<typeof checkParams>[1]) {
  checkParams(body, [ab.ids.spec('room', true)]);
  checkParams(body, specific);
  if (ab.settings.lockPlayFile && ab.settings.adminKey) checkSecret(ab.settings.adminKey, body, 'admin_key');
  return ab.room(body, true);
}

export function playFile(ab: AbState, body: JsonObject): JsonObject {
  const room = common(ab, body, [
    { name: 'filename', type: 'string', required: true },
    { name: 'file_id', type: 'string' },
    { name: 'group', type: 'string' },
    { name: 'loop', type: 'boolean' },
  ]);
  let group = 0;
  if (room.config.groups.length > 0) {
    checkParams(body, [{ name: 'group', type: 'string', required: true }]);
    group = room.groupIndex(body.group as string);
    if (group === 0) throw new AbError(AbErrorCode.NO_SUCH_GROUP, `No such group (${body.group as string})`);
  }
  let id = body.file_id as string | undefined;
  if (id === undefined) while (id === undefined || room.files.has(id)) id = randomUUID();
  if (room.files.has(id)) throw new AbError(AbErrorCode.ID_EXISTS, `File ID exists (${id})`);
  let data: Buffer;
  try {
    data = fs.readFileSync(body.filename as string);
  } catch {
    throw new AbError(AbErrorCode.UNKNOWN_ERROR, 'Error opening file');
  }
  // Janus 1.1.2 accepts a file it cannot parse (it only fails to open missing ones): it then plays nothing
  const packets = readOggOpus(data) ?? [];
  room.files.set(id, { id, started: false, group });
  room.mixer.playFile(id, packets, body.loop === true, group);
  return { audiobridge: 'success', room: room.id, file_id: id };
}

export function isPlaying(ab: AbState, body: JsonObject): JsonObject {
  const room = common(ab, body, [{ name: 'file_id', type: 'string', required: true }]);
  const id = body.file_id as string;
  return { audiobridge: 'success', room: room.id, file_id: id, playing: room.files.get(id)?.started === true };
}

export function stopFile(ab: AbState, body: JsonObject): JsonObject {
  const room = common(ab, body, [{ name: 'file_id', type: 'string', required: true }]);
  const id = body.file_id as string;
  const a = room.files.get(id);
  if (a) {
    room.files.delete(id);
    room.mixer.stopFile(id);
    if (a.started) {
      ab.notifyRoom(room, { audiobridge: 'announcement-stopped', room: room.id, file_id: id });
      ab.notifyEvent(undefined, { event: 'announcement-stopped', room: room.id, file_id: id });
    }
  }
  return { audiobridge: 'success', room: room.id, file_id: id };
}
