/**
 * RTP/RTCP helpers for plugins (Janus's rtp.h/rtcp.h utilities): read and rewrite header
 * fields in place, find keyframes, keep sequence numbers and timestamps continuous across
 * source switches (RTCP: rtcp.ts). Pure functions on buffers: no allocation.
 */

export function rtpSeq(buf: Buffer): number {
  return buf.readUInt16BE(2);
}
export function rtpTimestamp(buf: Buffer): number {
  return buf.readUInt32BE(4);
}
export function rtpSsrc(buf: Buffer): number {
  return buf.readUInt32BE(8);
}
export function setRtpSeq(buf: Buffer, seq: number): void {
  buf.writeUInt16BE(seq & 0xffff, 2);
}
export function setRtpTimestamp(buf: Buffer, ts: number): void {
  buf.writeUInt32BE(ts >>> 0, 4);
}
export function rtpMarker(buf: Buffer): boolean {
  return (buf[1] & 0x80) !== 0;
}

/** Offset of the payload (after CSRCs and header extensions), or -1 if the packet is malformed. */
export function rtpPayloadOffset(buf: Buffer, length = buf.length): number {
  if (length < 12) return -1;
  let off = 12 + (buf[0] & 0x0f) * 4;
  if (buf[0] & 0x10) {
    if (off + 4 > length) return -1;
    off += 4 + buf.readUInt16BE(off + 2) * 4;
  }
  return off <= length ? off : -1;
}

/** True when the packet starts a keyframe (VP8, VP9, H.264, AV1 best effort); false when unknown. */
export function isKeyframe(codec: string, buf: Buffer, length = buf.length): boolean {
  const off = rtpPayloadOffset(buf, length);
  if (off < 0 || off >= length) return false;
  switch (codec) {
    case 'vp8': {
      let p = off;
      const b0 = buf[p++];
      const start = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
      if (!start) return false;
      if (b0 & 0x80) {
        if (p >= length) return false;
        const x = buf[p++];
        if (x & 0x80) p += buf[p] & 0x80 ? 2 : 1; // picture id
        if (x & 0x40) p++; // tl0picidx
        if (x & 0x30) p++; // tid/keyidx
      }
      return p < length && (buf[p] & 0x01) === 0;
    }
    case 'vp9': {
      const b0 = buf[off];
      // P bit clear and B (start of frame) set
      return (b0 & 0x40) === 0 && (b0 & 0x08) !== 0;
    }
    case 'h264': {
      const nal = buf[off] & 0x1f;
      if (nal === 5 || nal === 7) return true;
      if (nal === 24) {
        // STAP-A: look at the aggregated NALs
        let p = off + 1;
        while (p + 2 < length) {
          const size = buf.readUInt16BE(p);
          const t = buf[p + 2] & 0x1f;
          if (t === 5 || t === 7) return true;
          p += 2 + size;
        }
        return false;
      }
      if (nal === 28 || nal === 29) return (buf[off + 1] & 0x80) !== 0 && ((buf[off + 1] & 0x1f) === 5 || (buf[off + 1] & 0x1f) === 7);
      return false;
    }
    case 'av1':
      // aggregation header N bit: first packet of a new coded video sequence
      return (buf[off] & 0x08) !== 0;
    default:
      return false;
  }
}

/** How a switching context numbers its first segment. */
export interface RtpSwitchingOptions {
  /**
   * false (default): the first packet keeps its sequence number and timestamp (a relay).
   * true: the first packet becomes sequence number 1, timestamp 0 (Janus's recorder, record.c).
   */
  rebase?: boolean;
}

/**
 * Janus's `janus_rtp_switching_context` with `janus_rtp_header_update`: the one sequence
 * number / timestamp rewriter of the plugin API (subscriber streams, simulcast/SVC layer
 * switching, recordings). The receiver sees one continuous stream while the source changes:
 * on a new SSRC or after `reset()` (switch, pause/resume) a new segment starts right after the
 * last number sent, its timestamps advanced by the wall-clock time that passed. Real losses stay
 * gaps (NACK works); packets dropped on purpose are closed up with `skip()`. No allocation.
 */
export class RtpSwitchingContext {
  private readonly rebase: boolean;
  private started = false;
  private pendingReset = false;
  private lastSsrc = 0;
  private baseSeq = 0;
  private baseSeqPrev = 0;
  private baseTs = 0;
  private baseTsPrev = 0;
  /** Last sequence number / timestamp written, of the furthest packet so far. */
  private lastSeq = 0;
  private lastTs = 0;
  /** Input sequence number of the furthest packet of the current source (-1: none). */
  private lastSeqIn = -1;
  /** When the last packet was rewritten (caller's clock, ms); 0: none. */
  private lastTime = 0;

