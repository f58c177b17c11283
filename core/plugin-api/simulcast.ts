/**
 * Simulcast layer selection for one receiving stream (Janus's `janus_rtp_simulcasting_context`):
 * which substream (encoding) and temporal layer a subscriber gets, when it may switch, falling
 * back to a lower substream when the chosen one stops and back up when it returns, and the
 * header rewriting that makes the switches invisible to the receiver (one SSRC, continuous
 * sequence numbers and timestamps, and for VP8 continuous picture IDs and TL0PICIDX).
 *
 * Hot path: `relay()` runs per packet and never allocates. Given an `out` buffer (a fan-out: each
 * receiver owns one), a relayed packet is copied there and rewritten once, the shared packet
 * untouched; without one the packet is rewritten in place (`restore()` undoes it).
 */
import type { JsonObject } from './messages';
import { isKeyframe, rtpPayloadOffset, rtpSeq, rtpSsrc, rtpTimestamp, RtpSwitchingContext, setRtpSeq, setRtpTimestamp } from './rtp';
import { parseVp8, Vp8Descriptor, Vp8PictureRewriter } from './vp8';
import { parseVp9, Vp9Descriptor } from './vp9';

/** Janus's default `fallback`: 250 ms without packets on the relayed substream. */
export const DEFAULT_SIMULCAST_FALLBACK_US = 250000;
/** While waiting for a keyframe on the target, ask for one at most this often. */
const PLI_RETRY_MS = 1000;

/** What a subscriber may ask for (Janus's `substream`, `temporal`, `fallback` request fields). */
export interface SimulcastSettings {
  substream?: number;
  temporal?: number;
  /** Microseconds without packets on the relayed substream before dropping to a lower one. */
  fallback?: number;
}

export interface SimulcastOptions extends SimulcastSettings {
  /** Lower-case codec name of the stream (vp8, vp9, h264, av1, h265). */
  codec: string;
  /** How many encodings the sender announced (rids or SSRCs), 1 to 3. */
  substreams: number;
  clockRate?: number;
  /** The receiver's sequence/timestamp rewriter, when it has one already (a subscriber stream). */
  rtp?: RtpSwitchingContext;
}

export class SimulcastContext {
  readonly codec: string;
  readonly substreams: number;
  readonly clockRate: number;
  substreamTarget: number;
  temporalTarget: number;
  fallbackUs: number;
  /** Whether `fallback` was given explicitly (Janus shows it only then). */
  private fallbackSet = false;
  /** Substream and temporal layer relayed now (-1: nothing yet). */
  substream = -1;
  temporal = -1;
  /** Set by `relay()` for the packet just processed: tell the subscriber / ask for a keyframe. */
  changedSubstream = false;
  changedTemporal = false;
  needPli = false;
  /** Descriptor of the packet just processed (VP8 streams). */
  readonly vp8 = new Vp8Descriptor();
  readonly vp9 = new Vp9Descriptor();
  /** Sequence number / timestamp continuity for the receiver. */
  readonly rtp: RtpSwitchingContext;
  private readonly pictures = new Vp8PictureRewriter();
  /** Lower substream we dropped to because the target went silent (-1: none). */
  private targetTemp = -1;
  /** When each substream last had a packet (ms), and when the first packet came. */
  private readonly lastSeen = [0, 0, 0];
  private firstSeen = 0;
  private lastRelayed = 0;
  private lastPliAsk = 0;
  private lastSsrc = -1;
  /** Header values of the last relayed packet before rewriting (for `restore`). */
  private origSeq = 0;
  private origTs = 0;
  private rewritten = false;
  private vp8Rewritten = false;

  constructor(opts: SimulcastOptions) {
    this.codec = opts.codec.toLowerCase();
    this.substreams = Math.max(1, Math.min(3, Math.floor(opts.substreams) || 1));
    this.clockRate = opts.clockRate ?? 90000;
    this.substreamTarget = this.substreams - 1;
    this.temporalTarget = 2;
    this.fallbackUs = DEFAULT_SIMULCAST_FALLBACK_US;
    this.rtp = opts.rtp ?? new RtpSwitchingContext();
    this.configure(opts);
  }

