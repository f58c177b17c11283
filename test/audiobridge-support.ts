/**
 * AudioBridge media test support: werift participants that send an Opus-encoded tone and decode
 * the mix they get back, Goertzel tone detection, and plain UDP RTP endpoints.
 */
import * as dgram from 'node:dgram';
import { OpusEncoder } from '@discordjs/opus';
import { type RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, useAudioLevelIndication, useSdesMid, type RTCRtpTransceiver } from 'werift';
import { g711Decode, g711Encode } from '../plugins/audiobridge/mixer/g711';
import { clientPeer, gathered, JanusWs, onTracks } from './media-support';
import { loopbackPeer } from './support/peer';

type Msg = Record<string, any>;

const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

/** Keeps the last `seconds` of decoded mono 48 kHz audio. */
export class PcmWindow {
  private readonly buf: Int16Array;
  private at = 0;
  samples = 0;
  constructor(seconds = 1, readonly rate = 48000) {
    this.buf = new Int16Array(Math.round(seconds * rate));
  }
  reset(): void {
    this.samples = 0;
    this.at = 0;
    this.buf.fill(0);
  }
  add(pcm: Buffer): void {
    for (let i = 0; i + 1 < pcm.length; i += 2) {
      this.buf[this.at] = pcm.readInt16LE(i);
      this.at = (this.at + 1) % this.buf.length;
      this.samples++;
    }
  }
  /** RMS over the window (0 .. 1). */
  rms(): number {
    let s = 0;
    for (const v of this.buf) s += (v / 32768) ** 2;
    return Math.sqrt(s / this.buf.length);
  }
  /** Goertzel: relative power of `freq` over the window (0 .. ~1 for a full-scale tone). */
  power(freq: number): number {
    const n = this.buf.length;
    const k = (2 * Math.PI * freq) / this.rate;
    const coeff = 2 * Math.cos(k);
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = this.buf[(this.at + i) % n] / 32768;
      const s = x + coeff * s1 - s2;
      s2 = s1;
      s1 = s;
    }
    const p = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    return (4 * p) / (n * n);
  }
}

/** 20 ms µ-law frames of a sine tone (8 kHz). */
export class PcmuToneSource {
  readonly tsStep = 160;
  private phase = 0;
  private readonly pcm = new Int16Array(160);
  constructor(public freq: number, public amplitude = 6000) {}
  next(): Buffer {
    const step = (2 * Math.PI * this.freq) / 8000;
    for (let i = 0; i < 160; i++) {
      this.pcm[i] = Math.round(Math.sin(this.phase) * this.amplitude);
      this.phase += step;
    }
    this.phase %= 2 * Math.PI;
    const out = Buffer.alloc(160);
    g711Encode(false, this.pcm, 160, out, 0);
    return out;
  }
}

/** 20 ms Opus frames of a sine tone (48 kHz mono). */
export class ToneSource {
  readonly tsStep = 960;
  private readonly enc = new OpusEncoder(48000, 1);
  private phase = 0;
  private readonly pcm = Buffer.alloc(960 * 2);
  constructor(public freq: number, public amplitude = 6000) {}
  next(): Buffer {
    const step = (2 * Math.PI * this.freq) / 48000;
    for (let i = 0; i < 960; i++) {
      this.pcm.writeInt16LE(Math.round(Math.sin(this.phase) * this.amplitude), i * 2);
      this.phase += step;
    }
    this.phase %= 2 * Math.PI;
    return this.enc.encode(this.pcm);
  }
}

/** A WebRTC participant: joins with an offer, sends a tone, decodes what it hears. */
export class AbPeer {
  janus!: JanusWs;
  handle = 0;
  pc!: RTCPeerConnection;
  t!: RTCRtpTransceiver;
  id = 0;
  joined: Msg = {};
  heard = new PcmWindow(1);
  pcmu = false;
  /** Left and right channels, for spatial rooms (filled when `stereo`). */
  readonly left = new PcmWindow(1);
  readonly right = new PcmWindow(1);
  stereo = false;
  received = 0;
  /** Packets sent by sendTone, to wait for an amount of audio rather than a time. */
  sent = 0;
  lastPt = -1;
  lastTs = 0;
  private readonly dec = new OpusEncoder(48000, 1);
  private readonly dec2 = new OpusEncoder(48000, 2);
  private timer?: NodeJS.Timeout;
  private seq = Math.floor(Math.random() * 60000);
  private ts = 0;
  /** ssrc-audio-level to put on what we send (-1: none). */
  level = 10;

