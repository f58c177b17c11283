/**
 * Janus's RTP switching context as its recorder applies it (rtp.c `janus_rtp_header_update`):
 * sequence numbers and timestamps are rebased so the file stays continuous when the SSRC changes
 * (renegotiation, simulcast switch) or after a pause; the SSRC itself is left as it came.
 * The first packet of a file gets sequence number 1 and timestamp 0.
 */
export class MjrRtpContext {
  private lastSsrc = 0;
  private lastTs = 0;
  private baseTs = 0;
  private baseTsPrev = 0;
  private lastSeq = 0;
  private baseSeq = 0;
  private baseSeqPrev = 0;
  private tsReset = false;
  private seqReset = false;
  /** Monotonic µs of the last packet (0: none yet). */
  private lastTime = 0;

  /** After a pause: the next packet starts a new segment, spaced by the time that passed. */
  resume(nowUs: number): void {
    this.tsReset = true;
    this.seqReset = true;
    this.lastTime = nowUs;
  }

  /** Rewrite the RTP header at `buf[off..]` in place. `nowUs`: monotonic µs. */
  update(buf: Buffer, off: number, video: boolean, nowUs: number): void {
    const ssrc = buf.readUInt32BE(off + 8);
    const ts = buf.readUInt32BE(off + 4);
    const seq = buf.readUInt16BE(off + 2);
    if (ssrc !== this.lastSsrc) {
      this.lastSsrc = ssrc;
      this.tsReset = true;
      this.seqReset = true;
    }
    if (this.tsReset) {
      this.tsReset = false;
      this.baseTsPrev = this.lastTs;
      this.baseTs = ts;
      if (this.lastTime > 0) {
        // Janus assumes 90 kHz video, 48 kHz audio, 8 kHz for PCMU/PCMA/G.722 (payload types 0, 8, 9)
        const pt = buf[off + 1] & 0x7f;
        const khz = video ? 90 : pt === 0 || pt === 8 || pt === 9 ? 8 : 48;
        let diff = Math.floor(((nowUs - this.lastTime) * khz) / 1000);
        if (diff === 0) diff = 1;
        this.baseTsPrev = (this.baseTsPrev + diff) >>> 0;
        this.lastTs = (this.lastTs + diff) >>> 0;
      }
    }
    if (this.seqReset) {
      this.seqReset = false;
      this.baseSeqPrev = this.lastSeq;
      this.baseSeq = seq;
    }
    this.lastTs = (ts - this.baseTs + this.baseTsPrev) >>> 0;
    this.lastSeq = (seq - this.baseSeq + this.baseSeqPrev + 1) & 0xffff;
    buf.writeUInt32BE(this.lastTs, off + 4);
    buf.writeUInt16BE(this.lastSeq, off + 2);
    this.lastTime = nowUs;
  }
}
