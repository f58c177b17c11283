/**
 * The werift internals the media pipeline reads or keeps current (werift 0.24.4; none of them is
 * in its typings). Every reach from core/media into a private werift field goes through the
 * typed accessors here, and `missingMediaShapes()` checks them when the adapter is installed at
 * start-up (a werift upgrade that renames one fails there, with its name, not mid-call).
 */
import { isIP } from 'node:net';
import * as path from 'node:path';
import {
  RTCRtpReceiver,
  RTCRtpSender,
  RtpPacket,
  RtpRouter,
  TransceiverManager,
  type RTCDtlsTransport,
  type RTCPeerConnection,
  type RTCRtpTransceiver,
  type MediaStreamTrack,
} from 'werift';
import { dgramState, nativeSrtp, type DgramState } from '../outbound/native-send';

// --- sending ---

/** RTCRtpSender state werift's sender reports (SR), stats and RTX read; the outbound chain keeps it current. */
export interface SenderState {
  ssrc: number;
  codec?: { payloadType: number };
  sequenceNumber?: number;
  timestamp?: number;
  rtpTimestamp: number;
  octetCount: number;
  packetCount: number;
  headerBytesSent: number;
  rtcpRunning: boolean;
  redRedundantPayloadType?: number;
  rtxPayloadType?: number;
  rtxSsrc: number;
  rtxSequenceNumber: number;
  retransmittedPacketsSent: number;
  retransmittedBytesSent: number;
  mid?: string;
  /** Set by werift's stop(). */
  stopped: boolean;
  cname?: string;
  ntpTimestamp: bigint;
  /** The last SR's compact NTP time and when it was sent (werift computes RTT from RRs with them). */
  lastSRtimestamp: number;
  lastSentSRTimestamp: number;
}

export interface Candidate {
  host: string;
  port: number;
  type: string;
  transport: string;
}

/** A UDP socket as werift's ICE transport holds it (node:dgram). */
export interface UdpSocket {
  send(parts: ReadonlyArray<Buffer>, port: number, host: string): void;
}

/** werift's nominated candidate pair, as far as sending and Admin read it. */
export interface NominatedPair {
  packetsSent: number;
  bytesSent: number;
  localCandidate: Candidate;
  remoteCandidate: Candidate;
  protocol: { type: string; transport?: { type?: string; closed?: boolean; socket?: UdpSocket } };
}

export interface IceConnection {
  send(data: Buffer): Promise<void>;
  canSendApplicationData(): boolean;
  nominated?: NominatedPair;
}

const noop = () => undefined;

/** What `PairSender.target` says about sending the next datagram natively. */
export const enum PairTarget { Native, Werift, Drop }

/**
 * Sends datagrams of one sending stream to its ICE pair: werift's `connection.send` (consent
 * check, nominated pair, its statistics) without its three promises per packet, straight to the
 * pair's UDP socket, scatter-gather (the parts are not joined), or through the native stage
 * (`target` gives its descriptor and address). TURN and TCP pairs go through werift (joined into
 * one Buffer: not the common path).
 */
export class PairSender {
  /** The nominated pair seen last, and whether it is a plain UDP one with an IP address. */
  private pair?: NominatedPair;
  private plainUdp = false;
  /** For the native stage: the pair socket's dgram state (its handle is null once closed) and the remote address. */
  private udp?: DgramState;
  /** The socket descriptor and binary remote address of the last `PairTarget.Native` answer. */
  fd = -1;
  addr?: Buffer;

  private follow(conn: IceConnection): NominatedPair | undefined {
    const pair = conn.nominated;
    if (pair !== this.pair) {
      const t = pair?.protocol.transport;
      this.pair = pair;
      this.plainUdp = !!pair && pair.protocol.type === 'stun' && t?.type === 'udp' && !!t.socket && isIP(pair.remoteCandidate.host) !== 0;
      this.udp = undefined;
      this.addr = undefined;
      const native = nativeSrtp();
      if (this.plainUdp && native) {
        this.udp = dgramState(t!.socket!);
        this.addr = native.sockaddr(pair!.remoteCandidate.host, pair!.remoteCandidate.port);
      }
    }
    return pair;
  }

