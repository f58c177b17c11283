/**
 * The source instance's requests (Janus 1.1): `publish_remotely` forwards every stream of a local
 * publisher to a remote publisher's ports on another instance, `unpublish_remotely` stops that,
 * `listremotes` lists them. Janus's scheme: SSRC 1000 + mindex × 10 (+ substream for simulcast),
 * data channels in a bare RTP envelope, the first video forwarder latches RTCP so the remote
 * instance's keyframe requests come back here.
 */
import { lookup } from 'node:dns/promises';
import * as net from 'node:net';
import type { JsonObject } from '../../../core/plugin-api';
import { decodeSrtpCrypto, isSrtpSuite, type SrtpSuite } from '../../../core/plugin-api';
import { checkParams, VrError, VrErrorCode } from '../errors';
import type { VrId } from '../ids';
import type { Publisher } from '../publisher/publisher';
import type { PublisherStream } from '../publisher/publisher-stream';
import { newStreamId } from '../requests/forwarders';
import type { Room } from '../room';
import type { UdpFamily } from '../rtp-forward';
import type { VideoRoomState } from '../state';
import { MediaForwarder } from './media-forwarder';
import { REMOTE_BASE_SSRC, REMOTE_SSRC_STEP } from './remote-feed';

interface Remotization {
  remoteId: string;
  host: string;
  port: number;
  rtcpPort: number;
}

/** Remotizations per local publisher (Janus's `remote_recipients`). */
const recipients = new WeakMap<Publisher, Map<string, Remotization>>();

function publisherOf(vr: VideoRoomState, room: Room, body: JsonObject, text: string): Publisher {
  const id = vr.ids.read(body, 'publisher_id', true) as VrId;
  const p = room.participants.get(id);
  if (!p || p.leaving) throw new VrError(VrErrorCode.NO_SUCH_FEED, `${text} (${id})`);
  return p;
}

async function resolve(host: string, family: 4 | 6 | undefined): Promise<string> {
  if (net.isIP(host) && (family === undefined || net.isIP(host) === family)) return host;
  try {
    const r = await lookup(host, family ? { family } : {});
    return r.address;
  } catch {
    throw new VrError(VrErrorCode.INVALID_ELEMENT, `Could not resolve address (${host})...`);
  }
}

export async function publishRemotely(vr: VideoRoomState, body: JsonObject): Promise<JsonObject> {
  checkParams(body, [
    { name: 'secret', type: 'string' },
    { name: 'remote_id', type: 'string', required: true },
    { name: 'host', type: 'string', required: true },
    { name: 'host_family', type: 'string' },
    { name: 'port', type: 'positiveInteger', required: true },
    { name: 'rtcp_port', type: 'positiveInteger' },
    { name: 'srtp_suite', type: 'positiveInteger' },
    { name: 'srtp_crypto', type: 'string' },
  ]);
  vr.ids.read(body, 'room', true);
  vr.ids.read(body, 'publisher_id', true);
  if (vr.settings.lockRtpForward) vr.checkAdminKey(body);
  const port = body.port as number;
  if (port === 0 || port > 65535) throw new VrError(VrErrorCode.INVALID_ELEMENT, 'Invalid element (port must be a non-zero positive integer)');
  const rtcpPort = (body.rtcp_port as number | undefined) ?? 0;
  let fam: 4 | 6 | undefined;
  if (typeof body.host_family === 'string') {
    const hf = body.host_family.toLowerCase();
    if (hf === 'ipv4') fam = 4;
    else if (hf === 'ipv6') fam = 6;
    else throw new VrError(VrErrorCode.INVALID_ELEMENT, `Unsupported protocol family (${body.host_family})`);
  }
  let srtp: { suite: SrtpSuite; key: Buffer } | undefined;
  if (body.srtp_suite !== undefined && typeof body.srtp_crypto === 'string') {
    if (!isSrtpSuite(body.srtp_suite)) throw new VrError(VrErrorCode.INVALID_ELEMENT, `Invalid SRTP suite (${String(body.srtp_suite)})`);
    const key = decodeSrtpCrypto(body.srtp_crypto);
    if (!key) throw new VrError(VrErrorCode.INVALID_ELEMENT, `Invalid SRTP crypto (${body.srtp_crypto})`);
    srtp = { suite: body.srtp_suite, key };
  }
  const host = await resolve(body.host as string, fam);
  const room = vr.room(body);
  vr.checkSecret(room, body);
  const pub = publisherOf(vr, room, body, 'No such feed');
  if (pub.kind !== 'local') throw new VrError(VrErrorCode.INVALID_ELEMENT, 'Only local publishers can be remotized');
  const remoteId = body.remote_id as string;
  let list = recipients.get(pub);
  if (!list) recipients.set(pub, (list = new Map()));
  if (list.has(remoteId)) throw new VrError(VrErrorCode.ID_EXISTS, `Remotization already exists (${remoteId})`);
  const family: UdpFamily = net.isIPv6(host) ? 'udp6' : 'udp4';
  let rtcpAdded = false;
  for (const ps of pub.streams) {
    const base = REMOTE_BASE_SSRC + ps.mindex * REMOTE_SSRC_STEP;
    const withRtcp = ps.type === 'video' && !rtcpAdded && rtcpPort > 0;
    add(vr, room, pub, ps, { remoteId, host, port, family, ssrc: base, substream: 0, rtcpPort: withRtcp ? rtcpPort : undefined, srtp });
    if (withRtcp) rtcpAdded = true;
    if (ps.type === 'video' && ps.simulcast) {
      const n = ps.substreams > 0 ? ps.substreams : 3;
      for (let sub = 1; sub < Math.min(n, 3); sub++) add(vr, room, pub, ps, { remoteId, host, port, family, ssrc: base + sub, substream: sub, srtp });
    }
  }
  list.set(remoteId, { remoteId, host, port, rtcpPort });
  // the remote side's subscribers need a keyframe to start
  pub.requestKeyframe();
  vr.event(undefined, { event: 'publish_remotely', room: room.id, id: pub.id, remote_id: remoteId, host, port });
  return { videoroom: 'success', room: room.id, id: pub.id, remote_id: remoteId };
}

