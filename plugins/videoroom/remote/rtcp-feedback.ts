/**
 * RTCP keyframe requests arriving on plain UDP (from an `rtp_forward` target or a remote
 * publisher's receiver), and the PLI we send to a remote publisher's source. Bounds-checked:
 * whatever arrives on these ports is untrusted.
 */
import { RTCP_PSFB, RtcpWalker } from '../../../core/plugin-api';

const FMT_PLI = 1;
const FMT_FIR = 4;
const walker = new RtcpWalker();

/** Janus's `janus_is_rtcp`: version 2 and a packet type in 200-207 (RTP payload types 64-95 excluded elsewhere). */
export function isRtcp(b: Buffer, len: number): boolean {
  return len >= 8 && (b[0] & 0xc0) === 0x80 && b[1] >= 192 && b[1] <= 223;
}

/**
 * Call `onRequest(mediaSsrc)` for each PLI, and each FIR entry, in an RTCP compound packet
 * (the plugin API's walker: stops at the first malformed sub-packet).
 */
export function forEachKeyframeRequest(b: Buffer, len: number, onRequest: (mediaSsrc: number) => void): void {
  if (!isRtcp(b, len)) return;
  for (walker.reset(b, len); walker.next(); ) {
    if (walker.type !== RTCP_PSFB || walker.length < 12) continue;
    const off = walker.offset;
    if (walker.fmt === FMT_PLI) onRequest(b.readUInt32BE(off + 8));
    // FIR: the media SSRC field is unused, the FCI entries (8 bytes each) name the SSRCs
    else if (walker.fmt === FMT_FIR) for (let p = off + 12; p + 8 <= off + walker.length; p += 8) onRequest(b.readUInt32BE(p));
  }
}

/** A 12-byte PLI from sender SSRC 1 to `mediaSsrc`, written into `out` (as Janus's remote PLIs). */
export function writePli(out: Buffer, mediaSsrc: number): number {
  out[0] = 0x80 | FMT_PLI;
  out[1] = RTCP_PSFB;
  out.writeUInt16BE(2, 2);
  out.writeUInt32BE(1, 4);
  out.writeUInt32BE(mediaSsrc >>> 0, 8);
  return 12;
}