  /**
   * Apply a subscriber's request. Targets above what the sender has are capped to its highest
   * layer. Returns true when the substream target changed: the caller asks the sender for a
   * keyframe (a switch only happens on one).
   */
  configure(s: SimulcastSettings): boolean {
    let keyframe = false;
    if (typeof s.substream === 'number' && Number.isInteger(s.substream) && s.substream >= 0) {
      const t = Math.min(s.substream, this.substreams - 1);
      if (t !== this.substreamTarget) keyframe = true;
      this.substreamTarget = t;
    }
    if (typeof s.temporal === 'number' && Number.isInteger(s.temporal) && s.temporal >= 0) this.temporalTarget = Math.min(s.temporal, 2);
    if (typeof s.fallback === 'number' && Number.isInteger(s.fallback) && s.fallback >= 0) {
      this.fallbackUs = s.fallback > 0 ? s.fallback : DEFAULT_SIMULCAST_FALLBACK_US;
      this.fallbackSet = true;
    }
    return keyframe;
  }

  /** Forget what is being relayed (new PeerConnection or new source), keep the targets. */
  reset(): void {
    this.substream = -1;
    this.temporal = -1;
    this.targetTemp = -1;
    this.lastSeen.fill(0);
    this.firstSeen = 0;
    this.lastRelayed = 0;
    this.lastSsrc = -1;
    this.rtp.reset();
    this.pictures.reset();
  }

  /**
   * Decide on one packet of substream `substream` (0 = lowest, as the core tags it). True: relay
   * it (rewritten in `out` when given, else in place); false: drop it. Check `changedSubstream`,
   * `changedTemporal` and `needPli` afterwards.
   */
  relay(buf: Buffer, length: number, substream: number, now = Date.now(), out?: Buffer): boolean {
    this.changedSubstream = false;
    this.changedTemporal = false;
    this.needPli = false;
    this.rewritten = false;
    this.vp8Rewritten = false;
    if (substream < 0 || substream >= 3 || length > buf.length || (out !== undefined && length > out.length)) return false;
    const off = rtpPayloadOffset(buf, length);
    if (off < 0) return false;
    const keyframe = this.inspect(buf, off, length);
    this.lastSeen[substream] = now;
    if (this.firstSeen === 0) this.firstSeen = now;
    // back to the real target when the one we fell back from flows again (or a lower one is asked)
    if (this.targetTemp !== -1 && (substream > this.targetTemp || this.substreamTarget <= this.targetTemp)) this.targetTemp = -1;
    const target = this.targetTemp === -1 ? this.substreamTarget : this.targetTemp;
    // switch only at a keyframe of the target; of a substream on the way to it only when the
    // target does not flow (start-up: it gets one fallback period to show up)
    if (this.substream === -1) {
      if (keyframe && (substream === target || !this.flowing(target, now))) this.switchTo(substream, now);
      else this.askKeyframe(now);
    } else if (this.substream !== target && keyframe) {
      const up = this.substream < target && substream > this.substream && substream <= target;
      const down = this.substream > target && substream < this.substream && substream >= target;
      if ((up || down) && (substream === target || !this.flowing(target, now))) this.switchTo(substream, now);
    } else if (this.substream !== target && substream === target) this.askKeyframe(now);
    if (this.lastRelayed === 0) this.lastRelayed = now;
    else if (this.substream > 0 && (now - this.lastRelayed) * 1000 > this.fallbackUs) {
      // nothing relayed for too long: the substream we relay stopped, drop one level
      this.lastRelayed = now;
      if (substream !== this.substream && this.targetTemp !== 0 && this.substreamTarget > substream) {
        const prev = this.targetTemp;
        this.targetTemp = Math.max(0, (this.targetTemp === -1 ? this.substream : this.targetTemp) - 1);
        if (this.targetTemp !== prev) {
          this.needPli = true;
          this.lastPliAsk = now;
        }
      }
    }
    if (this.substream < 0 || substream !== this.substream) return false;
    this.lastRelayed = now;
    if (!this.temporalPass(keyframe)) {
      this.rtp.skip(buf);
      return false;
    }
    if (out !== undefined) {
      buf.copy(out, 0, 0, length);
      this.rewrite(out, now);
      this.rewritten = false; // the shared packet was not touched: nothing to restore
    } else this.rewrite(buf, now);
    return true;
  }

