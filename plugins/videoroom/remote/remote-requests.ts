/**
 * The receiving instance's requests (Janus 1.1): `add_remote_publisher`, `update_remote_publisher`,
 * `remove_remote_publisher`. Checks, their order and texts as Janus 1.1.2 answers them.
 * `srtp_suite`/`srtp_crypto` (later Janus versions) are honoured too: RTP then arrives as SRTP.
 */
import * as net from 'node:net';
import * as os from 'node:os';
import type { JsonObject } from '../../../core/plugin-api';
import { decodeSrtpCrypto, isSrtpSuite, type SrtpSuite } from '../../../core/plugin-api';
import { checkParams, VrError, VrErrorCode } from '../errors';
import type { VrId } from '../ids';
import type { VideoRoomState } from '../state';
import { isKnownCodec } from './codecs';
import { RemotePublisher, remoteOf, type RemoteOptions, type RemoteStreamSpec } from './remote-publisher';

/** IDs being added (ports opening): a second add with the same ID meanwhile gets 436. */
const pending = new WeakMap<VideoRoomState, Set<VrId>>();

function streamSpecs(body: JsonObject): RemoteStreamSpec[] {
  const list = body.streams as unknown[];
  const specs: RemoteStreamSpec[] = [];
  for (const e of list) {
    const s = (typeof e === 'object' && e !== null && !Array.isArray(e) ? e : {}) as JsonObject;
    checkParams(s, [
      { name: 'mid', type: 'string', required: true },
      { name: 'mindex', type: 'positiveInteger', required: true },
      { name: 'type', type: 'string', required: true },
      { name: 'codec', type: 'string' },
      { name: 'description', type: 'string' },
      { name: 'disabled', type: 'boolean' },
      { name: 'stereo', type: 'boolean' },
      { name: 'fec', type: 'boolean' },
      { name: 'dtx', type: 'boolean' },
      { name: 'simulcast', type: 'boolean' },
      { name: 'svc', type: 'boolean' },
      { name: 'audiolevel_ext_id', type: 'integer' },
      { name: 'videoorient_ext_id', type: 'integer' },
      { name: 'playoutdelay_ext_id', type: 'integer' },
    ]);
    const type = s.type as string;
    if (type !== 'audio' && type !== 'video' && type !== 'data') throw new VrError(VrErrorCode.INVALID_ELEMENT, 'Invalid element value (type)');
    let codec: string | undefined;
    if (type !== 'data') {
      if (typeof s.codec !== 'string') throw new VrError(VrErrorCode.MISSING_ELEMENT, 'Missing mandatory element (codec)');
      codec = s.codec.toLowerCase();
      // Janus answers 429 here (not 430)
      if (!isKnownCodec(type, codec)) throw new VrError(VrErrorCode.MISSING_ELEMENT, 'Invalid element value (unsupported codec)');
    }
    const profile = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : undefined);
    specs.push({
      type,
      mindex: s.mindex as number,
      mid: s.mid as string,
      codec,
      description: typeof s.description === 'string' ? s.description : undefined,
      disabled: s.disabled === true,
      disabledGiven: typeof s.disabled === 'boolean',
      stereo: s.stereo === true,
      fec: s.fec === true,
      dtx: s.dtx === true,
      h264Profile: profile('h264_profile'),
      vp9Profile: profile('vp9_profile'),
      simulcast: s.simulcast === true,
      svc: s.svc === true,
      audioLevelExt: typeof s.audiolevel_ext_id === 'number' && s.audiolevel_ext_id > 0 && s.audiolevel_ext_id < 15 ? s.audiolevel_ext_id : 0,
    });
  }
  return specs;
}

/** Janus's `iface`: an interface name or one of this host's addresses. */
function lookupInterface(iface: string): string | undefined {
  const all = os.networkInterfaces();
  const named = all[iface];
  if (named && named.length > 0) return (named.find((a) => a.family === 'IPv4') ?? named[0]).address;
  if (!net.isIP(iface)) return undefined;
  if (iface === '0.0.0.0' || iface === '::') return iface;
  for (const list of Object.values(all)) for (const a of list ?? []) if (a.address === iface) return iface;
  return undefined;
}

function srtpOf(body: JsonObject): { suite: SrtpSuite; key: Buffer } | undefined {
  if (body.srtp_suite === undefined || typeof body.srtp_crypto !== 'string') return undefined;
  if (!isSrtpSuite(body.srtp_suite)) throw new VrError(VrErrorCode.INVALID_ELEMENT, `Invalid SRTP suite (${String(body.srtp_suite)})`);
  const key = decodeSrtpCrypto(body.srtp_crypto);
  if (!key) throw new VrError(VrErrorCode.INVALID_ELEMENT, `Invalid SRTP crypto (${body.srtp_crypto})`);
  return { suite: body.srtp_suite, key };
}

