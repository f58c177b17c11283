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

/**
 * Janus's `janus_rtp_switching_context`: rewrites sequence numbers and timestamps so the
 * receiver sees one continuous stream while the source (SSRC/substream) changes.
 */
export class RtpSwitchingContext {
  private lastSsrc = -1;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeqOut = -1;
  private lastTsOut = 0;
  private lastTsIn = 0;
  private lastTime = 0;
  private lastSeqIn = -1;

  reset(): void {
    this.lastSsrc = -1;
  }

  /**
   * A packet of the source being relayed is left out on purpose (a temporal or spatial layer the
   * receiver does not get): shift the sequence numbers so the receiver sees no gap, or it would
   * ask for (and wait on) packets that never come. Old, reordered packets change nothing.
   */
  skip(buf: Buffer): void {
    if (rtpSsrc(buf) !== this.lastSsrc || this.lastSeqIn < 0) return;
    const seq = rtpSeq(buf);
    const ahead = (seq - this.lastSeqIn) & 0xffff;
    if (ahead === 0 || ahead >= 0x8000) return;
    this.seqOffset = (this.seqOffset - 1) & 0xffff;
    this.lastSeqIn = seq;
  }

  /** Rewrite `buf` in place. `clockRate` turns wall time into timestamp steps across a switch. */
  update(buf: Buffer, clockRate: number, now = Date.now()): void {
    const ssrc = rtpSsrc(buf);
    const seq = rtpSeq(buf);
    const ts = rtpTimestamp(buf);
    if (ssrc !== this.lastSsrc) {
      if (this.lastSeqOut >= 0) {
        this.seqOffset = (this.lastSeqOut + 1 - seq) & 0xffff;
        const step = Math.max(1, Math.round(((now - this.lastTime) * clockRate) / 1000));
        this.tsOffset = (this.lastTsOut + step - ts) >>> 0;
      } else {
        this.seqOffset = 0;
        this.tsOffset = 0;
      }
      this.lastSsrc = ssrc;
    }
    const seqOut = (seq + this.seqOffset) & 0xffff;
    const tsOut = (ts + this.tsOffset) >>> 0;
    setRtpSeq(buf, seqOut);
    setRtpTimestamp(buf, tsOut);
    this.lastSeqOut = seqOut;
    this.lastSeqIn = seq;
    if (ts !== this.lastTsIn) this.lastTime = now;
    this.lastTsIn = ts;
    this.lastTsOut = tsOut;
  }
}
