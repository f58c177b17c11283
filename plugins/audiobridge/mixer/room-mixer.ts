/**
 * One room's mix, one 20 ms tick at a time (runs inside the room's worker; the bench drives it
 * directly). Every leg's packet is decoded, scaled by its volume (and panned when the room is
 * stereo) and summed in int32; each talker gets the sum minus itself, clamped to int16. Legs that
 * contributed nothing this tick (muted, silent, no packet) all hear the same full mix, so it is
 * encoded once per codec and shared: a room with 3 talkers encodes ~4 times per tick, whatever its size.
 */
import { FLAG_SILENT, RingReader, type RingRecord } from './ring';
import { JitterBuffer, POP_LOST, POP_PACKET } from './jitter';
import { LegDecoder, LegEncoder, type EncoderSettings } from './codec';
import { OUT_FORWARDER, OUT_LEG, type LegSettings, type MixCodec, type RoomSetup } from './protocol';
import { WavWriter } from './wav';
import { FilePlayer } from './file-player';

interface Leg {
  slot: number;
  codec: MixCodec;
  s: LegSettings;
  jitter: JitterBuffer;
  decoder: LegDecoder;
  encoder?: LegEncoder;
  /** Decoded mono samples of this tick. */
  pcm: Int16Array;
  /** What this leg added to the mix this tick (volume/pan applied, interleaved). */
  contrib: Int32Array;
  has: boolean;
  seq: number;
  ts: number;
}

interface Forwarder {
  id: number;
  codec: MixCodec;
  pt: number;
  ssrc: number;
  group: number;
  alwaysOn: boolean;
  encoder: LegEncoder;
  seq: number;
  ts: number;
}

export interface TickStats {
  decoded: number;
  encoded: number;
  shared: number;
}

/** Record header in the output batch: kind u8, id u32, len u16. */
const OUT_HEADER = 7;
const RTP_HEADER = 12;

export class RoomMixer {
  readonly rate: number;
  readonly channels: number;
  readonly frame: number;
  private readonly legs = new Map<number, Leg>();
  private readonly forwarders = new Map<number, Forwarder>();
  private readonly files = new Map<string, FilePlayer>();
  private readonly ring?: RingReader;
  private readonly mix: Int32Array;
  private readonly groupMix = new Map<number, Int32Array>();
  private readonly shared = new Map<MixCodec, LegEncoder>();
  private readonly sharedPayload = new Map<MixCodec, { len: number; buf: Uint8Array; tick: number }>();
  private readonly filePcm: Int16Array;
  private wav?: WavWriter;
  private tickNo = 0;
  readonly stats: TickStats = { decoded: 0, encoded: 0, shared: 0 };
  /** Share one encoding of the full mix among legs that contributed nothing (off: one encode per leg, as Janus). */
  shareEncoding = true;
  /** Called when a file starts or stops playing (the worker turns it into a message). */
  onFile?: (id: string, started: boolean) => void;

  constructor(private readonly setup: Omit<RoomSetup, 'ringBuffer'> & { ringBuffer?: SharedArrayBuffer }) {
    this.rate = setup.samplingRate;
    this.channels = setup.stereo ? 2 : 1;
    this.frame = this.rate / 50;
    this.mix = new Int32Array(this.frame * this.channels);
    this.filePcm = new Int16Array(this.frame * 6);
    if (setup.ringBuffer) this.ring = new RingReader(setup.ringBuffer);
  }

  get legCount(): number {
    return this.legs.size;
  }

  addLeg(slot: number, codec: MixCodec, s: LegSettings): void {
    this.legs.set(slot, {
      slot,
      codec,
      s: { ...s },
      jitter: new JitterBuffer(s.prebuffer),
      decoder: new LegDecoder(codec, this.rate),
      pcm: new Int16Array(this.frame * 6),
      contrib: new Int32Array(this.frame * this.channels),
      has: false,
      seq: Math.floor(Math.random() * 0xffff),
      ts: Math.floor(Math.random() * 0xffffffff),
    });
  }

  updateLeg(slot: number, s: Partial<LegSettings>): void {
    const leg = this.legs.get(slot);
    if (!leg) return;
    Object.assign(leg.s, s);
    if (s.prebuffer !== undefined) leg.jitter.prebuffer = s.prebuffer;
    if (s.muted) leg.jitter.clear();
    if (leg.encoder && (s.bitrate !== undefined || s.complexity !== undefined || s.expectedLoss !== undefined || s.fec !== undefined)) {
      leg.encoder.configure(leg.s);
    }
  }

  removeLeg(slot: number): void {
    this.legs.delete(slot);
  }

  resetLeg(slot: number): void {
    this.legs.get(slot)?.decoder.reset();
  }

