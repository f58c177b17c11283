/**
 * AES-128 (encryption only, which is all counter mode needs) and HMAC-SHA1 over preallocated
 * state, for SRTP on the per-packet path: node:crypto's update()/digest() return a fresh Buffer
 * per call, these write into the caller's buffers and allocate nothing after construction.
 * Checked against node:crypto and the RFC 3711 vectors in test/srtp.spec.ts.
 */

// --- AES-128 -------------------------------------------------------------------------------

const SBOX = new Uint8Array(256);
const T0 = new Int32Array(256);
const T1 = new Int32Array(256);
const T2 = new Int32Array(256);
const T3 = new Int32Array(256);

(function buildTables(): void {
  // log/antilog tables over GF(2^8) with generator 3, then the affine transform
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= (x << 1) ^ (x & 0x80 ? 0x11b : 0);
    x &= 0xff;
  }
  for (let i = 0; i < 256; i++) {
    const inv = i === 0 ? 0 : exp[(255 - log[i]) % 255];
    let s = inv;
    let r = inv;
    for (let k = 0; k < 4; k++) {
      r = ((r << 1) | (r >>> 7)) & 0xff;
      s ^= r;
    }
    SBOX[i] = s ^ 0x63;
  }
  for (let i = 0; i < 256; i++) {
    const s = SBOX[i];
    const s2 = ((s << 1) ^ (s & 0x80 ? 0x11b : 0)) & 0xff;
    const s3 = s2 ^ s;
    const t = (s2 << 24) | (s << 16) | (s << 8) | s3;
    T0[i] = t;
    T1[i] = (t >>> 8) | (t << 24);
    T2[i] = (t >>> 16) | (t << 16);
    T3[i] = (t >>> 24) | (t << 8);
  }
})();

/** One AES-128 key schedule; `encrypt` leaves the 16-byte result in `out` (4 big-endian words). */
export class Aes128 {
  private readonly rk = new Int32Array(44);
  readonly out = new Int32Array(4);

  constructor(key: Uint8Array) {
    if (key.length !== 16) throw new Error('AES-128 needs a 16-byte key');
    const rk = this.rk;
    for (let i = 0; i < 4; i++) rk[i] = (key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3];
    let rcon = 1;
    for (let i = 4; i < 44; i++) {
      let t = rk[i - 1];
      if (i % 4 === 0) {
        t = (SBOX[(t >>> 16) & 0xff] << 24) | (SBOX[(t >>> 8) & 0xff] << 16) | (SBOX[t & 0xff] << 8) | SBOX[t >>> 24];
        t ^= rcon << 24;
        rcon = ((rcon << 1) ^ (rcon & 0x80 ? 0x11b : 0)) & 0xff;
      }
      rk[i] = rk[i - 4] ^ t;
    }
  }

  encrypt(w0: number, w1: number, w2: number, w3: number): void {
    const rk = this.rk;
    let s0 = w0 ^ rk[0];
    let s1 = w1 ^ rk[1];
    let s2 = w2 ^ rk[2];
    let s3 = w3 ^ rk[3];
    let k = 4;
    for (let r = 1; r < 10; r++) {
      const t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 0xff] ^ T2[(s2 >>> 8) & 0xff] ^ T3[s3 & 0xff] ^ rk[k];
      const t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 0xff] ^ T2[(s3 >>> 8) & 0xff] ^ T3[s0 & 0xff] ^ rk[k + 1];
      const t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 0xff] ^ T2[(s0 >>> 8) & 0xff] ^ T3[s1 & 0xff] ^ rk[k + 2];
      const t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 0xff] ^ T2[(s1 >>> 8) & 0xff] ^ T3[s2 & 0xff] ^ rk[k + 3];
      s0 = t0; s1 = t1; s2 = t2; s3 = t3;
      k += 4;
    }
    const o = this.out;
    o[0] = ((SBOX[s0 >>> 24] << 24) | (SBOX[(s1 >>> 16) & 0xff] << 16) | (SBOX[(s2 >>> 8) & 0xff] << 8) | SBOX[s3 & 0xff]) ^ rk[40];
    o[1] = ((SBOX[s1 >>> 24] << 24) | (SBOX[(s2 >>> 16) & 0xff] << 16) | (SBOX[(s3 >>> 8) & 0xff] << 8) | SBOX[s0 & 0xff]) ^ rk[41];
    o[2] = ((SBOX[s2 >>> 24] << 24) | (SBOX[(s3 >>> 16) & 0xff] << 16) | (SBOX[(s0 >>> 8) & 0xff] << 8) | SBOX[s1 & 0xff]) ^ rk[42];
    o[3] = ((SBOX[s3 >>> 24] << 24) | (SBOX[(s0 >>> 16) & 0xff] << 16) | (SBOX[(s1 >>> 8) & 0xff] << 8) | SBOX[s2 & 0xff]) ^ rk[43];
  }

  /**
   * AES counter mode in place over buf[off, end): the counter block is (c0, c1, c2, c3) with the
   * block number added to its low 16 bits (SRTP's IV has those bits zero).
   */
  ctrXor(buf: Uint8Array, off: number, end: number, c0: number, c1: number, c2: number, c3: number): void {
    const o = this.out;
    let block = 0;
    while (off < end) {
      this.encrypt(c0, c1, c2, (c3 + block) | 0);
      block++;
      if (end - off >= 16) {
        // a whole block, unrolled (a Uint8Array store keeps the low 8 bits)
        const w0 = o[0], w1 = o[1], w2 = o[2], w3 = o[3];
        buf[off] ^= w0 >>> 24; buf[off + 1] ^= w0 >>> 16; buf[off + 2] ^= w0 >>> 8; buf[off + 3] ^= w0;
        buf[off + 4] ^= w1 >>> 24; buf[off + 5] ^= w1 >>> 16; buf[off + 6] ^= w1 >>> 8; buf[off + 7] ^= w1;
        buf[off + 8] ^= w2 >>> 24; buf[off + 9] ^= w2 >>> 16; buf[off + 10] ^= w2 >>> 8; buf[off + 11] ^= w2;
        buf[off + 12] ^= w3 >>> 24; buf[off + 13] ^= w3 >>> 16; buf[off + 14] ^= w3 >>> 8; buf[off + 15] ^= w3;
        off += 16;
        continue;
      }
      const n = end - off;
      for (let i = 0; i < n; i++) buf[off + i] ^= (o[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff;
      off += n;
    }
  }
}

// --- HMAC-SHA1 ------------------------------------------------------------------------------

const W = new Int32Array(80);

function rotl(x: number, n: number): number {
  return (x << n) | (x >>> (32 - n));
}

/** SHA-1 compression of one 64-byte block at src[off] into the 5-word state h. */
function compress(h: Int32Array, src: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const p = off + 4 * i;
    W[i] = (src[p] << 24) | (src[p + 1] << 16) | (src[p + 2] << 8) | src[p + 3];
  }
  for (let i = 16; i < 80; i++) W[i] = rotl(W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16], 1);
  let a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (let i = 0; i < 80; i++) {
    let f: number;
    let k: number;
    if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
    else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
    else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
    else { f = b ^ c ^ d; k = 0xca62c1d6; }
    const t = (rotl(a, 5) + f + e + k + W[i]) | 0;
    e = d; d = c; c = rotl(b, 30); b = a; a = t;
  }
  h[0] = (h[0] + a) | 0; h[1] = (h[1] + b) | 0; h[2] = (h[2] + c) | 0; h[3] = (h[3] + d) | 0; h[4] = (h[4] + e) | 0;
}

