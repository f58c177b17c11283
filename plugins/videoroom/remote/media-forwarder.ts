/**
 * A forwarder that does what Janus's plain RTP forwarder can't here: SRTP (`srtp_suite` /
 * `srtp_crypto`), RTCP feedback from the target (`rtcp_port`: a PLI or FIR there becomes a
 * keyframe request to the publisher), and the remote-publisher framing of data channel messages
 * (a 12-byte RTP header whose payload type says text 0 / binary 1, never encrypted).
 *
 * Per packet: one copy into a slot of a preallocated ring (UDP sends complete after the call
 * returns), SRTP in place, no allocation of ours.
 */
import * as dgram from 'node:dgram';
import { SimulcastContext, SrtpSender, type DataPacket, type SrtpSuite } from '../../../core/plugin-api';
import { RtpForwarder, type RtpForwarderOptions } from '../rtp-forward';
import { forEachKeyframeRequest } from './rtcp-feedback';

/** Send slots per forwarder: far more than the packets one event-loop turn can queue. */
const RING_SLOTS = 128;
/** A slot holds a full-size packet plus the SRTP tag or the data channel header. */
const SLOT_SIZE = 1500 + 16;
/** How often a forwarder with an RTCP socket checks it is still attached to its stream. */
const LIVENESS_MS = 2000;

export interface MediaForwarderOptions extends RtpForwarderOptions {
  srtp?: { suite: SrtpSuite; key: Buffer };
  /** The target's RTCP port: we latch to it and take its PLI/FIR. */
  rtcpPort?: number;
  /** `publish_remotely`: the remotization this forwarder belongs to. */
  remoteId?: string;
  /** A PLI or FIR arrived from the target, naming this media SSRC. */
  onKeyframeRequest?: (mediaSsrc: number) => void;
  /** `simulcast: true`: one forwarder that follows the best substream (Janus's simulcast forwarder). */
  simulcast?: { codec: string; substreams: number; clockRate: number; requestKeyframe: () => void };
  /** False once the forwarder was dropped from its stream (closes the RTCP socket). */
  attached?: () => boolean;
}

export class MediaForwarder extends RtpForwarder {
  readonly remoteId?: string;
  readonly srtpSuite?: SrtpSuite;
  /** Our local RTCP port when `rtcp_port` was given. */
  localRtcpPort = 0;
  readonly remoteRtcpPort: number;
  private readonly srtp?: SrtpSender;
  private readonly slots: Buffer[] = [];
  private next = 0;
  private rtcpSock?: dgram.Socket;
  private liveness?: NodeJS.Timeout;
  private closed = false;
  private readonly sim?: SimulcastContext;
  private readonly simPli?: () => void;
  override readonly anySubstream: boolean;

  constructor(o: MediaForwarderOptions, private readonly udp: dgram.Socket) {
    super(o, udp);
    if (o.simulcast && o.type === 'video') {
      // as Janus: aim at the top substream and temporal layer, fall back when it stops
      this.sim = new SimulcastContext({ codec: o.simulcast.codec, substreams: Math.max(2, o.simulcast.substreams), clockRate: o.simulcast.clockRate, substream: 2, temporal: 2 });
      this.simPli = o.simulcast.requestKeyframe;
    }
    this.anySubstream = this.sim !== undefined;
    this.remoteId = o.remoteId;
    this.remoteRtcpPort = o.type !== 'data' ? (o.rtcpPort ?? 0) : 0;
    if (o.srtp && o.type !== 'data') {
      this.srtp = new SrtpSender(o.srtp.key, o.srtp.suite);
      this.srtpSuite = o.srtp.suite;
    }
    const ring = Buffer.alloc(RING_SLOTS * SLOT_SIZE);
    for (let i = 0; i < RING_SLOTS; i++) this.slots.push(ring.subarray(i * SLOT_SIZE, (i + 1) * SLOT_SIZE));
    if (o.rtcpPort && o.type !== 'data') this.openRtcp(o);
  }