export async function addRemotePublisher(vr: VideoRoomState, body: JsonObject): Promise<JsonObject> {
  vr.ids.read(body, 'room', true);
  vr.ids.read(body, 'id');
  checkParams(body, [
    { name: 'secret', type: 'string' },
    { name: 'display', type: 'string' },
    { name: 'mcast', type: 'string' },
    { name: 'iface', type: 'string' },
    { name: 'port', type: 'positiveInteger' },
    { name: 'rtcp_port', type: 'positiveInteger' },
    { name: 'streams', type: 'array', required: true },
    { name: 'metadata', type: 'object' },
    { name: 'srtp_suite', type: 'positiveInteger' },
    { name: 'srtp_crypto', type: 'string' },
  ]);
  if ((body.streams as unknown[]).length === 0) throw new VrError(VrErrorCode.INVALID_ELEMENT, "Invalid element value (streams can't be empty)");
  const specs = streamSpecs(body);
  // Janus numbers the streams by their position (mid too); the source's SSRCs must follow it
  specs.forEach((sp, i) => (sp.mindex = i));
  const room = vr.room(body);
  vr.checkSecret(room, body);
  let id = vr.ids.read(body, 'id');
  let waiting = pending.get(vr);
  if (!waiting) pending.set(vr, (waiting = new Set()));
  if (id !== undefined && (room.participants.has(id) || waiting.has(id))) throw new VrError(VrErrorCode.ID_EXISTS, `User ID ${id} already exists`);
  if (id === undefined) {
    do id = vr.ids.random();
    while (room.participants.has(id) || waiting.has(id));
  }
  let bindAddress: string | undefined;
  if (typeof body.iface === 'string') {
    bindAddress = lookupInterface(body.iface);
    if (bindAddress === undefined) throw new VrError(VrErrorCode.UNKNOWN_ERROR, 'Invalid network interface configuration for remote publisher');
  }
  const mcast = typeof body.mcast === 'string' ? body.mcast : undefined;
  if (mcast !== undefined && !net.isIP(mcast)) throw new VrError(VrErrorCode.INVALID_ELEMENT, `Invalid element value (mcast)`);
  const opts: RemoteOptions = {
    family: bindAddress !== undefined && net.isIPv6(bindAddress) ? 'udp6' : 'udp4',
    bindAddress,
    port: body.port as number | undefined,
    rtcpPort: body.rtcp_port as number | undefined,
    mcast,
    srtp: srtpOf(body),
  };
  waiting.add(id);
  let r: RemotePublisher;
  try {
    r = await RemotePublisher.create(vr, room, id, typeof body.display === 'string' ? body.display : undefined, specs, opts);
  } catch (err) {
    vr.log.warn({ err, room: room.id, id }, "Couldn't open the ports of a remote publisher");
    throw new VrError(VrErrorCode.UNKNOWN_ERROR, 'Could not open UDP socket for RTP stream');
  } finally {
    waiting.delete(id);
  }
  vr.event(undefined, { event: 'remote_publisher', room: room.id, id, port: r.feed.port, rtcp_port: r.feed.rtcpPort });
  const res: JsonObject = { videoroom: 'success', room: room.id, id };
  if (bindAddress !== undefined) res.ip = bindAddress;
  res.port = r.feed.port;
  res.rtcp_port = r.feed.rtcpPort;
  return res;
}

function findRemote(vr: VideoRoomState, body: JsonObject): RemotePublisher {
  const room = vr.room(body);
  vr.checkSecret(room, body);
  const id = vr.ids.read(body, 'id', true) as VrId;
  const p = room.participants.get(id);
  const r = p ? remoteOf(p) : undefined;
  if (!r || p!.leaving) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such remote publisher (${id})`);
  return r;
}

export function updateRemotePublisher(vr: VideoRoomState, body: JsonObject): JsonObject {
  vr.ids.read(body, 'room', true);
  vr.ids.read(body, 'id', true);
  checkParams(body, [
    { name: 'secret', type: 'string' },
    { name: 'display', type: 'string' },
    { name: 'streams', type: 'array', required: true },
    { name: 'metadata', type: 'object' },
  ]);
  const specs = streamSpecs(body);
  const r = findRemote(vr, body);
  r.update(specs, typeof body.display === 'string' ? body.display : undefined);
  return { videoroom: 'success' };
}

export function removeRemotePublisher(vr: VideoRoomState, body: JsonObject): JsonObject {
  vr.ids.read(body, 'room', true);
  vr.ids.read(body, 'id', true);
  checkParams(body, [{ name: 'secret', type: 'string' }]);
  findRemote(vr, body).remove();
  return { videoroom: 'success' };
}
