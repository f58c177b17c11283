/** werift peers and publishers for the VideoRoom media tests. */
import assert from 'node:assert/strict';
import { RtpHeader, RtpPacket, type RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { gathered, JanusWs, RtpPump } from './media-support';
import { loopbackPeer } from './support/peer';

export const VR = 'janus.plugin.videoroom';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Msg = Record<string, any>;

export function vrPeer(): RTCPeerConnection {
  return loopbackPeer();
}

/** The plugin event answering `transaction`. */
export function event(janus: JanusWs, transaction: string): Promise<Msg> {
  return janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction, 20000, `event ${transaction}`);
}

export interface Pub {
  janus: JanusWs;
  handle: number;
  pc: RTCPeerConnection;
  video: RTCRtpTransceiver;
  pump: RtpPump;
  /** Every REMB bitrate the publisher received, in order. */
  rembs: number[];
}

/** A video publisher in `room` (joinandconfigure with an offer), up and sending 30 packets/s. */
export async function publisher(wsUrl: string, room: number, id: number): Promise<Pub> {
  const janus = await JanusWs.connect(wsUrl);
  await janus.createSession();
  const handle = await janus.attach(VR);
  const pc = vrPeer();
  const video = pc.addTransceiver('video', { direction: 'sendonly' });
  const rembs: number[] = [];
  video.sender.onRtcp.subscribe((p) => {
    const fb = (p as unknown as { type: number; feedback?: { bitrate?: bigint } }).feedback;
    if (p.type === 206 && fb?.bitrate !== undefined) rembs.push(Number(fb.bitrate));
  });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const { transaction } = await janus.message(handle, { request: 'joinandconfigure', ptype: 'publisher', room, id }, { type: 'offer', sdp: pc.localDescription!.sdp });
  const ev = await event(janus, transaction);
  assert.equal(ev.plugindata.data.videoroom, 'joined', JSON.stringify(ev.plugindata.data));
  await pc.setRemoteDescription(ev.jsep);
  await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 20000, 'publisher webrtcup');
  const pump = new RtpPump(video, video.codecs[0].payloadType!, 600, 3000);
  pump.start(30);
  return { janus, handle, pc, video, pump, rembs };
}

/** RTP with a tag (which publisher, which kind) and a counter in the payload. */
export class TaggedPump {
  private seq = Math.floor(Math.random() * 60000);
  private ts = Math.floor(Math.random() * 2 ** 31);
  sent = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly t: RTCRtpTransceiver,
    private readonly tag: number,
    private readonly size: number,
    private readonly tsStep: number,
  ) {}

  start(pps: number): void {
    this.timer = setInterval(() => this.sendOne(), Math.max(1, Math.round(1000 / pps)));
  }

  sendOne(): void {
    const payload = Buffer.alloc(this.size, 0xab);
    payload[0] = 0x10; // VP8 descriptor: start of a partition
    payload[1] = 0x00;
    payload.writeUInt32BE(this.tag, 4);
    payload.writeUInt32BE(this.sent, 8);
    const pt = this.t.codecs[0].payloadType!;
    const header = new RtpHeader({ payloadType: pt, sequenceNumber: this.seq++ & 0xffff, timestamp: (this.ts += this.tsStep) >>> 0, marker: true });
    this.t.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
    this.sent++;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** What a subscriber m-line received: tags seen and sequence numbers in arrival order. */
export class Received {
  readonly tags = new Map<number, number>();
  readonly seqs: number[] = [];
  add(rtp: RtpPacket): void {
    const tag = rtp.payload.length >= 12 ? rtp.payload.readUInt32BE(4) : -1;
    this.tags.set(tag, (this.tags.get(tag) ?? 0) + 1);
    this.seqs.push(rtp.header.sequenceNumber);
  }
  count(tag: number): number {
    return this.tags.get(tag) ?? 0;
  }
  /** Largest forward step between consecutive packets (1 = perfectly continuous). */
  maxStep(from = 0): number {
    let max = 0;
    for (let i = Math.max(1, from); i < this.seqs.length; i++) max = Math.max(max, (this.seqs[i] - this.seqs[i - 1]) & 0xffff);
    return max;
  }
}

export function watch(t: RTCRtpTransceiver, r: Received): void {
  const seen = new Set<unknown>();
  const hook = (track: { onReceiveRtp: { subscribe(f: (p: RtpPacket) => void): unknown } }) => {
    if (seen.has(track)) return;
    seen.add(track);
    track.onReceiveRtp.subscribe((p) => r.add(p));
  };
  hook(t.receiver.track);
  t.onTrack.subscribe((track) => hook(track));
}