  /** May the next datagram go out natively (`fd`/`addr` set), through `send`, or not at all? */
  target(conn: IceConnection): PairTarget {
    const pair = this.follow(conn);
    const fd = this.udp?.handle?.fd;
    if (!pair || !this.addr || fd === undefined || fd < 0) return PairTarget.Werift;
    if (pair.protocol.transport?.closed || !conn.canSendApplicationData()) return PairTarget.Drop;
    this.fd = fd;
    return PairTarget.Native;
  }

  /** A datagram of `size` bytes went out natively: the pair's statistics. */
  sentNatively(size: number): void {
    const pair = this.pair!;
    pair.packetsSent++;
    pair.bytesSent += size;
  }

  send(conn: IceConnection, parts: ReadonlyArray<Buffer>, size: number): void {
    const pair = this.follow(conn);
    const t = pair?.protocol.transport;
    if (!pair || !t?.socket || !this.plainUdp) {
      conn.send(Buffer.concat(parts as Buffer[], size)).catch(noop);
      return;
    }
    if (t.closed || !conn.canSendApplicationData()) return;
    t.socket.send(parts, pair.remoteCandidate.port, pair.remoteCandidate.host);
    pair.packetsSent++;
    pair.bytesSent += size;
  }
}

/** Send a ready-made RTCP compound (PLI, FIR, REMB, TWCC feedback) on a DTLS transport. */
export function sendRawRtcp(dtls: RTCDtlsTransport, buf: Buffer): void {
  if (dtls.state !== 'connected') return;
  dtls.sendRtcp([{ serialize: () => buf } as never]).catch(noop);
}

/** The DTLS transport fields the outbound chain reads (SRTP keys, TWCC sequence, counters). */
export interface DtlsState {
  state: string;
  transportSequenceNumber: number;
  bytesSent: number;
  packetsSent: number;
  srtp?: { localContext: { profile: number; cipher: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer } } };
  iceTransport: { connection: IceConnection };
}

export function senderState(sender: RTCRtpSender): SenderState {
  return sender as unknown as SenderState;
}

export function senderDtls(sender: RTCRtpSender): DtlsState {
  return (sender as unknown as { dtlsTransport: DtlsState }).dtlsTransport;
}

/** werift computes an NTP time per packet for its sender reports: compute it only when read. */
export function overrideSenderNtp(sender: RTCRtpSender, get: () => bigint, set: (v: bigint) => void): void {
  Object.defineProperty(sender, 'ntpTimestamp', { configurable: true, enumerable: true, get, set });
}

/**
 * werift prepared the sender with every codec and extension of the offer on setRemoteDescription:
 * redo it with the transceiver's final lists. prepareSend sets RED and RTX but never clears them,
 * so clear them first: a stale RED (Chrome offers red/48000 "111/111") made werift send RED
 * blocks labelled as Opus, which Chrome's decoder rejects; a stale RTX type is another codec's.
 */
export function reprepareSender(pc: RTCPeerConnection, t: RTCRtpTransceiver): void {
  const snd = senderState(t.sender);
  snd.redRedundantPayloadType = undefined;
  snd.rtxPayloadType = undefined;
  const tm = (pc as unknown as { transceiverManager: { getLocalRtpParams(t: RTCRtpTransceiver): unknown } }).transceiverManager;
  t.sender.prepareSend(tm.getLocalRtpParams(t) as never);
}

/**
 * Our TWCC feedback (twcc.ts) replaces werift's, which must never run; its hook is where arrivals
 * are taken: werift calls it for every RTP packet with the extension, also the ones it drops right
 * after (padding-only RTX: Chrome's bandwidth probes), which never reach a track. Reported as lost,
 * those probes failed and kept Chrome's estimate near its 300 kbit/s start on a loaded machine.
 */
export function takeOverWeriftTwcc(t: RTCRtpTransceiver, arrived: (transportSeq: number) => void): void {
  (t.receiver as unknown as { receiverTWCC: unknown }).receiverTWCC = {
    handleTWCC: (seq: unknown) => {
      if (typeof seq === 'number') arrived(seq);
    },
  };
}