interface AddOptions {
  remoteId: string;
  host: string;
  port: number;
  family: UdpFamily;
  ssrc: number;
  substream: number;
  rtcpPort?: number;
  srtp?: { suite: SrtpSuite; key: Buffer };
}

function add(vr: VideoRoomState, room: Room, pub: Publisher, ps: PublisherStream, o: AddOptions): void {
  const fw: MediaForwarder = new MediaForwarder(
    {
      streamId: newStreamId(room),
      type: ps.type,
      host: o.host,
      port: o.port,
      family: o.family,
      ssrc: o.ssrc,
      substream: o.substream,
      remoteId: o.remoteId,
      rtcpPort: o.rtcpPort,
      srtp: o.srtp,
      // the remote side names the stream by the SSRC scheme
      onKeyframeRequest: (ssrc) => {
        if (ssrc < REMOTE_BASE_SSRC) return;
        const mindex = ((ssrc - REMOTE_BASE_SSRC) / REMOTE_SSRC_STEP) | 0;
        if (pub.byMindex(mindex)?.type === 'video') pub.requestKeyframe(mindex);
      },
      attached: () => ps.forwarders.includes(fw),
    },
    vr.sockets.get(o.family),
  );
  ps.addForwarder(fw);
}

export function unpublishRemotely(vr: VideoRoomState, body: JsonObject): JsonObject {
  checkParams(body, [
    { name: 'secret', type: 'string' },
    { name: 'remote_id', type: 'string', required: true },
  ]);
  vr.ids.read(body, 'room', true);
  vr.ids.read(body, 'publisher_id', true);
  const room = vr.room(body);
  vr.checkSecret(room, body);
  const pub = publisherOf(vr, room, body, 'No such publisher');
  const remoteId = body.remote_id as string;
  if (!recipients.get(pub)?.delete(remoteId)) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such remotization (${remoteId})`);
  for (const ps of pub.streams) {
    for (const fw of ps.forwarders) {
      if (fw instanceof MediaForwarder && fw.remoteId === remoteId) {
        ps.removeForwarder(fw.streamId);
        fw.close();
      }
    }
  }
  vr.event(undefined, { event: 'unpublish_remotely', room: room.id, id: pub.id, remote_id: remoteId });
  return { videoroom: 'success', room: room.id, id: pub.id };
}

export function listRemotes(vr: VideoRoomState, body: JsonObject): JsonObject {
  vr.ids.read(body, 'room', true);
  vr.ids.read(body, 'publisher_id', true);
  const room = vr.room(body);
  vr.checkSecret(room, body);
  const pub = publisherOf(vr, room, body, 'No such publisher');
  const list: JsonObject[] = [];
  for (const r of recipients.get(pub)?.values() ?? []) {
    const j: JsonObject = { remote_id: r.remoteId, host: r.host, port: r.port };
    if (r.rtcpPort > 0) j.rtcp_port = r.rtcpPort;
    list.push(j);
  }
  return { videoroom: 'success', room: room.id, id: pub.id, list };
}