/**
 * HMAC-SHA1 with the key's inner and outer pad blocks hashed once up front; each message then
 * costs its own blocks plus one for the outer hash. Usage: begin(), update()..., finish(out, n).
 */
export class HmacSha1 {
  private readonly inner0 = new Int32Array(5);
  private readonly outer0 = new Int32Array(5);
  private readonly h = new Int32Array(5);
  private readonly block = new Uint8Array(64);
  private fill = 0;
  private total = 0;

  constructor(key: Uint8Array) {
    if (key.length > 64) throw new Error('HMAC key longer than a block');
    const pad = new Uint8Array(64);
    const init = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
    for (let i = 0; i < 64; i++) pad[i] = (i < key.length ? key[i] : 0) ^ 0x36;
    this.inner0.set(init);
    compress(this.inner0, pad, 0);
    for (let i = 0; i < 64; i++) pad[i] = (i < key.length ? key[i] : 0) ^ 0x5c;
    this.outer0.set(init);
    compress(this.outer0, pad, 0);
  }

  begin(): void {
    this.h.set(this.inner0);
    this.fill = 0;
    this.total = 64;
  }

  update(src: Uint8Array, off: number, len: number): void {
    this.total += len;
    const blk = this.block;
    while (len > 0) {
      if (this.fill === 0 && len >= 64) {
        compress(this.h, src, off);
        off += 64;
        len -= 64;
        continue;
      }
      const n = Math.min(64 - this.fill, len);
      for (let i = 0; i < n; i++) blk[this.fill + i] = src[off + i];
      this.fill += n;
      off += n;
      len -= n;
      if (this.fill === 64) {
        compress(this.h, blk, 0);
        this.fill = 0;
      }
    }
  }

  /** Append a 32-bit big-endian word to the message (SRTP's ROC). */
  updateU32(v: number): void {
    const blk = this.block;
    for (let i = 0; i < 4; i++) {
      blk[this.fill++] = (v >>> (24 - 8 * i)) & 0xff;
      if (this.fill === 64) {
        compress(this.h, blk, 0);
        this.fill = 0;
      }
    }
    this.total += 4;
  }

  /** Write the first n (≤ 20) bytes of the MAC at out[off]. */
  finish(out: Uint8Array, off: number, n: number): void {
    this.pad(this.h, this.total);
    // outer hash: opad state + the 20-byte inner digest
    const blk = this.block;
    const h = this.h;
    for (let i = 0; i < 5; i++) {
      blk[4 * i] = h[i] >>> 24; blk[4 * i + 1] = (h[i] >>> 16) & 0xff; blk[4 * i + 2] = (h[i] >>> 8) & 0xff; blk[4 * i + 3] = h[i] & 0xff;
    }
    h.set(this.outer0);
    this.fill = 20;
    this.pad(h, 84);
    for (let i = 0; i < n; i++) out[off + i] = (h[i >> 2] >>> (24 - 8 * (i & 3))) & 0xff;
  }

  /** SHA-1 padding of the pending block for a message of `total` bytes, then the last compressions. */
  private pad(h: Int32Array, total: number): void {
    const blk = this.block;
    blk[this.fill++] = 0x80;
    if (this.fill > 56) {
      blk.fill(0, this.fill, 64);
      compress(h, blk, 0);
      this.fill = 0;
    }
    blk.fill(0, this.fill, 56);
    const bits = total * 8;
    const hi = Math.floor(bits / 0x100000000);
    blk[56] = hi >>> 24; blk[57] = (hi >>> 16) & 0xff; blk[58] = (hi >>> 8) & 0xff; blk[59] = hi & 0xff;
    blk[60] = bits >>> 24; blk[61] = (bits >>> 16) & 0xff; blk[62] = (bits >>> 8) & 0xff; blk[63] = bits & 0xff;
    compress(h, blk, 0);
    this.fill = 0;
  }
}