/** SRTP profile number negotiated on a DTLS transport (Admin `handle_info`). */
export function srtpProfileOf(dtls: RTCDtlsTransport | undefined): number | undefined {
  return (dtls as unknown as { srtp?: { config?: { profile?: number } } } | undefined)?.srtp?.config?.profile;
}

// --- ICE ---

export function iceConnectionOf(pc: RTCPeerConnection, index = 0): IceConnection | undefined {
  return (pc.iceTransports[index] as unknown as { connection?: IceConnection } | undefined)?.connection;
}

export function iceConnectionOfDtls(dtls: RTCDtlsTransport): IceConnection {
  return (dtls.iceTransport as unknown as { connection: IceConnection }).connection;
}

function weriftLib(): string {
  return path.join(path.dirname(require.resolve('werift')), '..', '..');
}

/**
 * werift waits max(500 ms, 2×RTT + 200 ms) for each RFC 7675 consent response; its consent code
 * reads these two module fields (lib/ice, hidden by its package exports) at each check.
 */
export function relaxConsentResponseTimeout(ms: number): void {
  const iceBase = require(path.join(weriftLib(), 'ice', 'src', 'iceBase.js')) as Record<string, unknown>;
  if (typeof iceBase.CONSENT_RESPONSE_TIMEOUT_MIN !== 'number' || typeof iceBase.CONSENT_RESPONSE_TIMEOUT !== 'number') {
    throw new Error(`werift internals changed: ice/src/iceBase.js CONSENT_RESPONSE_TIMEOUT(_MIN) missing; update core/media/werift-adapter/media.ts`);
  }
  iceBase.CONSENT_RESPONSE_TIMEOUT_MIN = Math.max(iceBase.CONSENT_RESPONSE_TIMEOUT_MIN, ms);
  iceBase.CONSENT_RESPONSE_TIMEOUT = Math.max(iceBase.CONSENT_RESPONSE_TIMEOUT, ms);
}

// --- receiving ---

/** The parts of werift's RTP router (not public API) that simulcast receiving needs. */
export interface WeriftReceiver {
  trackBySSRC: Record<number, MediaStreamTrack | undefined>;
  ssrcByRtx: Record<number, number>;
}
export interface WeriftRouter {
  ssrcTable: Record<number, unknown>;
  ridTable: Record<string, WeriftReceiver | undefined>;
  extIdUriMap: Record<number, string>;
  routeRtp(packet: RtpPacket): void;
  registerRtpReceiver(receiver: unknown, ssrc: number): void;
}

export function routerOf(pc: RTCPeerConnection): WeriftRouter {
  return (pc as unknown as { router: WeriftRouter }).router;
}

export function receiverInternals(r: RTCRtpReceiver): WeriftReceiver {
  return r as unknown as WeriftReceiver;
}

/** werift's per-SSRC receive statistics (RTCRtpReceiver.remoteStreams), read-only. */
export interface ReceiveStats {
  readonly packets_received: number;
  readonly packets_expected: number;
  readonly packets_lost: number;
  readonly jitter: number;
}

/** Receive statistics of an SSRC, and the RTX SSRCs that repair it (link quality, once a second). */
export function receiveStats(r: RTCRtpReceiver, ssrc: number): { main: ReceiveStats | undefined; rtxReceived: number } {
  const rec = r as unknown as { remoteStreams: Record<number, ReceiveStats | undefined>; ssrcByRtx?: Record<number, number | undefined> };
  let rtxReceived = 0;
  for (const k of Object.keys(rec.ssrcByRtx ?? {})) {
    if (rec.ssrcByRtx![Number(k)] === ssrc) rtxReceived += rec.remoteStreams[Number(k)]?.packets_received ?? 0;
  }
  return { main: rec.remoteStreams[ssrc], rtxReceived };
}

/** The fields of werift's parsed RTCP the core reads (receiver reports, REMB). */
export interface RtcpFields {
  type: number;
  reports?: Array<{ ssrc: number; packetsLost: number; jitter: number }>;
  feedback?: { bitrate?: bigint };
}
export function rtcpFields(rtcp: { type: number }): RtcpFields {
  return rtcp as RtcpFields;
}

