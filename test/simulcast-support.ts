/**
 * Synthetic simulcast/SVC video for the simulcast tests: RTP packets with real VP8/VP9 payload
 * descriptors (picture IDs, TL0PICIDX, temporal/spatial layer ids, keyframe flags).
 */

export interface Vp8PacketSpec {
  ssrc: number;
  seq: number;
  ts: number;
  pictureId: number;
  tl0: number;
  tid: number;
  layerSync?: boolean;
  keyframe: boolean;
  /** First packet of the frame (S bit). */
  start: boolean;
  marker: boolean;
  pt?: number;
  /** Bytes after the descriptor (the first one is the VP8 payload header at frame start). */
  payloadSize?: number;
  /** Tag written into the payload after the VP8 header byte (to recognise packets). */
  tag?: number;
}

export function rtpHeader(buf: Buffer, pt: number, seq: number, ts: number, ssrc: number, marker: boolean): void {
  buf[0] = 0x80;
  buf[1] = (marker ? 0x80 : 0) | (pt & 0x7f);
  buf.writeUInt16BE(seq & 0xffff, 2);
  buf.writeUInt32BE(ts >>> 0, 4);
  buf.writeUInt32BE(ssrc >>> 0, 8);
}

/** One RTP packet with a full VP8 descriptor (X; I with a 15-bit picture ID; L; T): 6 bytes. */
export function vp8Packet(p: Vp8PacketSpec): Buffer {
  const size = Math.max(5, p.payloadSize ?? 20);
  const buf = Buffer.alloc(12 + 6 + size, 0x5a);
  rtpHeader(buf, p.pt ?? 96, p.seq, p.ts, p.ssrc, p.marker);
  buf[12] = 0x80 | (p.start ? 0x10 : 0);
  buf[13] = 0x80 | 0x40 | 0x20;
  buf[14] = 0x80 | ((p.pictureId >> 8) & 0x7f);
  buf[15] = p.pictureId & 0xff;
  buf[16] = p.tl0 & 0xff;
  buf[17] = ((p.tid & 3) << 6) | (p.layerSync ? 0x20 : 0);
  // VP8 payload header: P bit clear on a keyframe (only read at a frame start)
  buf[18] = p.start ? (p.keyframe ? 0x00 : 0x01) : 0x77;
  if (p.tag !== undefined) buf.writeUInt32BE(p.tag >>> 0, 19);
  return buf;
}

/** Temporal pattern of a 3-layer VP8 encoder: T0 T2 T1 T2 ... */
export const TEMPORAL_PATTERN = [0, 2, 1, 2];

/**
 * One simulcast encoding (substream) of a synthetic VP8 sender: its own SSRC, sequence numbers,
 * picture IDs and TL0PICIDX, frames of `packetsPerFrame` packets.
 */
export class Vp8Encoding {
  seq: number;
  ts = 1000;
  pictureId: number;
  tl0: number;
  frame = 0;
  /** Set to make the next frame a keyframe. */
  keyframeNext = true;
  /** Payload bytes per packet (after the descriptor). */
  payloadSize = 20;
  constructor(
    readonly ssrc: number,
    readonly substream: number,
    readonly packetsPerFrame = 2,
    start = 0,
    readonly pt = 96,
  ) {
    this.seq = (1000 * (substream + 1) + start) & 0xffff;
    this.pictureId = (100 * (substream + 1) + start) & 0x7fff;
    this.tl0 = (50 * (substream + 1)) & 0xff;
  }

