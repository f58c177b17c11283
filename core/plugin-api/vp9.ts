/**
 * VP9 RTP payload descriptor (RFC 9628 §4.2): the fields an SFU needs to pick spatial and
 * temporal layers of an SVC stream. Parses into a reusable object, never allocates, never throws.
 */

export class Vp9Descriptor {
  valid = false;
  /** I/P/L/F/B/E/V bits. */
  hasPictureId = false;
  interPicture = false;
  hasLayerIndices = false;
  flexible = false;
  /** B: first packet of a layer frame; E: last packet of a layer frame. */
  startOfFrame = false;
  endOfFrame = false;
  hasScalability = false;
  pictureId = -1;
  /** Layer indices (only meaningful when `hasLayerIndices`). */
  tid = 0;
  sid = 0;
  /** U: switching-up point; D: inter-layer dependency. */
  switchingUp = false;
  interLayerDependency = false;
  tl0PicIdx = -1;
  /** Spatial layers announced by a scalability structure (0 when none in this packet). */
  spatialLayers = 0;
  /** Start of a keyframe: not inter-picture predicted, first packet of the base layer frame. */
  keyframe = false;
  payloadPos = -1;

  reset(): void {
    this.valid = false;
    this.hasPictureId = false;
    this.interPicture = false;
    this.hasLayerIndices = false;
    this.flexible = false;
    this.startOfFrame = false;
    this.endOfFrame = false;
    this.hasScalability = false;
    this.pictureId = -1;
    this.tid = 0;
    this.sid = 0;
    this.switchingUp = false;
    this.interLayerDependency = false;
    this.tl0PicIdx = -1;
    this.spatialLayers = 0;
    this.keyframe = false;
    this.payloadPos = -1;
  }
}

/** Parse the descriptor at `off` (RTP payload offset) up to `end`; returns `d.valid`. */
export function parseVp9(buf: Buffer, off: number, end: number, d: Vp9Descriptor): boolean {
  d.reset();
  if (off < 0 || off >= end || end > buf.length) return false;
  let p = off;
  const b0 = buf[p++];
  d.hasPictureId = (b0 & 0x80) !== 0;
  d.interPicture = (b0 & 0x40) !== 0;
  d.hasLayerIndices = (b0 & 0x20) !== 0;
  d.flexible = (b0 & 0x10) !== 0;
  d.startOfFrame = (b0 & 0x08) !== 0;
  d.endOfFrame = (b0 & 0x04) !== 0;
  d.hasScalability = (b0 & 0x02) !== 0;
  if (d.hasPictureId) {
    if (p >= end) return false;
    if (buf[p] & 0x80) {
      if (p + 2 > end) return false;
      d.pictureId = ((buf[p] & 0x7f) << 8) | buf[p + 1];
      p += 2;
    } else d.pictureId = buf[p++] & 0x7f;
  }
  if (d.hasLayerIndices) {
    if (p >= end) return false;
    const l = buf[p++];
    d.tid = l >> 5;
    d.switchingUp = (l & 0x10) !== 0;
    d.sid = (l >> 1) & 0x07;
    d.interLayerDependency = (l & 0x01) !== 0;
    if (!d.flexible) {
      if (p >= end) return false;
      d.tl0PicIdx = buf[p++];
    }
  }
  if (d.flexible && d.interPicture) {
    // up to 3 reference indices, N bit chains them
    for (let i = 0; i < 3; i++) {
      if (p >= end) return false;
      const r = buf[p++];
      if ((r & 0x01) === 0) break;
      if (i === 2) return false;
    }
  }
  if (d.hasScalability) {
    if (p >= end) return false;
    const ss = buf[p++];
    const ns = (ss >> 5) + 1;
    d.spatialLayers = ns;
    if (ss & 0x10) p += 4 * ns; // Y: width and height per spatial layer
    if (ss & 0x08) {
      if (p >= end) return false;
      const ng = buf[p++];
      for (let i = 0; i < ng; i++) {
        if (p >= end) return false;
        const r = (buf[p++] >> 2) & 0x03;
        p += r;
      }
    }
    if (p > end) return false;
  }
  d.payloadPos = p;
  d.keyframe = !d.interPicture && d.startOfFrame && (!d.hasLayerIndices || d.sid === 0);
  d.valid = true;
  return true;
}