  /** Undo the header rewriting of the last relayed packet (the buffer is shared with others). */
  restore(buf: Buffer): void {
    if (!this.rewritten) return;
    setRtpSeq(buf, this.origSeq);
    setRtpTimestamp(buf, this.origTs);
    if (this.vp8Rewritten) this.pictures.restore(buf, this.vp8);
    this.rewritten = false;
  }

  /** Janus's per-stream simulcast description (`handle_info`, VideoRoom `streams`). */
  describe(): JsonObject {
    const out: JsonObject = {
      substream: this.substream,
      'substream-target': this.substreamTarget,
      'temporal-layer': this.temporal,
      'temporal-layer-target': this.temporalTarget,
    };
    if (this.fallbackSet) out.fallback = this.fallbackUs;
    return out;
  }

  /** Parse what the codec tells about the packet; returns whether it starts a keyframe. */
  private inspect(buf: Buffer, off: number, length: number): boolean {
    if (off >= length) {
      // padding-only packet: no payload, never a switching point
      this.vp8.reset();
      this.vp9.reset();
      return false;
    }
    if (this.codec === 'vp8') return parseVp8(buf, off, length, this.vp8) && this.vp8.keyframe;
    if (this.codec === 'vp9') return parseVp9(buf, off, length, this.vp9) && this.vp9.keyframe;
    return isKeyframe(this.codec, buf, length);
  }

  private flowing(substream: number, now: number): boolean {
    const last = this.lastSeen[substream] || this.firstSeen;
    return (now - last) * 1000 <= this.fallbackUs;
  }

  private switchTo(substream: number, now: number): void {
    this.substream = substream;
    this.changedSubstream = true;
    this.lastRelayed = now;
  }

  private askKeyframe(now: number): void {
    if (now - this.lastPliAsk < PLI_RETRY_MS) return;
    this.lastPliAsk = now;
    this.needPli = true;
  }

  /** Temporal layer selection (VP8 TID, VP9 layer indices); false drops the packet. */
  private temporalPass(keyframe: boolean): boolean {
    if (this.codec === 'vp8') {
      const d = this.vp8;
      if (!d.valid || !d.hasTid) return true;
      if (this.temporal !== this.temporalTarget && d.frameStart) {
        // first frame: any layer will do; later switch at the start of a frame of the target
        // layer (going down), or of a keyframe / layer-sync frame up to it (going up)
        const up = this.temporal < this.temporalTarget && (keyframe || (d.layerSync && d.tid <= this.temporalTarget) || d.tid === this.temporalTarget);
        const down = this.temporal > this.temporalTarget && d.tid <= this.temporalTarget;
        if (this.temporal === -1 || up || down) {
          this.temporal = this.temporalTarget;
          this.changedTemporal = true;
        }
      }
      return this.temporal === -1 || d.tid <= this.temporal;
    }
    if (this.codec === 'vp9') {
      const d = this.vp9;
      if (!d.valid || !d.hasLayerIndices) return true;
      if (this.temporal === -1 && keyframe) {
        this.temporal = this.temporalTarget;
        this.changedTemporal = true;
      } else if (this.temporalTarget > this.temporal && d.switchingUp && d.startOfFrame && d.tid > this.temporal && d.tid <= this.temporalTarget) {
        this.temporal = d.tid;
        this.changedTemporal = true;
      } else if (this.temporalTarget < this.temporal && d.endOfFrame && d.tid === this.temporalTarget) {
        this.temporal = this.temporalTarget;
        this.changedTemporal = true;
      }
      return this.temporal === -1 || d.tid <= this.temporal;
    }
    return true;
  }

  private rewrite(buf: Buffer, now: number): void {
    this.origSeq = rtpSeq(buf);
    this.origTs = rtpTimestamp(buf);
    const ssrc = rtpSsrc(buf);
    const switched = ssrc !== this.lastSsrc;
    this.lastSsrc = ssrc;
    this.rtp.update(buf, this.clockRate, now);
    this.rewritten = true;
    if (this.codec === 'vp8' && this.vp8.valid) {
      this.pictures.rewrite(buf, this.vp8, switched);
      this.vp8Rewritten = true;
    }
  }
}
