import { EXT } from '../codecs';
import type { OutPacket } from './out-packet';

/** Our extension kinds, in the order of their negotiated ids. */
const enum Ext { Mid, AbsSendTime, Twcc, AudioLevel, VideoOrientation, PlayoutDelay }

/** Bytes our extension block can take at most: 4-byte header + mid (1+16) + 3+4+2+2+4, padded. */
export const MAX_EXTENSION_BYTES = 4 + 17 + 4 + 3 + 2 + 2 + 4 + 4;

/**
 * Outbound stage 1: the RTP header the subscriber gets. As Janus: our SSRC and payload type, the
 * plugin's sequence number and timestamp unchanged (the plugin rewrote them, once, per
 * subscriber stream), the source's marker, padding bit and CSRCs, and header extensions that are
 * the core's own (ids differ between PeerConnections): mid, abs-send-time, transport-cc, plus
 * audio level, video orientation and playout delay when the plugin set them in `extensions`.
 * Writes into the packet's owned buffer; allocates nothing per packet.
 */
export class HeaderWriter {
  private extIds: number[] = [];
  private extKinds: Ext[] = [];
  private extSource?: unknown;
  private midBytes = Buffer.alloc(0);
  private midSource?: string;

  /**
   * (Re)read the negotiated extension ids when werift's list or the mid changed; false when this
   * writer cannot express them (two-byte ids, a mid over 16 bytes): werift's path sends then.
   */
  prepare(list: ReadonlyArray<{ id: number; uri: string }>, mid: string | undefined): boolean {
    if (this.extSource === list && this.midSource === mid) return true;
    const pairs: Array<[number, Ext]> = [];
    for (const h of list) {
      let k: Ext | undefined;
      if (h.uri === EXT.mid) k = Ext.Mid;
      else if (h.uri === EXT.absSendTime) k = Ext.AbsSendTime;
      else if (h.uri === EXT.twcc) k = Ext.Twcc;
      else if (h.uri === EXT.audioLevel) k = Ext.AudioLevel;
      else if (h.uri === EXT.videoOrientation) k = Ext.VideoOrientation;
      else if (h.uri === EXT.playoutDelay) k = Ext.PlayoutDelay;
      if (k === undefined) continue;
      // one-byte header form only (RFC 8285): ids 1-14
      if (h.id < 1 || h.id > 14) return false;
      pairs.push([h.id, k]);
    }
    if ((mid ?? '').length > 16) return false;
    pairs.sort((a, b) => a[0] - b[0]);
    this.midBytes = Buffer.from(mid ?? '');
    this.midSource = mid;
    this.extIds = pairs.map((x) => x[0]);
    this.extKinds = pairs.map((x) => x[1]);
    this.extSource = list;
    return true;
  }

  /** Frame the plugin's packet (bounds-checked); false drops it. */
  parse(p: OutPacket): boolean {
    const buf = p.src;
    const length = p.srcLength;
    if (length < 12 || length > buf.length || buf[0] >> 6 !== 2) return false;
    const cc = buf[0] & 0x0f;
    let off = 12 + cc * 4;
    if (buf[0] & 0x10) {
      if (off + 4 > length) return false;
      off += 4 + buf.readUInt16BE(off + 2) * 4;
    }
    if (off > length) return false;
    p.csrcCount = cc;
    p.srcPayloadOffset = off;
    p.seq = buf.readUInt16BE(2);
    p.ts = buf.readUInt32BE(4);
    return true;
  }

  /** Bytes the outgoing packet needs at most. */
  maxLength(p: OutPacket): number {
    return 12 + p.csrcCount * 4 + MAX_EXTENSION_BYTES + p.payloadLength;
  }

  /**
   * Write header and payload into `p.out` (the only copy of the payload on this path).
   * `nextTwcc` hands out the transport-wide sequence number (shared by the PeerConnection's streams).
   */
  write(p: OutPacket, ssrc: number, payloadType: number, nextTwcc: () => number): void {
    const buf = p.src;
    const out = p.out;
    const e = p.ext;
    const cc = p.csrcCount;
    out[1] = (buf[1] & 0x80) | (payloadType & 0x7f);
    out.writeUInt16BE(p.seq, 2);
    out.writeUInt32BE(p.ts, 4);
    out.writeUInt32BE(ssrc >>> 0, 8);
    if (cc > 0) buf.copy(out, 12, 12, 12 + cc * 4);
    let o = 12 + cc * 4;
    const extStart = o;
    o += 4;
    for (let i = 0; i < this.extIds.length; i++) {
      const id = this.extIds[i];
      switch (this.extKinds[i]) {
        case Ext.Mid:
          if (this.midBytes.length === 0) break;
          out[o++] = (id << 4) | (this.midBytes.length - 1);
          o += this.midBytes.copy(out, o);
          break;
        case Ext.AbsSendTime: {
          // 6.18 fixed-point seconds, 24 bits: wraps every 64 s, so the epoch does not matter
          const v = Math.floor((p.nowMs / 1000) * 262144) % 16777216;
          out[o++] = (id << 4) | 2;
          out[o++] = (v >>> 16) & 0xff;
          out[o++] = (v >>> 8) & 0xff;
          out[o++] = v & 0xff;
          break;
        }
        case Ext.Twcc: {
          const t = nextTwcc();
          out[o++] = (id << 4) | 1;
          out[o++] = t >>> 8;
          out[o++] = t & 0xff;
          break;
        }
        case Ext.AudioLevel:
          if (e.audioLevel < 0) break;
          out[o++] = id << 4;
          out[o++] = (e.audioLevelVad ? 0x80 : 0) | (e.audioLevel & 0x7f);
          break;
        case Ext.VideoOrientation:
          if (e.videoRotation < 0) break;
          out[o++] = id << 4;
          out[o++] = (e.videoBackCamera ? 0x08 : 0) | (e.videoFlipped ? 0x04 : 0) | (Math.round(e.videoRotation / 90) & 0x03);
          break;
        case Ext.PlayoutDelay: {
          if (e.minDelay < 0 && e.maxDelay < 0) break;
          const min = Math.max(0, Math.min(4095, e.minDelay));
          const max = Math.max(0, Math.min(4095, e.maxDelay < 0 ? min : e.maxDelay));
          out[o++] = (id << 4) | 2;
          out[o++] = (min >> 4) & 0xff;
          out[o++] = ((min & 0x0f) << 4) | ((max >> 8) & 0x0f);
          out[o++] = max & 0xff;
          break;
        }
      }
    }
    const hasExt = o > extStart + 4;
    if (hasExt) {
      while ((o - extStart) % 4 !== 0) out[o++] = 0;
      out[extStart] = 0xbe;
      out[extStart + 1] = 0xde;
      out.writeUInt16BE((o - extStart - 4) / 4, extStart + 2);
    } else {
      o = extStart;
    }
    // version 2, the source's padding bit (its padding is in the payload we copy), CSRC count
    out[0] = 0x80 | (buf[0] & 0x20) | (hasExt ? 0x10 : 0) | cc;
    p.headerLength = o;
    buf.copy(out, o, p.srcPayloadOffset, p.srcLength);
    p.length = o + p.payloadLength;
  }
}
