/**
 * werift clients for the cascade tests, on the veth address (Janus skips loopback): a simulcast
 * publisher (three rid encodings of synthetic VP8, answers PLIs) and cheap subscribers that only
 * count packets per SSRC/substream (no decoding: 50 of them share two cores with the servers).
 */
import {
  PictureLossIndication,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtcpPayloadSpecificFeedback,
  useAbsSendTime,
  useNACK,
  usePLI,
  useREMB,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  type RtpPacket,
} from 'werift';
import { JanusWs } from './media-support';
import { udpRange } from './support/ports';
import { gatheredPc, SimulcastPublisher } from './simulcast-peer';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
export const VR = 'janus.plugin.videoroom';


export function cascadePeer(ip: string): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [ip],
    iceInterfaceAddresses: { udp4: ip } as never,
    icePortRange: udpRange(3),
    bundlePolicy: 'max-bundle',
    codecs: { audio: [], video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI(), useREMB()] })] },
    headerExtensions: { audio: [], video: [useSdesMid(), useSdesRTPStreamId(), useRepairedRtpStreamId(), useAbsSendTime()] },
  });
}

const wait = (j: JanusWs, tx: string, what: string) => j.waitFor((m) => m.janus === 'event' && m.transaction === tx, 30_000, what); // a busy 2-core machine can take this long

/**
 * The synthetic VP8 of the simulcast tests, with what Janus needs to see a keyframe: the start code
 * 9d 01 2a and a size after the 3-byte frame tag (Janus checks them; ours only reads the P bit).
 * Byte 19 keeps the substream tag.
 */
export class KeyframeVp8Publisher extends SimulcastPublisher {
  override send(packet: Buffer, ssrc: number, rid?: string, rrid?: string): void {
    if ((packet[12] & 0x10) !== 0 && (packet[18] & 0x01) === 0 && packet.length >= 28) {
      packet[21] = 0x9d;
      packet[22] = 0x01;
      packet[23] = 0x2a;
      packet.writeUInt16LE(640, 24);
      packet.writeUInt16LE(360, 26);
    }
    super.send(packet, ssrc, rid, rrid);
  }
}

/** Keep a WebSocket session alive past Janus's 60 s session timeout (long set-ups in the bench). */
export function keepAlive(j: JanusWs): () => void {
  const t = setInterval(() => void j.request({ janus: 'keepalive' }).catch(() => undefined), 15_000);
  return () => clearInterval(t);
}

export interface Publisher {
  janus: JanusWs;
  handle: number;
  pc: RTCPeerConnection;
  pub: KeyframeVp8Publisher;
  leave(): Promise<void>;
}

/** Join `room` as publisher `id` and publish three simulcast VP8 encodings (sizes 150/500/1100). */
export async function publishSimulcast(wsUrl: string, ip: string, room: number, id: number): Promise<Publisher> {
  const janus = await JanusWs.connect(wsUrl);
  await janus.createSession();
  const handle = await janus.attach(VR);
  const stopKeepalive = keepAlive(janus);
  const pc = cascadePeer(ip);
  pc.addTransceiver('video', { direction: 'sendonly', simulcast: ['h', 'm', 'l'].map((rid) => ({ rid, direction: 'send' as const })) });
  await pc.setLocalDescription(await pc.createOffer());
  await gatheredPc(pc);
  const jc = await janus.message(handle, { request: 'joinandconfigure', ptype: 'publisher', room, id, display: `pub-${id}` }, { type: 'offer', sdp: pc.localDescription!.sdp });
  const joined = await wait(janus, jc.transaction, 'publisher joined');
  if (!joined.jsep) throw new Error(`publish failed: ${JSON.stringify(joined.plugindata?.data)}`);
  await pc.setRemoteDescription(joined.jsep);
  await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 30_000, 'publisher webrtcup');
  const t = pc.getTransceivers()[0];
  const pub = new KeyframeVp8Publisher(pc, t.mid!, t.codecs[0].payloadType!, ['h', 'm', 'l']);
  pub.enc[0].payloadSize = 150;
  pub.enc[1].payloadSize = 500;
  pub.enc[2].payloadSize = 1100;
  pub.start();
  return {
    janus,
    handle,
    pc,
    pub,
    async leave() {
      stopKeepalive();
      pub.stop();
      const l = await janus.message(handle, { request: 'leave' });
      await wait(janus, l.transaction, 'publisher left').catch(() => undefined);
      await pc.close();
      janus.close();
    },
  };
}