  private slot(): Buffer {
    const b = this.slots[this.next];
    this.next = this.next + 1 === RING_SLOTS ? 0 : this.next + 1;
    return b;
  }

  /** An RTP packet of the stream (a data channel message when the forwarder is for data). */
  override send(src: Buffer, length: number, substream = 0): void {
    if (this.closed) return;
    if (this.type === 'data') {
      this.sendMessage(src, length, false);
      return;
    }
    if (length < 12 || length > 1500) return;
    const b = this.slot();
    src.copy(b, 0, 0, length);
    const sim = this.sim;
    if (sim !== undefined) {
      // rewritten in our own copy: the publisher's buffer is shared
      const pass = sim.relay(b, length, substream, Date.now());
      if (sim.needPli) this.simPli?.();
      if (!pass) return;
      // one SSRC for the switching stream: the forwarder's ID unless one was given (as Janus)
      b.writeUInt32BE(this.streamId >>> 0, 8);
    }
    if (this.ssrc !== undefined) b.writeUInt32BE(this.ssrc >>> 0, 8);
    if (this.pt !== undefined) b[1] = (b[1] & 0x80) | (this.pt & 0x7f);
    let n = length;
    if (this.srtp !== undefined) {
      n = this.srtp.protectRtp(b, length);
      if (n < 0) return;
    }
    this.udp.send(b, 0, n, this.port, this.host);
  }

  /**
   * A data channel message: as is for `rtp_forward`, behind Janus's fake RTP header (SSRC of the
   * stream, payload type 0 text / 1 binary) for a remote publisher; truncated to 1500 bytes.
   */
  override sendData(packet: DataPacket): void {
    this.sendMessage(packet.buffer, packet.length, packet.binary);
  }

  private sendMessage(src: Buffer, length: number, binary: boolean): void {
    if (this.closed) return;
    const b = this.slot();
    if (this.remoteId === undefined) {
      const n = Math.min(length, 1500);
      src.copy(b, 0, 0, n);
      this.udp.send(b, 0, n, this.port, this.host);
      return;
    }
    const n = Math.min(length, 1500 - 12);
    b.fill(0, 0, 12);
    b[0] = 0x80;
    b[1] = binary ? 1 : 0;
    b.writeUInt32BE((this.ssrc ?? 0) >>> 0, 8);
    src.copy(b, 12, 0, n);
    this.udp.send(b, 0, n + 12, this.port, this.host);
  }

  private openRtcp(o: MediaForwarderOptions): void {
    const sock = dgram.createSocket(o.family);
    this.rtcpSock = sock;
    sock.on('error', () => undefined);
    sock.on('message', (msg) => {
      if (!this.closed && o.onKeyframeRequest) forEachKeyframeRequest(msg, msg.length, o.onKeyframeRequest);
    });
    sock.bind(0, () => {
      if (this.closed) return;
      this.localRtcpPort = sock.address().port;
      // as Janus: two empty RTP headers so the target (and NATs) learn where to send RTCP
      const latch = Buffer.alloc(12);
      latch[0] = 0x80;
      sock.send(latch, o.rtcpPort!, o.host);
      sock.send(latch, o.rtcpPort!, o.host);
    });
    sock.unref();
    if (o.attached) {
      this.liveness = setInterval(() => {
        if (!o.attached!()) this.close();
      }, LIVENESS_MS);
      this.liveness.unref();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.liveness) clearInterval(this.liveness);
    try {
      this.rtcpSock?.close();
    } catch {
      // already closed
    }
    this.rtcpSock = undefined;
  }

  override toJson(): ReturnType<RtpForwarder['toJson']> {
    const j = super.toJson();
    if (this.type === 'video' && this.substream > 0) j.substream = this.substream;
    if (this.localRtcpPort > 0) j.local_rtcp_port = this.localRtcpPort;
    if (this.remoteRtcpPort > 0) j.remote_rtcp_port = this.remoteRtcpPort;
    if (this.srtpSuite !== undefined) j.srtp = true;
    return j;
  }
}