  /** Feed one packet directly (the bench, and the ring drain). */
  push(slot: number, seq: number, flags: number, payload: Uint8Array): void {
    const leg = this.legs.get(slot);
    if (leg && !leg.s.muted) leg.jitter.push(seq, (flags & FLAG_SILENT) !== 0, payload);
  }

  private readonly onRecord = (r: RingRecord) => this.push(r.slot, r.seq, r.flags, r.payload);

  setForwarder(id: number, codec: MixCodec, pt: number, ssrc: number, group: number, alwaysOn: boolean): void {
    const enc = new LegEncoder(codec, this.rate, this.channels, this.encoderDefaults());
    this.forwarders.set(id, { id, codec, pt, ssrc, group, alwaysOn, encoder: enc, seq: Math.floor(Math.random() * 0xffff), ts: Math.floor(Math.random() * 0xffffffff) });
  }

  removeForwarder(id: number): void {
    this.forwarders.delete(id);
  }

  addFile(id: string, packets: Uint8Array[], loop: boolean, group: number): void {
    this.files.set(id, new FilePlayer(id, packets, loop, group, this.rate));
  }

  removeFile(id: string): void {
    this.files.delete(id);
  }

  record(path: string | undefined, finalPath?: string): void {
    this.wav?.close();
    this.wav = path ? new WavWriter(path, finalPath ?? path, this.rate, this.channels) : undefined;
  }

  close(): void {
    this.wav?.close();
    this.wav = undefined;
  }

  private encoderDefaults(): EncoderSettings {
    return { bitrate: this.setup.defaultBitrate, complexity: 4, expectedLoss: this.setup.defaultExpectedLoss, fec: false };
  }

  /** Upper bound of one tick's output, for the batch buffer. */
  maxOutput(): number {
    return (this.legs.size + this.forwarders.size) * (OUT_HEADER + RTP_HEADER + 1500);
  }

  /**
   * Run one tick: drain the ring, decode, mix, record, encode. Output records go to `out`;
   * returns the bytes written.
   */
  tick(out: Uint8Array): number {
    this.tickNo++;
    this.ring?.drain(this.onRecord);
    const mix = this.mix;
    mix.fill(0);
    for (const g of this.groupMix.values()) g.fill(0);
    const st = this.stats;
    st.decoded = st.encoded = st.shared = 0;
    for (const leg of this.legs.values()) {
      leg.has = false;
      if (leg.s.muted) continue;
      const r = leg.jitter.pop();
      let n = 0;
      if (r === POP_PACKET) {
        if (leg.jitter.out.silent) continue;
        n = leg.decoder.decode(leg.jitter.out.data, leg.pcm);
        st.decoded++;
      } else if (r === POP_LOST) {
        n = leg.decoder.conceal(leg.pcm);
      }
      if (n <= 0) continue;
      if (n < this.frame) leg.pcm.fill(0, n, this.frame);
      leg.has = true;
      this.addToMix(leg.pcm, leg.s.volume, leg.s.spatial, leg.contrib, leg.s.group);
    }
    for (const f of this.files.values()) this.playFile(f);
    this.wav?.write(mix);
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    let off = 0;
    for (const leg of this.legs.values()) {
      if (!leg.s.send) continue;
      const at = off + OUT_HEADER + RTP_HEADER;
      let len: number;
      if (leg.has || !this.shareEncoding) {
        const enc = (leg.encoder ??= new LegEncoder(leg.codec, this.rate, leg.codec === 'opus' ? this.channels : 1, leg.s));
        fillMinus(enc.input, mix, leg.contrib, leg.codec === 'opus' ? this.channels : 1, this.channels);
        len = enc.encode(out, at);
        st.encoded++;
      } else {
        len = this.sharedEncode(leg.codec, out, at);
      }
      leg.seq = (leg.seq + 1) & 0xffff;
      leg.ts = (leg.ts + (leg.codec === 'opus' ? 960 : 160)) >>> 0;
      off = writeRecord(view, off, OUT_LEG, leg.slot, leg.s.pt, leg.seq, leg.ts, leg.s.ssrc, len);
    }
    const live = this.legs.size > 0 || this.files.size > 0;
    for (const f of this.forwarders.values()) {
      if (!live && !f.alwaysOn) continue;
      const src = f.group > 0 ? this.groupMix.get(f.group) ?? ZERO(mix.length) : mix;
      clampInto(f.encoder.input, src, f.codec === 'opus' ? this.channels : 1, this.channels);
      const len = f.encoder.encode(out, off + OUT_HEADER + RTP_HEADER);
      st.encoded++;
      f.seq = (f.seq + 1) & 0xffff;
      f.ts = (f.ts + (f.codec === 'opus' ? 960 : 160)) >>> 0;
      off = writeRecord(view, off, OUT_FORWARDER, f.id, f.pt, f.seq, f.ts, f.ssrc, len);
    }
    return off;
  }

