import * as dgram from 'node:dgram';
import type { RTCPeerConnection, RTCRtpTransceiver, RtpPacket } from 'werift';
import { nominatedRemote, sendRawFromPeer } from '../core/media/werift-adapter';
import { udpDrops, type DropCounters } from '../core/media/udp-guard';
import { JanusWs, onTracks, openVideoEcho, RtpPump, sleep, until } from './media-support';

/**
 * An established EchoTest video call under attack: the werift client pumps numbered RTP and
 * counts what comes back; datagrams can be sent to the server's media port from a foreign
 * socket or from the client's own (validated) socket.
 */
export class AttackedCall {
  echoed = 0;
  /** Datagrams the server sent back to the foreign socket. */
  foreignReplies = 0;
  /** Keepalives, as janus.js sends them: long runs outlast session_timeout (60 s). */
  private readonly keepalive = setInterval(() => void this.janus.request({ janus: 'keepalive' }), 15000);
  private constructor(
    readonly answerSdp: string,
    readonly janus: JanusWs,
    readonly handle: number,
    /** A second connection without a session, for `info`. */
    private readonly probe: JanusWs,
    readonly pc: RTCPeerConnection,
    readonly pump: RtpPump,
    readonly video: RTCRtpTransceiver,
    /** Negotiated video payload type. */
    readonly pt: number,
    readonly server: [string, number],
    private readonly foreign: dgram.Socket,
  ) {}

  static async open(wsUrl: string): Promise<AttackedCall> {
    const { janus, handle, pc, video, answer } = await openVideoEcho(wsUrl);
    const pt = Number(/m=video \d+ \S+ (\d+)/.exec(answer.sdp)?.[1] ?? 96);
    const server = nominatedRemote(pc);
    if (!server) throw new Error('client has no nominated pair');
    const foreign = dgram.createSocket('udp4');
    await new Promise<void>((r) => foreign.bind(0, '127.0.0.1', r));
    const probe = await JanusWs.connect(wsUrl);
    const call = new AttackedCall(answer.sdp, janus, handle, probe, pc, new RtpPump(video, pt, 300, 3000), video, pt, server, foreign);
    foreign.on('message', () => call.foreignReplies++);
    onTracks(video, () => call.echoed++);
    call.pump.start(50);
    if (!(await until(() => call.echoed >= 10, 10000))) throw new Error('echo did not start');
    return call;
  }

  /** From another socket on the same host: not the validated ICE pair. */
  fromForeign(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.foreign.send(data, this.server[1], this.server[0], (err) => (err ? reject(err) : resolve())));
  }

  /** From the client's own socket: the validated ICE pair's address. */
  async fromPeer(data: Buffer): Promise<void> {
    if (!(await sendRawFromPeer(this.pc, data))) throw new Error('no nominated pair');
  }

  /** The client's video SSRC (what the server's SRTP context knows). */
  get ssrc(): number {
    return this.video.sender.ssrc;
  }

  /** The next sequence number the pump sends. */
  get nextSeq(): number {
    return (this.pump as unknown as { seq: number }).seq & 0xffff;
  }

  /** A real (authenticated) RTP packet through the client's SRTP sender. */
  sendRtp(p: RtpPacket): void {
    this.video.sender.sendRtp(p).catch(() => undefined);
  }

  /** `info` answers within `ms`. */
  async infoWithin(ms = 1000): Promise<boolean> {
    const r = await Promise.race([this.probe.request({ janus: 'info' }), sleep(ms).then(() => undefined)]);
    return r?.janus === 'server_info';
  }

  /** Echoed packets keep arriving: `n` more within `ms`. */
  async stillFlowing(n = 10, ms = 5000): Promise<boolean> {
    const from = this.echoed;
    return until(() => this.echoed >= from + n, ms);
  }

  /** USERNAME of a Binding request to the server: its ufrag, then the client's. */
  stunUsername(): string {
    const server = /a=ice-ufrag:(\S+)/.exec(this.answerSdp)?.[1];
    const client = /a=ice-ufrag:(\S+)/.exec(this.pc.localDescription!.sdp)?.[1];
    return `${server}:${client}`;
  }

  hungUp(): boolean {
    return this.janus.events.some((e) => e.janus === 'hangup' || e.janus === 'detached');
  }

  hangupReason(): string {
    return JSON.stringify(this.janus.events.filter((e) => e.janus === 'hangup' || e.janus === 'detached'));
  }

  async close(): Promise<void> {
    clearInterval(this.keepalive);
    this.pump.stop();
    this.foreign.close();
    await this.pc.close().catch(() => undefined);
    this.janus.close();
    this.probe.close();
  }
}

/** Process-wide drop counters, copied (to compare before/after). */
export function drops(): DropCounters {
  return { ...udpDrops };
}

/** A STUN Binding request with a USERNAME and a MESSAGE-INTEGRITY that is not valid. */
export function forgedBindingRequest(username: string, opts: { controlling?: boolean } = {}): Buffer {
  const attrs: Buffer[] = [];
  const attr = (type: number, value: Buffer) => {
    const pad = (4 - (value.length % 4)) % 4;
    const b = Buffer.alloc(4 + value.length + pad);
    b.writeUInt16BE(type, 0);
    b.writeUInt16BE(value.length, 2);
    value.copy(b, 4);
    attrs.push(b);
  };
  attr(0x0006, Buffer.from(username));
  attr(0x0024, Buffer.from([0x6e, 0x7f, 0x1e, 0xff])); // PRIORITY
  attr(0x0025, Buffer.alloc(0)); // USE-CANDIDATE
  if (opts.controlling) attr(0x802a, Buffer.from('ffffffffffffffff', 'hex')); // ICE-CONTROLLING, top tie-breaker
  attr(0x0008, Buffer.alloc(20, 0x42)); // MESSAGE-INTEGRITY (wrong)
  const body = Buffer.concat(attrs);
  const head = Buffer.alloc(20);
  head.writeUInt16BE(0x0001, 0);
  head.writeUInt16BE(body.length, 2);
  head.writeUInt32BE(0x2112a442, 4);
  for (let i = 8; i < 20; i++) head[i] = (i * 37) & 0xff;
  return Buffer.concat([head, body]);
}
