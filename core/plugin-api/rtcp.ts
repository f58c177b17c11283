/**
 * The one RTCP compound walker of the code base (plugins, and the core's media stack). A compound
 * packet is a sequence of RTCP packets, each with a 4-byte header whose length counts 32-bit
 * words minus one. The walk is bounds-checked: it stops at the first packet that is not RTP
 * version 2 or whose declared length runs past the buffer, so a truncated or forged compound can
 * never make a reader look outside it. No allocation: one cursor is reused.
 */

export const RTCP_FIR_LEGACY = 192; // RFC 2032 FIR, still honoured as a keyframe request
export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
/** Transport-layer feedback (FMT 1: generic NACK, 15: transport-wide CC). */
export const RTCP_RTPFB = 205;
/** Payload-specific feedback (FMT 1: PLI, 4: FIR, 15: application layer, e.g. REMB). */
export const RTCP_PSFB = 206;

/**
 * Cursor over a compound RTCP packet:
 * `for (w.reset(buf, len); w.next(); ) { w.type, w.fmt, w.offset, w.length }`.
 */
export class RtcpWalker {
  /** Packet type (200 SR ... 206 PSFB) of the current packet. */
  type = 0;
  /** The 5-bit count / feedback message type field of the current packet. */
  fmt = 0;
  /** Where the current packet starts in the buffer, and its length in bytes (header included). */
  offset = 0;
  length = 0;
  private buf: Buffer = Buffer.alloc(0);
  private end = 0;
  private next_ = 0;

  /** Start walking `buf[0..length)`. */
  reset(buf: Buffer, length = buf.length): this {
    this.buf = buf;
    this.end = Math.min(length, buf.length);
    this.next_ = 0;
    this.type = this.fmt = this.offset = this.length = 0;
    return this;
  }

  /** Move to the next packet; false at the end or at the first malformed packet. */
  next(): boolean {
    const b = this.buf;
    const off = this.next_;
    if (off + 4 > this.end || b[off] >> 6 !== 2) return false;
    const len = (b.readUInt16BE(off + 2) + 1) * 4;
    if (off + len > this.end) return false;
    this.type = b[off + 1];
    this.fmt = b[off] & 0x1f;
    this.offset = off;
    this.length = len;
    this.next_ = off + len;
    return true;
  }

  /** The current packet is a keyframe request (PLI, FIR, or the legacy RFC 2032 FIR). */
  get isKeyframeRequest(): boolean {
    return (this.type === RTCP_PSFB && (this.fmt === 1 || this.fmt === 4)) || this.type === RTCP_FIR_LEGACY;
  }

  /** The REMB bitrate (bps) if the current packet is a REMB, else -1. */
  get remb(): number {
    const b = this.buf;
    const o = this.offset;
    if (this.type !== RTCP_PSFB || this.fmt !== 15 || this.length < 20) return -1;
    if (b[o + 12] !== 0x52 || b[o + 13] !== 0x45 || b[o + 14] !== 0x4d || b[o + 15] !== 0x42) return -1; // "REMB"
    const exp = b[o + 17] >> 2;
    const mantissa = ((b[o + 17] & 0x03) << 16) | b.readUInt16BE(o + 18);
    return mantissa * 2 ** exp;
  }
}

/** What a compound RTCP packet asks for. */
export interface RtcpSummary {
  pli: boolean;
  fir: boolean;
  /** REMB bitrate (bps), or -1 when none. */
  remb: number;
  nack: boolean;
}

const summaryWalker = new RtcpWalker();

/**
 * Janus's `janus_rtcp_has_pli/has_fir/get_remb` in one walk. Pass a reused `out` on the hot path.
 * (The legacy RFC 2032 FIR counts as `fir`.)
 */
export function summarizeRtcp(buf: Buffer, length = buf.length, out: RtcpSummary = { pli: false, fir: false, remb: -1, nack: false }): RtcpSummary {
  out.pli = false;
  out.fir = false;
  out.remb = -1;
  out.nack = false;
  const w = summaryWalker.reset(buf, length);
  while (w.next()) {
    if (w.type === RTCP_PSFB) {
      if (w.fmt === 1) out.pli = true;
      else if (w.fmt === 4) out.fir = true;
      else if (w.fmt === 15) {
        const r = w.remb;
        if (r >= 0) out.remb = r;
      }
    } else if (w.type === RTCP_FIR_LEGACY) out.fir = true;
    else if (w.type === RTCP_RTPFB && w.fmt === 1) out.nack = true;
  }
  return out;
}

/** Whether an RTCP packet type is feedback (RTPFB: NACK, TWCC; PSFB: PLI, FIR, REMB; legacy FIR). */
export function isRtcpFeedbackType(type: number): boolean {
  return type === RTCP_RTPFB || type === RTCP_PSFB || type === RTCP_FIR_LEGACY;
}

/** True when the compound holds feedback (`isRtcpFeedbackType`). */
export function rtcpHasFeedback(buf: Buffer, length = buf.length): boolean {
  const w = summaryWalker.reset(buf, length);
  while (w.next()) if (isRtcpFeedbackType(w.type)) return true;
  return false;
}

/** True when the compound holds a keyframe request (PLI, FIR or legacy FIR). */
export function rtcpHasKeyframeRequest(buf: Buffer, length = buf.length): boolean {
  const w = summaryWalker.reset(buf, length);
  while (w.next()) if (w.isKeyframeRequest) return true;
  return false;
}
