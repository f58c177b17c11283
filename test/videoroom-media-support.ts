/** werift peers for the VideoRoom media tests, on this area's UDP range (clients 43500-43999). */
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  useAbsSendTime,
  useAudioLevelIndication,
  useNACK,
  usePLI,
  useREMB,
  useSdesMid,
  type RTCRtpTransceiver,
} from 'werift';

let nextUdp = 43500 + (process.pid % 10) * 40;
function clientPorts(): [number, number] {
  const lo = nextUdp;
  nextUdp += 4;
  if (nextUdp > 43990) nextUdp = 43500;
  return [lo, lo + 3];
}

export function vrPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' } as never,
    icePortRange: clientPorts(),
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI(), useREMB()] })],
    },
    headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication(), useAbsSendTime()], video: [useSdesMid(), useAbsSendTime()] },
  });
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