  private addToMix(pcm: Int16Array, volume: number, spatial: number, contrib: Int32Array, group: number): void {
    const mix = this.mix;
    const n = this.frame;
    const gm = group > 0 && this.hasGroupForwarder(group) ? this.groupBuffer(group) : undefined;
    if (this.channels === 1) {
      for (let i = 0; i < n; i++) {
        const v = volume === 100 ? pcm[i] : ((pcm[i] * volume) / 100) | 0;
        contrib[i] = v;
        mix[i] += v;
      }
    } else {
      // equal-gain pan: the far side fades out as the position moves away from the centre
      const pos = Math.min(100, Math.max(0, spatial));
      const lg = pos <= 50 ? 1 : (100 - pos) / 50;
      const rg = pos >= 50 ? 1 : pos / 50;
      for (let i = 0; i < n; i++) {
        const v = (pcm[i] * volume) / 100;
        const l = (v * lg) | 0;
        const r = (v * rg) | 0;
        contrib[2 * i] = l;
        contrib[2 * i + 1] = r;
        mix[2 * i] += l;
        mix[2 * i + 1] += r;
      }
    }
    if (gm) for (let i = 0; i < gm.length; i++) gm[i] += contrib[i];
  }

  private hasGroupForwarder(group: number): boolean {
    for (const f of this.forwarders.values()) if (f.group === group) return true;
    return false;
  }

  private groupBuffer(group: number): Int32Array {
    let g = this.groupMix.get(group);
    if (!g) {
      g = new Int32Array(this.mix.length);
      this.groupMix.set(group, g);
    }
    return g;
  }

  private playFile(f: FilePlayer): void {
    const n = f.next(this.filePcm, this.frame);
    if (f.justStarted) this.onFile?.(f.id, true);
    if (f.done) {
      this.files.delete(f.id);
      this.onFile?.(f.id, false);
    }
    if (n <= 0) return;
    const contrib = f.contrib.length === this.mix.length ? f.contrib : (f.contrib = new Int32Array(this.mix.length));
    this.addToMix(this.filePcm, 100, 50, contrib, f.group);
  }

  /** The full mix, encoded once per codec per tick and copied to every leg that hears it. */
  private sharedEncode(codec: MixCodec, out: Uint8Array, at: number): number {
    let p = this.sharedPayload.get(codec);
    if (!p || p.tick !== this.tickNo) {
      let enc = this.shared.get(codec);
      if (!enc) {
        enc = new LegEncoder(codec, this.rate, codec === 'opus' ? this.channels : 1, this.encoderDefaults());
        this.shared.set(codec, enc);
      }
      clampInto(enc.input, this.mix, codec === 'opus' ? this.channels : 1, this.channels);
      p ??= { len: 0, buf: new Uint8Array(1500), tick: 0 };
      p.len = enc.encode(p.buf, 0);
      p.tick = this.tickNo;
      this.sharedPayload.set(codec, p);
      this.stats.encoded++;
    }
    this.stats.shared++;
    out.set(p.buf.subarray(0, p.len), at);
    return p.len;
  }
}

const zeros = new Map<number, Int32Array>();
function ZERO(n: number): Int32Array {
  let z = zeros.get(n);
  if (!z) zeros.set(n, (z = new Int32Array(n)));
  return z;
}

function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** dst = clamp(mix - own), taking the mix's channel layout to the encoder's. */
function fillMinus(dst: Int16Array, mix: Int32Array, own: Int32Array, dstCh: number, mixCh: number): void {
  if (dstCh === mixCh) {
    for (let i = 0; i < dst.length; i++) dst[i] = clamp16(mix[i] - own[i]);
  } else {
    for (let i = 0; i < dst.length; i++) dst[i] = clamp16(((mix[2 * i] - own[2 * i] + mix[2 * i + 1] - own[2 * i + 1]) / 2) | 0);
  }
}

function clampInto(dst: Int16Array, mix: Int32Array, dstCh: number, mixCh: number): void {
  if (dstCh === mixCh) {
    for (let i = 0; i < dst.length; i++) dst[i] = clamp16(mix[i]);
  } else {
    for (let i = 0; i < dst.length; i++) dst[i] = clamp16(((mix[2 * i] + mix[2 * i + 1]) / 2) | 0);
  }
}

function writeRecord(v: DataView, off: number, kind: number, id: number, pt: number, seq: number, ts: number, ssrc: number, len: number): number {
  v.setUint8(off, kind);
  v.setUint32(off + 1, id >>> 0);
  v.setUint16(off + 5, RTP_HEADER + len);
  const h = off + OUT_HEADER;
  v.setUint8(h, 0x80);
  v.setUint8(h + 1, pt & 0x7f);
  v.setUint16(h + 2, seq);
  v.setUint32(h + 4, ts);
  v.setUint32(h + 8, ssrc >>> 0);
  return h + RTP_HEADER + len;
}
