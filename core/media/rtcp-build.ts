/**
 * Small RTCP feedback messages written by hand (RFC 4585/5104, draft-alvestrand-rmcat-remb):
 * cheaper than werift's object model, and the core needs only these three.
 */

/** PLI (PSFB FMT 1). */
export function buildPli(senderSsrc: number, mediaSsrc: number): Buffer {
  const b = Buffer.alloc(12);
  b[0] = 0x81;
  b[1] = 206;
  b.writeUInt16BE(2, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(mediaSsrc >>> 0, 8);
  return b;
}

/** FIR (PSFB FMT 4) with one entry. */
export function buildFir(senderSsrc: number, mediaSsrc: number, seq: number): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x84;
  b[1] = 206;
  b.writeUInt16BE(4, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(0, 8);
  b.writeUInt32BE(mediaSsrc >>> 0, 12);
  b[16] = seq & 0xff;
  return b;
}

/** REMB (PSFB FMT 15, "REMB" unique id) for the given SSRCs. */
export function buildRemb(senderSsrc: number, bitrate: number, ssrcs: number[]): Buffer {
  const n = ssrcs.length;
  const b = Buffer.alloc(20 + 4 * n);
  b[0] = 0x8f;
  b[1] = 206;
  b.writeUInt16BE(4 + n, 2);
  b.writeUInt32BE(senderSsrc >>> 0, 4);
  b.writeUInt32BE(0, 8);
  b.write('REMB', 12, 'ascii');
  let exp = 0;
  let mantissa = Math.max(0, Math.floor(bitrate));
  while (mantissa >= 1 << 18) {
    mantissa = Math.floor(mantissa / 2);
    exp++;
  }
  b[16] = n;
  b[17] = (exp << 2) | ((mantissa >> 16) & 0x03);
  b.writeUInt16BE(mantissa & 0xffff, 18);
  for (let i = 0; i < n; i++) b.writeUInt32BE(ssrcs[i] >>> 0, 20 + 4 * i);
  return b;
}

