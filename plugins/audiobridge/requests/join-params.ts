/** What join and changeroom share: field checks, room access (pin, token, secret, group) and codec settings. */
import type { JsonObject, ParamSpec } from '../../../core/plugin-api';
import { AbError, AbErrorCode, checkParams, checkSecret } from '../errors';
import type { AbId } from '../ids';
import type { MixCodec } from '../mixer/protocol';
import { MAX_PREBUFFERING } from '../room-config';
import type { AudioRoom } from '../room';
import type { AbState } from '../state';

export const joinParams: ParamSpec[] = [
  { name: 'display', type: 'string' },
  { name: 'token', type: 'string' },
  { name: 'group', type: 'string' },
  { name: 'muted', type: 'boolean' },
  { name: 'codec', type: 'string' },
  { name: 'prebuffer', type: 'positiveInteger' },
  { name: 'bitrate', type: 'positiveInteger' },
  { name: 'quality', type: 'positiveInteger' },
  { name: 'expected_loss', type: 'positiveInteger' },
  { name: 'volume', type: 'positiveInteger' },
  { name: 'spatial_position', type: 'positiveInteger' },
  { name: 'audio_level_average', type: 'positiveInteger' },
  { name: 'audio_active_packets', type: 'positiveInteger' },
  { name: 'record', type: 'boolean' },
  { name: 'filename', type: 'string' },
  { name: 'generate_offer', type: 'boolean' },
  { name: 'rtp', type: 'object' },
  { name: 'secret', type: 'string' },
];

export const rtpParams: ParamSpec[] = [
  { name: 'ip', type: 'string' },
  { name: 'port', type: 'positiveInteger' },
  { name: 'payload_type', type: 'positiveInteger' },
  { name: 'audiolevel_ext', type: 'positiveInteger' },
  { name: 'fec', type: 'boolean' },
];

export const QUALITY_TEXT = 'Invalid element (quality should be a positive integer between 1 and 10)';
export const LOSS_TEXT = 'Invalid element (expected_loss should be a positive integer between 0 and 20)';

/** Pin, allowed-token and (optional) secret checks; the group a participant goes in. */
export function admit(room: AudioRoom, body: JsonObject): { admin: boolean; group: number } {
  checkSecret(room.config.pin, body, 'pin');
  if (room.checkTokens) {
    const t = body.token;
    if (typeof t !== 'string' || !room.allowed.has(t)) throw new AbError(AbErrorCode.UNAUTHORIZED, 'Unauthorized (not in the allowed list)');
  }
  let admin = false;
  if (body.secret !== undefined) {
    checkSecret(room.config.secret, body, 'secret');
    admin = true;
  }
  let group = 0;
  if (room.config.groups.length > 0) {
    checkParams(body, [{ name: 'group', type: 'string', required: true }]);
    group = room.groupIndex(body.group as string);
    if (group === 0) throw new AbError(AbErrorCode.NO_SUCH_GROUP, `No such group (${body.group as string})`);
  }
  return { admin, group };
}

export interface EncodingChoice {
  bitrate: number;
  complexity: number;
  expectedLoss: number;
}

export function encodingChoice(room: AudioRoom, body: JsonObject): EncodingChoice {
  let bitrate = room.config.defaultBitrate;
  if (typeof body.bitrate === 'number') bitrate = body.bitrate < 500 || body.bitrate > 512000 ? room.config.defaultBitrate : body.bitrate;
  const complexity = typeof body.quality === 'number' ? body.quality : 4;
  if (complexity < 1 || complexity > 10) throw new AbError(AbErrorCode.INVALID_ELEMENT, QUALITY_TEXT);
  const expectedLoss = typeof body.expected_loss === 'number' ? body.expected_loss : room.config.defaultExpectedLoss;
  if (expectedLoss > 20) throw new AbError(AbErrorCode.INVALID_ELEMENT, LOSS_TEXT);
  return { bitrate, complexity, expectedLoss };
}

export function codecChoice(body: JsonObject): MixCodec {
  if (body.codec === undefined) return 'opus';
  const c = (body.codec as string).toLowerCase();
  if (c !== 'opus' && c !== 'pcmu' && c !== 'pcma') throw new AbError(AbErrorCode.INVALID_ELEMENT, 'Invalid element (codec must opus, pcmu or pcma)');
  return c;
}

export function prebufferChoice(room: AudioRoom, body: JsonObject): number {
  const n = typeof body.prebuffer === 'number' ? body.prebuffer : room.config.defaultPrebuffering;
  return n > MAX_PREBUFFERING ? room.config.defaultPrebuffering : n;
}

/** The participant id asked for (checked free) or a fresh one. */
export function newParticipantId(ab: AbState, room: AudioRoom, body: JsonObject): AbId {
  let id = ab.ids.read(body, 'id');
  if (id !== undefined && room.participants.has(String(id))) throw new AbError(AbErrorCode.ID_EXISTS, `User ID ${id} already exists`);
  while (id === undefined || room.participants.has(String(id))) id = ab.ids.random();
  return id;
}