  /** Packets of the next frame. */
  nextFrame(tag = 0): { packets: Buffer[]; keyframe: boolean; tid: number; pictureId: number } {
    const keyframe = this.keyframeNext;
    this.keyframeNext = false;
    const tid = keyframe ? 0 : TEMPORAL_PATTERN[this.frame % TEMPORAL_PATTERN.length];
    if (keyframe) this.frame = 0;
    if (tid === 0 && this.frame > 0) this.tl0 = (this.tl0 + 1) & 0xff;
    this.frame++;
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    this.ts = (this.ts + 3000) >>> 0;
    const packets: Buffer[] = [];
    for (let i = 0; i < this.packetsPerFrame; i++) {
      packets.push(
        vp8Packet({
          ssrc: this.ssrc, seq: this.seq, ts: this.ts, pictureId: this.pictureId, tl0: this.tl0, tid, layerSync: tid > 0 && this.frame <= 4,
          keyframe, start: i === 0, marker: i === this.packetsPerFrame - 1, pt: this.pt, tag: (this.substream << 24) | (tag & 0xffffff),
          payloadSize: this.payloadSize,
        }),
      );
      this.seq = (this.seq + 1) & 0xffff;
    }
    return { packets, keyframe, tid, pictureId: this.pictureId };
  }
}

export interface Vp9PacketSpec {
  ssrc: number;
  seq: number;
  ts: number;
  pictureId: number;
  sid: number;
  tid: number;
  switchingUp: boolean;
  interPicture: boolean;
  start: boolean;
  end: boolean;
  marker: boolean;
  tl0: number;
  /** Scalability structure: number of spatial layers (0 = none). */
  ss?: number;
}

/** One RTP packet with a VP9 descriptor in non-flexible mode (I, L, B/E, optional V). */
export function vp9Packet(p: Vp9PacketSpec): Buffer {
  const bytes: number[] = [];
  bytes.push(0x80 | (p.interPicture ? 0x40 : 0) | 0x20 | (p.start ? 0x08 : 0) | (p.end ? 0x04 : 0) | (p.ss ? 0x02 : 0));
  bytes.push(0x80 | ((p.pictureId >> 8) & 0x7f), p.pictureId & 0xff);
  bytes.push(((p.tid & 7) << 5) | (p.switchingUp ? 0x10 : 0) | ((p.sid & 7) << 1) | (p.sid > 0 ? 1 : 0));
  bytes.push(p.tl0 & 0xff);
  if (p.ss) {
    bytes.push((((p.ss - 1) & 7) << 5) | 0x10); // N_S, Y (resolutions follow), no G
    for (let i = 0; i < p.ss; i++) bytes.push(0, 160 << i >> 8, 0, 120);
  }
  const buf = Buffer.alloc(12 + bytes.length + 16, 0x33);
  rtpHeader(buf, 98, p.seq, p.ts, p.ssrc, p.marker);
  Buffer.from(bytes).copy(buf, 12);
  return buf;
}

/** A synthetic VP9 SVC sender: 3 spatial layers per picture, temporal pattern T0 T2 T1 T2. */
export class Vp9SvcSender {
  seq = 5000;
  ts = 0;
  pictureId = 300;
  tl0 = 10;
  frame = 0;
  keyframeNext = true;
  constructor(
    readonly ssrc = 0x9999,
    readonly spatialLayers = 3,
  ) {}

  /** One picture (superframe): for each spatial layer, 2 packets; marker on the very last. */
  nextPicture(): { packets: Buffer[]; keyframe: boolean; tid: number } {
    const keyframe = this.keyframeNext;
    this.keyframeNext = false;
    if (keyframe) this.frame = 0;
    const tid = keyframe ? 0 : TEMPORAL_PATTERN[this.frame % 4];
    if (tid === 0 && this.frame > 0) this.tl0 = (this.tl0 + 1) & 0xff;
    this.frame++;
    this.pictureId = (this.pictureId + 1) & 0x7fff;
    this.ts += 3000;
    const packets: Buffer[] = [];
    for (let sid = 0; sid < this.spatialLayers; sid++) {
      for (let i = 0; i < 2; i++) {
        packets.push(
          vp9Packet({
            ssrc: this.ssrc, seq: this.seq++ & 0xffff, ts: this.ts, pictureId: this.pictureId, sid, tid, switchingUp: tid > 0,
            interPicture: !keyframe, start: i === 0, end: i === 1, marker: sid === this.spatialLayers - 1 && i === 1, tl0: this.tl0,
            ss: keyframe && sid === 0 && i === 0 ? this.spatialLayers : 0,
          }),
        );
      }
    }
    return { packets, keyframe, tid };
  }
}
