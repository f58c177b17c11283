/** rtp_forward / stop_rtp_forward / listforwarders: plain RTP copies of the room's mix. */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { JsonObject, ParamSpec } from '../../../core/plugin-api';
import { AbError, AbErrorCode, checkParams, checkSecret } from '../errors';
import { RtpForwarder } from '../forwarder';
import { randomU32 } from '../ids';
import type { MixCodec } from '../mixer/protocol';
import type { AudioRoom } from '../room';
import type { AbState } from '../state';

const params: ParamSpec[] = [
  { name: 'group', type: 'string' },
  { name: 'ssrc', type: 'positiveInteger' },
  { name: 'codec', type: 'string' },
  { name: 'ptype', type: 'positiveInteger' },
  { name: 'port', type: 'positiveInteger', required: true },
  { name: 'host', type: 'string', required: true },
  { name: 'host_family', type: 'string' },
  { name: 'srtp_suite', type: 'positiveInteger' },
  { name: 'srtp_crypto', type: 'string' },
  { name: 'always_on', type: 'boolean' },
];

function lockCheck(ab: AbState, body: JsonObject): void {
  if (ab.settings.lockRtpForward && ab.settings.adminKey) checkSecret(ab.settings.adminKey, body, 'admin_key');
}

/** Synchronous like Janus, except that host names are resolved first (async): IP literals answer at once. */
export async function rtpForward(ab: AbState, body: JsonObject): Promise<JsonObject> {
  checkParams(body, params);
  checkParams(body, [ab.ids.spec('room', true)]);
  lockCheck(ab, body);
  const codecName = body.codec as string | undefined;
  const codec = (codecName ?? 'opus').toLowerCase() as MixCodec;
  if (!['opus', 'pcmu', 'pcma'].includes(codec)) throw new AbError(AbErrorCode.INVALID_ELEMENT, `Unsupported codec (${codecName})`);
  const pt = typeof body.ptype === 'number' ? body.ptype : 100;
  const port = body.port as number;
  if (port === 0 || port > 65535) throw new AbError(AbErrorCode.INVALID_ELEMENT, `Invalid port number (${port & 0xffff})`);
  const fam = body.host_family as string | undefined;
  if (fam !== undefined && !['ipv4', 'ipv6'].includes(fam.toLowerCase())) throw new AbError(AbErrorCode.INVALID_ELEMENT, `Unsupported protocol family (${fam})`);
  let host = body.host as string;
  if (!isIP(host)) {
    try {
      host = (await lookup(host, { family: fam?.toLowerCase() === 'ipv6' ? 6 : fam ? 4 : 0 })).address;
    } catch {
      throw new AbError(AbErrorCode.INVALID_ELEMENT, `Could not resolve address (${body.host as string})...`);
    }
  }
  if (typeof body.srtp_suite === 'number' && typeof body.srtp_crypto === 'string') {
    if (body.srtp_suite !== 32 && body.srtp_suite !== 80) throw new AbError(AbErrorCode.INVALID_ELEMENT, `Invalid SRTP suite (${body.srtp_suite})`);
    // refusing beats sending in the clear what was asked to be encrypted
    throw new AbError(AbErrorCode.UNKNOWN_ERROR, 'SRTP forwarders are not supported by this AudioBridge');
  }
  // Janus 1.1.2's text for this one lacks the closing parenthesis
  const room = ab.room(body, true, (id) => `No such room (${id}`);
  let group = 0;
  const groupName = room.config.groups.length > 0 ? (body.group as string | undefined) : undefined;
  if (groupName !== undefined) {
    group = room.groupIndex(groupName);
    if (group === 0) throw new AbError(AbErrorCode.NO_SUCH_GROUP, 'No such group');
  }
  const ssrc = typeof body.ssrc === 'number' ? body.ssrc : 0;
  const id = addForwarder(room, { host, port, ssrc, codec, pt, group, groupName, alwaysOn: body.always_on === true });
  const out: JsonObject = { audiobridge: 'success', room: room.id };
  if (groupName !== undefined) out.group = groupName;
  out.stream_id = id;
  out.host = host;
  out.port = port;
  return out;
}

export interface ForwarderSpec {
  id?: number;
  host: string;
  port: number;
  ssrc: number;
  codec: MixCodec;
  pt: number;
  group: number;
  groupName?: string;
  alwaysOn: boolean;
}

/** Start a forwarder of the room's mix (or of one group's); returns its id. */
export function addForwarder(room: AudioRoom, f: ForwarderSpec): number {
  let id = f.id && !room.forwarders.has(f.id) ? f.id : randomU32();
  while (room.forwarders.has(id)) id = randomU32();
  const pt = f.codec === 'opus' ? f.pt : f.codec === 'pcma' ? 8 : 0;
  const fw = new RtpForwarder(id, f.host, f.port, f.ssrc, f.codec, pt, f.group, f.groupName, f.alwaysOn);
  room.forwarders.set(id, fw);
  room.mixer.setForwarder(id, f.codec, pt, f.ssrc || id, f.group, f.alwaysOn);
  return id;
}

export function stopRtpForward(ab: AbState, body: JsonObject): JsonObject {
  checkParams(body, [{ name: 'stream_id', type: 'positiveInteger', required: true }]);
  checkParams(body, [ab.ids.spec('room', true)]);
  lockCheck(ab, body);
  const room = ab.room(body, true);
  const id = body.stream_id as number;
  const f = room.forwarders.get(id);
  if (f) {
    room.forwarders.delete(id);
    room.mixer.removeForwarder(id);
    f.close();
  }
  // an unknown stream_id is a success too, as in Janus
  return { audiobridge: 'success', room: room.id, stream_id: id };
}

export function listForwarders(ab: AbState, body: JsonObject): JsonObject {
  const room = ab.room(body, true);
  return { audiobridge: 'forwarders', room: room.id, rtp_forwarders: [...room.forwarders.values()].map((f) => f.describe()) };
}