  constructor(opts: RtpSwitchingOptions = {}) {
    this.rebase = opts.rebase === true;
  }

  /**
   * The next packet starts a new segment (switch, resume) even with the same SSRC. With `now`
   * (Janus's recorder `resume`), the timestamp gap is measured from then.
   */
  reset(now?: number): void {
    this.pendingReset = true;
    this.lastSeqIn = -1;
    if (now !== undefined) this.lastTime = now;
  }

  /** Forget everything (the receiver is new, e.g. a new PeerConnection). */
  restart(): void {
    this.started = false;
    this.pendingReset = false;
    this.lastSeqIn = -1;
    this.lastTime = 0;
  }

  /** Last sequence number written (stats, tests). */
  get lastSequence(): number {
    return this.lastSeq;
  }

  get lastTimestamp(): number {
    return this.lastTs;
  }

  /**
   * A packet of the current source is left out on purpose (a temporal or spatial layer the
   * receiver does not get): shift the sequence numbers so the receiver sees no gap, or it would
   * ask for (and wait on) packets that never come. Old, reordered packets change nothing.
   */
  skip(buf: Buffer, off = 0): void {
    if (!this.started || this.pendingReset || this.lastSeqIn < 0 || buf.readUInt32BE(off + 8) !== this.lastSsrc) return;
    const seq = buf.readUInt16BE(off + 2);
    const ahead = (seq - this.lastSeqIn) & 0xffff;
    if (ahead === 0 || ahead >= 0x8000) return;
    this.baseSeqPrev = (this.baseSeqPrev - 1) & 0xffff;
    this.lastSeqIn = seq;
  }

  /**
   * Rewrite the RTP header at `buf[off..]` in place. `clockRate` (Hz) turns the wall-clock gap
   * of a new segment into timestamp units; `now` is in milliseconds (any monotonic origin; or µs
   * with `clockRate` in kHz).
   */
  update(buf: Buffer, clockRate: number, now: number, off = 0): void {
    const seq = buf.readUInt16BE(off + 2);
    const ts = buf.readUInt32BE(off + 4);
    const ssrc = buf.readUInt32BE(off + 8);
    if (!this.started) {
      this.started = true;
      this.pendingReset = false;
      this.lastSsrc = ssrc;
      this.lastSeqIn = -1;
      this.baseSeq = seq;
      this.baseTs = ts;
      // relay: continue from the packet's own numbers; recorder: 1 and 0 (or, resumed before
      // its first packet, the time since the resume, as Janus)
      this.baseSeqPrev = this.rebase ? 0 : (seq - 1) & 0xffff;
      this.baseTsPrev = this.rebase ? this.gap(clockRate, now) : ts;
      this.lastSeq = this.baseSeqPrev;
      this.lastTs = this.baseTsPrev;
    } else if (this.pendingReset || ssrc !== this.lastSsrc) {
      this.pendingReset = false;
      this.lastSsrc = ssrc;
      this.lastSeqIn = -1;
      this.baseSeq = seq;
      this.baseSeqPrev = this.lastSeq;
      this.baseTs = ts;
      // the new source's clock is unrelated: continue from ours, advanced by the time that passed
      this.baseTsPrev = (this.lastTs + this.gap(clockRate, now)) >>> 0;
    }
    // modular arithmetic: a packet reordered from just before the base maps just before it too
    const outSeq = (seq - this.baseSeq + this.baseSeqPrev + 1) & 0xffff;
    const outTs = (ts - this.baseTs + this.baseTsPrev) >>> 0;
    buf.writeUInt16BE(outSeq, off + 2);
    buf.writeUInt32BE(outTs, off + 4);
    // only the furthest packet moves the segment's end (a late one must not pull it back)
    if (this.lastSeqIn < 0 || ((seq - this.lastSeqIn) & 0xffff) < 0x8000) {
      this.lastSeqIn = seq;
      this.lastSeq = outSeq;
      this.lastTs = outTs;
    }
    this.lastTime = now;
  }

  /**
   * Timestamp units since the last packet (at least 1), 0 when there was none. Janus's integer
   * formula: the recorder passes microseconds and kHz, relays milliseconds and Hz.
   */
  private gap(clockRate: number, now: number): number {
    if (this.lastTime <= 0) return 0;
    const g = Math.floor(((now - this.lastTime) * clockRate) / 1000);
    return g > 0 ? g : 1;
  }
}