/** A subscriber that counts what it gets: packets, per payload substream tag (byte 7 of the synthetic VP8). */
export class CountingSubscriber {
  packets = 0;
  readonly perSubstream = [0, 0, 0];
  lastSubstream = -1;
  /** Extended sequence numbers: first and highest seen (delivery = packets / (highest - first + 1)). */
  firstSeq = -1;
  highestSeq = -1;
  handle = 0;
  mid = '';
  pc!: RTCPeerConnection;
  private dtls: { sendRtcp(packets: unknown[]): Promise<unknown> } | undefined;
  private mediaSsrc = 0;

  constructor(readonly janus: JanusWs, private readonly ip: string) {}

  /** Join as subscriber of `feed` (on `room`), answer, wait for webrtcup. */
  async subscribe(room: number, feed: number, substream?: number): Promise<Msg> {
    this.handle = await this.janus.attach(VR);
    const j = await this.janus.message(this.handle, { request: 'join', ptype: 'subscriber', room, streams: [{ feed, ...(substream !== undefined ? { substream } : {}) }] });
    const att = await wait(this.janus, j.transaction, 'subscriber attached');
    if (!att.jsep) throw new Error(`subscribe failed: ${JSON.stringify(att.plugindata?.data)}`);
    const video = (att.plugindata.data.streams as Msg[]).find((s) => s.type === 'video');
    this.mid = video?.mid ?? '';
    this.pc = cascadePeer(this.ip);
    await this.pc.setRemoteDescription(att.jsep);
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    // counted as they come out of SRTP: no jitter buffer, no depacketizing
    this.pc.dtlsTransports[0].onRtp.subscribe((rtp: RtpPacket) => this.count(rtp));
    await gatheredPc(this.pc);
    const s = await this.janus.message(this.handle, { request: 'start' }, { type: 'answer', sdp: this.pc.localDescription!.sdp });
    await wait(this.janus, s.transaction, 'subscriber started');
    await this.janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === this.handle, 30_000, 'subscriber webrtcup');
    this.dtls = this.pc.dtlsTransports[0] as never;
    return att.plugindata.data;
  }

  private count(rtp: RtpPacket): void {
    this.packets++;
    const seq = rtp.header.sequenceNumber;
    if (this.firstSeq < 0) this.firstSeq = this.highestSeq = seq;
    else {
      // unwrap against the highest seen
      const delta = ((seq - (this.highestSeq & 0xffff) + 0x8000) & 0xffff) - 0x8000;
      if (delta > 0) this.highestSeq += delta;
    }
    this.mediaSsrc = rtp.header.ssrc;
    const s = rtp.payload.length > 7 ? rtp.payload[7] : -1;
    if (s >= 0 && s < 3) {
      this.perSubstream[s]++;
      this.lastSubstream = s;
    }
  }

  /** Packets the server sent us by sequence number (received plus lost). */
  get expected(): number {
    return this.firstSeq < 0 ? 0 : this.highestSeq - this.firstSeq + 1;
  }

  /** Ask the server for a keyframe, as a decoder would. */
  async sendPli(): Promise<void> {
    const pli = new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: 1, mediaSsrc: this.mediaSsrc }) });
    await this.dtls?.sendRtcp([pli]);
  }

  async configure(body: Msg): Promise<Msg> {
    const c = await this.janus.message(this.handle, { request: 'configure', ...body });
    return (await wait(this.janus, c.transaction, 'configured')).plugindata.data;
  }

  async close(): Promise<void> {
    await this.pc?.close().catch(() => undefined);
  }
}