  static async join(wsUrl: string, room: number, extra: Msg = {}): Promise<AbPeer> {
    const p = new AbPeer();
    p.janus = await JanusWs.connect(wsUrl);
    await p.janus.createSession();
    p.handle = await p.janus.attach('janus.plugin.audiobridge');
    p.pcmu = extra.codec === 'pcmu';
    if (p.pcmu) p.heard = new PcmWindow(1, 8000);
    p.pc = p.pcmu ? pcmuPeer() : clientPeer();
    p.t = p.pc.addTransceiver('audio', { direction: 'sendrecv' });
    await p.pc.setLocalDescription(await p.pc.createOffer());
    await gathered(p.pc);
    const { transaction } = await p.janus.message(p.handle, { request: 'join', room, ...extra }, { type: 'offer', sdp: p.pc.localDescription!.sdp });
    const ev = await p.janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    p.joined = ev.plugindata.data;
    if (p.joined.audiobridge !== 'joined') throw new Error(JSON.stringify(p.joined));
    p.id = p.joined.id;
    onTracks(p.t, (rtp) => {
      p.received++;
      p.lastPt = rtp.header.payloadType;
      p.lastTs = rtp.header.timestamp;
      try {
        if (p.stereo) {
          const pcm = p.dec2.decode(rtp.payload);
          const l = Buffer.alloc(pcm.length / 2);
          const r = Buffer.alloc(pcm.length / 2);
          for (let i = 0; i + 3 < pcm.length; i += 4) {
            l.writeInt16LE(pcm.readInt16LE(i), i / 2);
            r.writeInt16LE(pcm.readInt16LE(i + 2), i / 2);
          }
          p.left.add(l);
          p.right.add(r);
          p.heard.add(l);
        } else if (p.pcmu) {
          const pcm = new Int16Array(rtp.payload.length);
          g711Decode(false, rtp.payload, rtp.payload.length, pcm);
          p.heard.add(Buffer.from(pcm.buffer));
        } else p.heard.add(p.dec.decode(rtp.payload));
      } catch {
        /* a bad packet is just not heard */
      }
    });
    await p.pc.setRemoteDescription(ev.jsep);
    await p.janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === p.handle, 10000, 'webrtcup');
    return p;
  }

  /** A handle without a PeerConnection (to drive a plain-RTP participant). */
  static async joinless(wsUrl: string): Promise<AbPeer> {
    const p = new AbPeer();
    p.janus = await JanusWs.connect(wsUrl);
    await p.janus.createSession();
    p.handle = await p.janus.attach('janus.plugin.audiobridge');
    return p;
  }

  /** Start sending a tone (Opus, 50 packets/s). */
  sendTone(tone: { next(): Buffer; tsStep: number }): void {
    this.stop();
    const exts = (this.t.sender as unknown as { headerExtensions?: Array<{ id: number; uri: string }> }).headerExtensions ?? [];
    const levelExt = exts.find((e) => e.uri === AUDIO_LEVEL_URI);
    this.timer = setInterval(() => {
      const header = new RtpHeader({ payloadType: 111, sequenceNumber: (this.seq = (this.seq + 1) & 0xffff), timestamp: (this.ts = (this.ts + tone.tsStep) >>> 0), marker: false });
      if (levelExt && this.level >= 0) {
        header.extension = true;
        header.extensions = [{ id: levelExt.id, payload: Buffer.from([this.level & 0x7f]) }];
      }
      this.t.sender.sendRtp(new RtpPacket(header, tone.next())).catch(() => undefined);
      this.sent++;
    }, 20);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async request(body: Msg): Promise<Msg> {
    const { reply, transaction } = await this.janus.message(this.handle, body);
    if (reply.janus === 'success') return reply.plugindata.data;
    const ev = await this.janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    return ev.plugindata.data;
  }

  async close(): Promise<void> {
    this.stop();
    await this.pc?.close().catch(() => undefined);
    this.janus.close();
  }
}

/** A plain UDP endpoint that decodes the Opus RTP it receives (mix forwards, plain-RTP legs). */
export class UdpListener {
  readonly socket = dgram.createSocket('udp4');
  readonly heard = new PcmWindow(1);
  packets = 0;
  lastPt = -1;
  lastSsrc = 0;
  private readonly dec = new OpusEncoder(48000, 1);
  port = 0;

  async open(): Promise<this> {
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    this.port = this.socket.address().port;
    this.socket.on('message', (m) => {
      if (m.length < 12) return;
      this.packets++;
      this.lastPt = m[1] & 0x7f;
      this.lastSsrc = m.readUInt32BE(8);
      try {
        this.heard.add(this.dec.decode(m.subarray(12)));
      } catch {
        /* ignore */
      }
    });
    return this;
  }

  close(): void {
    this.socket.close();
  }
}

/** A werift peer offering only PCMU (as a G.711 phone gateway would). */
function pcmuPeer(): RTCPeerConnection {
  return loopbackPeer({
    codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, payloadType: 0 })], video: [] },
    headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication()], video: [] },
  });
}
