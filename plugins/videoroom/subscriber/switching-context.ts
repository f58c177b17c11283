/**
 * Keeps one subscriber m-line's RTP sequence numbers and timestamps continuous while its source
 * changes (`switch`, pause/resume, a new publisher SSRC after renegotiation). The core rewrites the
 * SSRC; this rewrites the rest in a buffer owned by the subscriber stream, so forwarding a packet
 * allocates nothing.
 */
export class RtpSwitchingContext {
  /** Output buffer: the rewritten packet lives here until the next `rewrite`. */
  readonly buffer: Buffer;
  private started = false;
  private changed = false;
  private lastSsrc = 0;
  private baseInSeq = 0;
  private baseOutSeq = 0;
  private lastOutSeq = 0;
  private baseInTs = 0;
  private baseOutTs = 0;
  private lastOutTs = 0;
  private lastOutMs = 0;

  constructor(
    /** RTP clock of the media (48000 audio, 90000 video): sizes the timestamp gap on a switch. */
    public clockRate: number,
    size = 1500,
  ) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  /** The next packet starts a new segment (a switch, resume, or another publisher). */
  reset(): void {
    this.changed = true;
  }

  /** Forget everything (the subscriber's PeerConnection is new). */
  restart(): void {
    this.started = false;
    this.changed = false;
  }

  /** Last sequence number sent (for tests and stats). */
  get lastSequence(): number {
    return this.lastOutSeq;
  }

  get lastTimestamp(): number {
    return this.lastOutTs;
  }

  /**
   * Copy `src[0..length)` into `buffer` with rewritten sequence number and timestamp.
   * Returns the length, or -1 when the packet cannot be rewritten (too short or too long).
   */
  rewrite(src: Buffer, length: number, nowMs: number): number {
    if (length < 12 || length > this.buffer.length) return -1;
    src.copy(this.buffer, 0, 0, length);
    const seq = src.readUInt16BE(2);
    const ts = src.readUInt32BE(4);
    const ssrc = src.readUInt32BE(8);
    if (!this.started) {
      this.started = true;
      this.changed = false;
      this.lastSsrc = ssrc;
      this.baseInSeq = seq;
      this.baseOutSeq = seq;
      this.baseInTs = ts;
      this.baseOutTs = ts;
      this.lastOutSeq = (seq - 1) & 0xffff;
      this.lastOutTs = ts;
      this.lastOutMs = nowMs;
    } else if (this.changed || ssrc !== this.lastSsrc) {
      this.changed = false;
      this.lastSsrc = ssrc;
      this.baseInSeq = seq;
      this.baseOutSeq = (this.lastOutSeq + 1) & 0xffff;
      // the new source's clock is unrelated: continue from ours, advanced by the wall-clock gap
      const gap = Math.max(1, Math.round(((nowMs - this.lastOutMs) * this.clockRate) / 1000));
      this.baseInTs = ts;
      this.baseOutTs = (this.lastOutTs + gap) >>> 0;
    }
    // signed deltas, so a reordered packet from just before the base does not wrap far ahead
    const dSeq = ((seq - this.baseInSeq + 0x8000) & 0xffff) - 0x8000;
    const outSeq = (this.baseOutSeq + dSeq) & 0xffff;
    const outTs = (this.baseOutTs + ((ts - this.baseInTs) | 0)) >>> 0;
    this.buffer.writeUInt16BE(outSeq, 2);
    this.buffer.writeUInt32BE(outTs, 4);
    const ahead = ((outSeq - this.lastOutSeq) & 0xffff) < 0x8000;
    if (ahead) {
      this.lastOutSeq = outSeq;
      this.lastOutTs = outTs;
      this.lastOutMs = nowMs;
    }
    return length;
  }
}
