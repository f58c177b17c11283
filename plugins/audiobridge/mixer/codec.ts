/**
 * Per-leg decoders and encoders for the mixer: Opus through @discordjs/opus (libopus, N-API),
 * G.711 in TypeScript with linear resampling between 8 kHz and the room's rate.
 */
import { OpusEncoder } from '@discordjs/opus';
import { g711Decode, g711Encode } from './g711';
import type { MixCodec } from './protocol';

/** libopus CTL requests (opus_defines.h). */
const CTL = { APPLICATION: 4000, BITRATE: 4002, MAX_BANDWIDTH: 4004, COMPLEXITY: 4010, INBAND_FEC: 4012, PACKET_LOSS_PERC: 4014 } as const;
const APPLICATION_VOIP = 2048;
const BANDWIDTH: Record<number, number> = { 8000: 1101, 12000: 1102, 16000: 1103, 24000: 1104, 48000: 1105 };

export interface EncoderSettings {
  bitrate: number;
  complexity: number;
  expectedLoss: number;
  fec: boolean;
}

/** Decodes one leg to `frame` samples (mono) at the room rate. */
export class LegDecoder {
  private opus?: OpusEncoder;
  private readonly g711 = new Int16Array(160 * 6);
  /** TOC byte of the last good Opus packet: a TOC-only packet makes libopus conceal one frame. */
  private lastToc = -1;
  private readonly plcPacket = Buffer.alloc(1);

  constructor(
    readonly codec: MixCodec,
    private readonly rate: number,
  ) {
    if (codec === 'opus') this.opus = new OpusEncoder(rate, 1);
  }

  reset(): void {
    if (this.codec === 'opus') this.opus = new OpusEncoder(this.rate, 1);
    this.lastToc = -1;
  }

  /** Decode a payload into `out`; returns samples written (0 on a bad packet). */
  decode(payload: Buffer, out: Int16Array): number {
    if (this.opus) {
      let pcm: Buffer;
      try {
        pcm = this.opus.decode(payload);
      } catch {
        return 0;
      }
      this.lastToc = payload[0] & 0xfc;
      return copyPcm(pcm, out);
    }
    const n = g711Decode(this.codec === 'pcma', payload, payload.length, this.g711);
    return resample(this.g711, n, 8000, out, this.rate);
  }

  /** Conceal one lost packet (Opus PLC); G.711 has none: 0 samples. */
  conceal(out: Int16Array): number {
    if (!this.opus || this.lastToc < 0) return 0;
    this.plcPacket[0] = this.lastToc;
    try {
      return copyPcm(this.opus.decode(this.plcPacket), out);
    } catch {
      return 0;
    }
  }
}

/** Encodes 20 ms of the mix for one leg (or for everyone who shares the full mix). */
export class LegEncoder {
  private opus?: OpusEncoder;
  private readonly pcmBuf: Buffer;
  private readonly pcm: Int16Array;
  private readonly g711 = new Int16Array(160);

  constructor(
    readonly codec: MixCodec,
    private readonly rate: number,
    private readonly channels: number,
    settings: EncoderSettings,
  ) {
    const frame = (rate / 50) * (codec === 'opus' ? channels : 1);
    this.pcmBuf = Buffer.alloc(frame * 2);
    this.pcm = new Int16Array(this.pcmBuf.buffer, this.pcmBuf.byteOffset, frame);
    if (codec === 'opus') {
      this.opus = new OpusEncoder(rate, channels);
      this.opus.applyEncoderCTL(CTL.APPLICATION, APPLICATION_VOIP);
      this.opus.applyEncoderCTL(CTL.MAX_BANDWIDTH, BANDWIDTH[rate] ?? 1103);
      this.configure(settings);
    }
  }

  configure(s: EncoderSettings): void {
    if (!this.opus) return;
    this.opus.applyEncoderCTL(CTL.COMPLEXITY, Math.min(10, Math.max(1, s.complexity || 4)));
    if (s.bitrate > 0) this.opus.applyEncoderCTL(CTL.BITRATE, s.bitrate);
    this.opus.applyEncoderCTL(CTL.INBAND_FEC, s.fec ? 1 : 0);
    this.opus.applyEncoderCTL(CTL.PACKET_LOSS_PERC, s.expectedLoss);
  }

  /** The frame to fill (interleaved when stereo), then `encode` into `out` at `off`. */
  get input(): Int16Array {
    return this.pcm;
  }

  /** Encode `input`; returns the payload length written to `out[off..]`. */
  encode(out: Uint8Array, off: number): number {
    if (this.opus) {
      const b = this.opus.encode(this.pcmBuf);
      out.set(b, off);
      return b.length;
    }
    // G.711 legs always get mono 8 kHz: take the left channel when the room is stereo
    const src = this.channels === 2 ? downmix(this.pcm, this.g711Stereo()) : this.pcm;
    const n = resample(src, this.rate / 50, this.rate, this.g711, 8000);
    return g711Encode(this.codec === 'pcma', this.g711, n, out, off);
  }

  private mono?: Int16Array;
  private g711Stereo(): Int16Array {
    return (this.mono ??= new Int16Array(this.rate / 50));
  }
}

function copyPcm(pcm: Buffer, out: Int16Array): number {
  const n = Math.min(out.length, pcm.length >> 1);
  for (let i = 0; i < n; i++) out[i] = pcm.readInt16LE(i * 2);
  return n;
}

function downmix(stereo: Int16Array, mono: Int16Array): Int16Array {
  for (let i = 0; i < mono.length; i++) mono[i] = (stereo[2 * i] + stereo[2 * i + 1]) >> 1;
  return mono;
}

/** Linear-interpolation resampler (G.711 legs only: 8 kHz to/from the room rate). */
export function resample(src: Int16Array, n: number, from: number, out: Int16Array, to: number): number {
  if (from === to) {
    const m = Math.min(n, out.length);
    out.set(src.subarray(0, m));
    return m;
  }
  const m = Math.min(out.length, Math.floor((n * to) / from));
  const step = from / to;
  for (let i = 0; i < m; i++) {
    const x = i * step;
    const k = Math.floor(x);
    const f = x - k;
    const a = src[k];
    const b = k + 1 < n ? src[k + 1] : a;
    out[i] = Math.round(a + (b - a) * f);
  }
  return m;
}
