/** RTP forwarders: rtp_forward (1.x `streams` and the 0.x flat form), stop_rtp_forward, listforwarders. */
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { decodeSrtpCrypto, isSrtpSuite, type JsonObject, type SrtpSuite } from '../../../core/plugin-api';
import { checkParams, VrError, VrErrorCode } from '../errors';
import type { VrId } from '../ids';
import type { Publisher } from '../publisher/publisher';
import type { PublisherStream } from '../publisher/publisher-stream';
import type { Room } from '../room';
import { RtpForwarder, type RtpForwarderOptions, type UdpFamily } from '../rtp-forward';
import { MediaForwarder } from '../remote/media-forwarder';
import type { VideoRoomState } from '../state';

function publisherOf(vr: VideoRoomState, room: Room, body: JsonObject): Publisher {
  const id = vr.ids.read(body, 'publisher_id', true) as VrId;
  const p = room.participants.get(id);
  if (!p || !p.active) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such feed (${id})`);
  return p;
}

export function newStreamId(room: Room): number {
  const used = new Set<number>();
  for (const p of room.participants.values()) for (const s of p.streams) for (const f of s.forwarders) used.add(f.streamId);
  for (;;) {
    const id = randomBytes(4).readUInt32BE(0);
    if (id !== 0 && !used.has(id)) return id;
  }
}

function family(host: string, hf: unknown): UdpFamily {
  if (hf === 'ipv6') return 'udp6';
  if (hf === 'ipv4') return 'udp4';
  return net.isIPv6(host) ? 'udp6' : 'udp4';
}

interface Plan {
  stream: PublisherStream;
  host: string;
  family: UdpFamily;
  port: number;
  ssrc?: number;
  pt?: number;
  substream: number;
  rtcpPort?: number;
  /** `simulcast: true`: one forwarder following the best substream. */
  switching?: boolean;
}

export function rtpForward(vr: VideoRoomState, body: JsonObject): JsonObject {
  if (vr.settings.lockRtpForward) vr.checkAdminKey(body);
  checkParams(body, [
    vr.ids.spec('room', true), vr.ids.spec('publisher_id', true), { name: 'host', type: 'string', required: true },
    { name: 'host_family', type: 'string' }, { name: 'secret', type: 'string' }, { name: 'streams', type: 'array' },
    { name: 'srtp_suite', type: 'positiveInteger' }, { name: 'srtp_crypto', type: 'string' },
  ]);
  const room = vr.room(body);
  vr.checkSecret(room, body);
  const pub = publisherOf(vr, room, body);
  const host = body.host as string;
  const plans: Plan[] = [];
  const legacy = body.streams === undefined;
  if (!legacy) {
    for (const e of body.streams as unknown[]) {
      const o = (typeof e === 'object' && e !== null && !Array.isArray(e) ? e : {}) as JsonObject;
      checkParams(o, [
        { name: 'mid', type: 'string', required: true }, { name: 'host', type: 'string' }, { name: 'host_family', type: 'string' },
        { name: 'port', type: 'positiveInteger', required: true }, { name: 'rtcp_port', type: 'positiveInteger' },
        { name: 'ssrc', type: 'positiveInteger' }, { name: 'pt', type: 'positiveInteger' }, { name: 'simulcast', type: 'boolean' },
        { name: 'substream', type: 'positiveInteger' },
        { name: 'port_2', type: 'positiveInteger' }, { name: 'ssrc_2', type: 'positiveInteger' }, { name: 'pt_2', type: 'positiveInteger' },
        { name: 'port_3', type: 'positiveInteger' }, { name: 'ssrc_3', type: 'positiveInteger' }, { name: 'pt_3', type: 'positiveInteger' },
      ]);
      // as Janus 1.1.2: a mid the publisher doesn't have forwards nothing (no error)
      const stream = pub.stream(o.mid as string);
      if (!stream || stream.disabled) continue;
      const h = typeof o.host === 'string' ? o.host : host;
      const fam = family(h, o.host_family ?? body.host_family);
      const rtcpPort = stream.type !== 'data' ? (o.rtcp_port as number | undefined) : undefined;
      const switching = stream.type === 'video' && stream.simulcast && o.simulcast === true;
      plans.push({ stream, host: h, family: fam, port: o.port as number, ssrc: o.ssrc as number | undefined, pt: o.pt as number | undefined, substream: (o.substream as number | undefined) ?? 0, rtcpPort, switching });
      // simulcast substreams 2 and 3 to their own ports (Janus: unless `simulcast` asks for one switching forwarder)
      if (stream.type === 'video' && o.simulcast !== true) {
        for (const n of [2, 3]) {
          const port = o[`port_${n}`] as number | undefined;
          if (port) plans.push({ stream, host: h, family: fam, port, ssrc: o[`ssrc_${n}`] as number | undefined, pt: o[`pt_${n}`] as number | undefined, substream: n - 1 });
        }
      }
    }
  } else {
    // 0.x: audio_port / video_port(_2/_3) / data_port go to the first stream of each kind
    // Janus's names: audio_port, video_port, video_port_2 / video_ssrc_2 / video_pt_2, ..., data_port
    const kinds: Array<[string, string, 'audio' | 'video' | 'data', number]> = [['audio', '', 'audio', 0], ['video', '', 'video', 0], ['video', '_2', 'video', 1], ['video', '_3', 'video', 2], ['data', '', 'data', 0]];
    const legacyParams = kinds.flatMap(([k, n]) => [{ name: `${k}_port${n}`, type: 'positiveInteger' as const }, { name: `${k}_ssrc${n}`, type: 'positiveInteger' as const }, { name: `${k}_pt${n}`, type: 'positiveInteger' as const }]);
    checkParams(body, [...legacyParams, { name: 'audio_rtcp_port', type: 'positiveInteger' }, { name: 'video_rtcp_port', type: 'positiveInteger' }]);
    for (const [k, n, type, substream] of kinds) {
      const port = body[`${k}_port${n}`] as number | undefined;
      if (!port) continue;
      const stream = pub.streams.find((s) => s.type === type && !s.disabled);
      if (!stream) continue;
      const rtcpPort = type !== 'data' && n === '' ? (body[`${k}_rtcp_port`] as number | undefined) : undefined;
      plans.push({ stream, host, family: family(host, body.host_family), port, ssrc: body[`${k}_ssrc${n}`] as number | undefined, pt: body[`${k}_pt${n}`] as number | undefined, substream, rtcpPort });
    }
  }
  // SRTP (suite 32/80 + base64 key and salt); an undecodable key makes Janus 1.1.2 create nothing, and still answer
  const srtp = srtpOption(body);
  if (srtp === null) plans.length = 0;
  const made: RtpForwarder[] = [];
  for (const p of plans) {
    const o = { streamId: newStreamId(room), type: p.stream.type, host: p.host, port: p.port, family: p.family, ssrc: p.ssrc, pt: p.pt, substream: p.substream };
    const fw = srtp || p.rtcpPort || p.switching ? mediaForwarder(vr, pub, p.stream, o, srtp ?? undefined, p.rtcpPort, p.switching === true) : new RtpForwarder(o, vr.sockets.get(p.family));
    p.stream.addForwarder(fw);
    made.push(fw);
  }
  for (const fw of made) if (fw.type === 'video') pub.requestKeyframe();
  vr.event(undefined, { event: 'rtp_forward', room: room.id, publisher_id: pub.id, forwarders: made.map((f) => f.toJson()) });
  if (!legacy) return { videoroom: 'rtp_forward', room: room.id, publisher_id: pub.id, forwarders: made.map((f) => f.toJson()) };
  const rtpStream: JsonObject = { host };
  for (const fw of made) {
    const suffix = fw.type === 'video' && fw.substream > 0 ? `_${fw.substream + 1}` : '';
    rtpStream[`${fw.type}_stream_id${suffix}`] = fw.streamId;
    rtpStream[`${fw.type}${suffix}`] = fw.port;
  }
  rtpStream.warning = 'deprecated_api';
  return { videoroom: 'rtp_forward', room: room.id, publisher_id: pub.id, rtp_stream: rtpStream };
}

/** `srtp_suite` + `srtp_crypto`: undefined when not asked, null when the key is unusable (430 for a bad suite). */
function srtpOption(body: JsonObject): { suite: SrtpSuite; key: Buffer } | null | undefined {
  if (body.srtp_suite === undefined || body.srtp_crypto === undefined) return undefined;
  if (!isSrtpSuite(body.srtp_suite)) throw new VrError(VrErrorCode.INVALID_ELEMENT, `Invalid SRTP suite (${String(body.srtp_suite)})`);
  const key = decodeSrtpCrypto(body.srtp_crypto as string);
  return key ? { suite: body.srtp_suite, key } : null;
}

/** An SRTP and/or RTCP-aware forwarder: a PLI or FIR from the target asks the publisher for a keyframe. */
function mediaForwarder(vr: VideoRoomState, pub: Publisher, stream: PublisherStream, o: RtpForwarderOptions, srtp: { suite: SrtpSuite; key: Buffer } | undefined, rtcpPort: number | undefined, switching: boolean): RtpForwarder {
  const keyframe = () => stream.type === 'video' && pub.requestKeyframe(stream.mindex);
  const simulcast = switching && stream.codec ? { codec: stream.codec.name, substreams: stream.substreams, clockRate: stream.clockRate, requestKeyframe: keyframe } : undefined;
  const fw: MediaForwarder = new MediaForwarder(
    { ...o, srtp, rtcpPort, simulcast, onKeyframeRequest: keyframe, attached: () => stream.forwarders.includes(fw) },
    vr.sockets.get(o.family),
  );
  return fw;
}

export function stopRtpForward(vr: VideoRoomState, body: JsonObject): JsonObject {
  if (vr.settings.lockRtpForward) vr.checkAdminKey(body);
  checkParams(body, [vr.ids.spec('room', true), vr.ids.spec('publisher_id', true), { name: 'stream_id', type: 'positiveInteger', required: true }, { name: 'secret', type: 'string' }]);
  const room = vr.room(body);
  vr.checkSecret(room, body);
  const pub = publisherOf(vr, room, body);
  const id = body.stream_id as number;
  if (!pub.streams.some((s) => s.removeForwarder(id))) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such stream (${id})`);
  vr.event(undefined, { event: 'stop_rtp_forward', room: room.id, publisher_id: pub.id, stream_id: id });
  return { videoroom: 'stop_rtp_forward', room: room.id, publisher_id: pub.id, stream_id: id };
}

export function listForwarders(vr: VideoRoomState, body: JsonObject): JsonObject {
  const room = vr.room(body);
  vr.checkSecret(room, body);
  const publishers: JsonObject[] = [];
  for (const p of room.participants.values()) {
    const fws = p.streams.flatMap((s) => s.forwarders.map((f) => f.toJson()));
    if (fws.length === 0) continue;
    const j: JsonObject = { publisher_id: p.id };
    if (p.display !== undefined) j.display = p.display;
    j.forwarders = fws;
    publishers.push(j);
  }
  return { videoroom: 'forwarders', room: room.id, publishers };
}