/** Set on each RtpPacket werift parses: the bytes it was parsed from (the decrypted packet). */
const RAW = Symbol('janus.raw');
type WithRaw = RtpPacket & { [RAW]?: Buffer };

/**
 * werift decrypts each SRTP packet into a Buffer and parses it (RtpPacket.deSerialize in
 * RTCDtlsTransport); keep that Buffer on the packet so the inbound chain hands the plugin the
 * decrypted bytes instead of re-serialising the parsed packet.
 */
function installRawRtp(): void {
  const cls = RtpPacket as unknown as { deSerialize(buf: Buffer): RtpPacket; __janusRaw?: boolean };
  if (cls.__janusRaw) return;
  cls.__janusRaw = true;
  const deSerialize = cls.deSerialize;
  cls.deSerialize = function (buf: Buffer) {
    const p = deSerialize.call(this, buf) as WithRaw;
    p[RAW] = buf;
    return p;
  };
}

/**
 * The decrypted bytes werift parsed this packet from, if they still describe it: a packet werift
 * made itself (an RTX packet it unwrapped) has none, and one whose header werift changed does
 * not match (then the caller serialises).
 */
export function rawRtpOf(rtp: RtpPacket): Buffer | undefined {
  const raw = (rtp as WithRaw)[RAW];
  if (raw === undefined || raw.length < 12) return undefined;
  const h = rtp.header;
  if (raw.readUInt32BE(8) !== h.ssrc || raw.readUInt16BE(2) !== h.sequenceNumber || (raw[1] & 0x7f) !== h.payloadType) return undefined;
  return raw;
}

// --- start-up check ---

/** Every private shape above; returns what is missing (installWeriftAdapter throws on any). */
export function missingMediaShapes(): string[] {
  const missing: string[] = [];
  const need = (ok: boolean, what: string) => ok || missing.push(what);
  const s = new RTCRtpSender('audio') as unknown as Record<string, unknown>;
  for (const k of [
    'ssrc', 'rtpTimestamp', 'octetCount', 'packetCount', 'headerBytesSent', 'rtcpRunning', 'redRedundantPayloadType',
    'rtxPayloadType', 'rtxSsrc', 'rtxSequenceNumber', 'retransmittedPacketsSent', 'retransmittedBytesSent', 'ntpTimestamp', 'dtlsTransport',
    'stopped', 'cname', 'lastSRtimestamp', 'lastSentSRTimestamp',
  ]) {
    need(k in s, `RTCRtpSender.${k}`);
  }
  need(typeof s.runRtcp === 'function' && /rtcpRunning/.test(String(s.runRtcp)), 'RTCRtpSender.runRtcp (started unless rtcpRunning)');
  need(typeof s.prepareSend === 'function', 'RTCRtpSender.prepareSend');
  need(typeof TransceiverManager?.prototype?.getLocalRtpParams === 'function', 'TransceiverManager.prototype.getLocalRtpParams');
  const r = new RTCRtpReceiver({} as never, 'audio', 1) as unknown as Record<string, unknown>;
  for (const k of ['trackBySSRC', 'ssrcByRtx', 'receiverTWCC', 'remoteStreams']) need(k in r, `RTCRtpReceiver.${k}`);
  const router = new RtpRouter() as unknown as Record<string, unknown>;
  for (const k of ['ssrcTable', 'ridTable', 'extIdUriMap']) need(k in router, `RtpRouter.${k}`);
  need(typeof router.routeRtp === 'function', 'RtpRouter.routeRtp');
  need(typeof router.registerRtpReceiver === 'function', 'RtpRouter.registerRtpReceiver');
  need(typeof (RtpPacket as unknown as { deSerialize?: unknown }).deSerialize === 'function', 'RtpPacket.deSerialize');
  const iceBase = require(path.join(weriftLib(), 'ice', 'src', 'iceBase.js')) as Record<string, unknown>;
  need(typeof iceBase.CONSENT_RESPONSE_TIMEOUT === 'number', 'ice iceBase.CONSENT_RESPONSE_TIMEOUT');
  return missing;
}

/** Patches of the media path (run once by installWeriftAdapter after the shape check). */
export function installMediaPatches(): void {
  installRawRtp();
}
