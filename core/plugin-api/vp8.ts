/**
 * VP8 RTP payload descriptor (RFC 7741 §4.2): parse into a reusable object, and keep picture IDs
 * and TL0PICIDX continuous when an SFU switches between simulcast sources. Both work in place on
 * the packet buffer and never allocate, so they can run per packet.
 */

/** One parsed VP8 payload descriptor. Reuse one instance per stream: `parseVp8` overwrites it. */
export class Vp8Descriptor {
  /** False when the descriptor was truncated or inconsistent (then nothing else is meaningful). */
  valid = false;
  /** S bit with partition index 0: first packet of a frame. */
  frameStart = false;
  partitionId = 0;
  /** Picture ID, and where it sits (-1 when absent); 15-bit when `pictureIdLong`. */
  pictureId = -1;
  pictureIdPos = -1;
  pictureIdLong = false;
  /** TL0PICIDX and its offset (-1 when absent). */
  tl0PicIdx = -1;
  tl0PicIdxPos = -1;
  /** Temporal layer id (0 when the descriptor has no T bit) and layer-sync (Y) bit. */
  tid = 0;
  hasTid = false;
  layerSync = false;
  keyIdx = -1;
  /** First packet of a keyframe (S=1, PID=0 and the VP8 payload header's P bit clear). */
  keyframe = false;
  /** Offset of the VP8 payload (after the descriptor) in the buffer. */
  payloadPos = -1;

  reset(): void {
    this.valid = false;
    this.frameStart = false;
    this.partitionId = 0;
    this.pictureId = -1;
    this.pictureIdPos = -1;
    this.pictureIdLong = false;
    this.tl0PicIdx = -1;
    this.tl0PicIdxPos = -1;
    this.tid = 0;
    this.hasTid = false;
    this.layerSync = false;
    this.keyIdx = -1;
    this.keyframe = false;
    this.payloadPos = -1;
  }
}

/**
 * Parse the VP8 payload descriptor that starts at `off` (the RTP payload offset) and ends before
 * `end`. Returns `d.valid`. A descriptor that does not fit in the packet is invalid, never a throw.
 */
export function parseVp8(buf: Buffer, off: number, end: number, d: Vp8Descriptor): boolean {
  d.reset();
  if (off < 0 || off >= end || end > buf.length) return false;
  let p = off;
  const b0 = buf[p++];
  const x = (b0 & 0x80) !== 0;
  d.partitionId = b0 & 0x07;
  d.frameStart = (b0 & 0x10) !== 0 && d.partitionId === 0;
  if (x) {
    if (p >= end) return false;
    const xb = buf[p++];
    if (xb & 0x80) {
      if (p >= end) return false;
      if (buf[p] & 0x80) {
        if (p + 2 > end) return false;
        d.pictureIdLong = true;
        d.pictureIdPos = p;
        d.pictureId = ((buf[p] & 0x7f) << 8) | buf[p + 1];
        p += 2;
      } else {
        d.pictureIdPos = p;
        d.pictureId = buf[p] & 0x7f;
        p += 1;
      }
    }
    if (xb & 0x40) {
      if (p >= end) return false;
      d.tl0PicIdxPos = p;
      d.tl0PicIdx = buf[p++];
    }
    if (xb & 0x30) {
      if (p >= end) return false;
      const t = buf[p++];
      if (xb & 0x20) {
        d.hasTid = true;
        d.tid = t >> 6;
        d.layerSync = (t & 0x20) !== 0;
      }
      if (xb & 0x10) d.keyIdx = t & 0x1f;
    }
  }
  if (p > end) return false;
  d.payloadPos = p;
  // the VP8 payload header (RFC 6386 §9.1) follows only at the start of partition 0
  d.keyframe = d.frameStart && p < end && (buf[p] & 0x01) === 0;
  d.valid = true;
  return true;
}

/** Write a picture ID in the width the descriptor already has (7 or 15 bits). */
export function writeVp8PictureId(buf: Buffer, d: Vp8Descriptor, pictureId: number): void {
  if (d.pictureIdPos < 0) return;
  if (d.pictureIdLong) {
    buf[d.pictureIdPos] = 0x80 | ((pictureId >> 8) & 0x7f);
    buf[d.pictureIdPos + 1] = pictureId & 0xff;
  } else {
    buf[d.pictureIdPos] = pictureId & 0x7f;
  }
}

export function writeVp8Tl0PicIdx(buf: Buffer, d: Vp8Descriptor, tl0: number): void {
  if (d.tl0PicIdxPos >= 0) buf[d.tl0PicIdxPos] = tl0 & 0xff;
}

/**
 * Keeps one subscriber's VP8 picture IDs and TL0PICIDX continuous while its source changes
 * (Janus's `janus_vp8_simulcast_context`): each simulcast encoding numbers its pictures on its
 * own, so after a switch the new source is shifted to follow the last picture sent. Temporal
 * layers dropped on purpose leave gaps in picture IDs, as they must (the receiver learns from them
 * that pictures are missing), while sequence numbers stay continuous (see RtpSwitchingContext).
 */
export class Vp8PictureRewriter {
  private picOffset = 0;
  private tl0Offset = 0;
  private lastPicOut = -1;
  private lastTl0Out = -1;
  private lastPicIn = -1;
  private lastTl0In = -1;
  /** Values of the last rewritten packet before rewriting (for `restore`). */
  private origPic = -1;
  private origTl0 = -1;

  reset(): void {
    this.picOffset = 0;
    this.tl0Offset = 0;
    this.lastPicOut = -1;
    this.lastTl0Out = -1;
    this.lastPicIn = -1;
    this.lastTl0In = -1;
  }

  /**
   * Rewrite the descriptor `d` (parsed from `buf`) in place. `switched` = first packet after the
   * source changed: the new source's numbering is shifted to continue the old one.
   */
  rewrite(buf: Buffer, d: Vp8Descriptor, switched: boolean): void {
    this.origPic = d.pictureId;
    this.origTl0 = d.tl0PicIdx;
    if (d.pictureId >= 0) {
      if (switched && this.lastPicOut >= 0) {
        // a switch happens at a new picture: it follows the last one sent
        this.picOffset = (this.lastPicOut + 1 - d.pictureId) & 0x7fff;
      }
      const mask = d.pictureIdLong ? 0x7fff : 0x7f;
      const out = (d.pictureId + this.picOffset) & mask;
      writeVp8PictureId(buf, d, out);
      this.lastPicOut = out;
      this.lastPicIn = d.pictureId;
    }
    if (d.tl0PicIdx >= 0) {
      if (switched && this.lastTl0Out >= 0) this.tl0Offset = (this.lastTl0Out + 1 - d.tl0PicIdx) & 0xff;
      const out = (d.tl0PicIdx + this.tl0Offset) & 0xff;
      writeVp8Tl0PicIdx(buf, d, out);
      this.lastTl0Out = out;
      this.lastTl0In = d.tl0PicIdx;
    }
  }

  /** Put back the picture ID and TL0PICIDX of the last rewritten packet (the buffer is shared). */
  restore(buf: Buffer, d: Vp8Descriptor): void {
    if (this.origPic >= 0) writeVp8PictureId(buf, d, this.origPic);
    if (this.origTl0 >= 0) writeVp8Tl0PicIdx(buf, d, this.origTl0);
  }

  /** Picture ID of the last packet sent (-1 before any). */
  get lastPictureId(): number {
    return this.lastPicOut;
  }
  get lastIncomingPictureId(): number {
    return this.lastPicIn;
  }
  get lastIncomingTl0(): number {
    return this.lastTl0In;
  }
}
