/**
 * G.711 µ-law and A-law (ITU-T G.711), table-driven both ways: 256-entry decode tables and
 * 64 Ki-entry encode tables built once, so a 20 ms frame is 160 lookups.
 */

function ulawDecodeByte(u: number): number {
  u = ~u & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84;
  return sign ? -magnitude : magnitude;
}

function alawDecodeByte(a: number): number {
  a ^= 0x55;
  const sign = a & 0x80;
  const exponent = (a >> 4) & 0x07;
  const mantissa = a & 0x0f;
  let magnitude = exponent === 0 ? (mantissa << 4) + 8 : ((mantissa << 4) + 0x108) << (exponent - 1);
  magnitude = magnitude | 0;
  return sign ? magnitude : -magnitude;
}

function ulawEncodeSample(s: number): number {
  const BIAS = 0x84;
  let sign = 0;
  if (s < 0) {
    s = -s;
    sign = 0x80;
  }
  if (s > 32635) s = 32635;
  s += BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function alawEncodeSample(s: number): number {
  let sign = 0x80;
  if (s < 0) {
    s = -s - 1;
    sign = 0;
  }
  if (s > 32767) s = 32767;
  let out: number;
  if (s < 256) {
    out = s >> 4;
  } else {
    let exponent = 7;
    for (let mask = 0x4000; (s & mask) === 0 && exponent > 1; mask >>= 1) exponent--;
    out = (exponent << 4) | ((s >> (exponent + 3)) & 0x0f);
  }
  return (out | sign) ^ 0x55;
}

export const ULAW_DECODE = new Int16Array(256);
export const ALAW_DECODE = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  ULAW_DECODE[i] = ulawDecodeByte(i);
  ALAW_DECODE[i] = alawDecodeByte(i);
}

let ulawEnc: Uint8Array | undefined;
let alawEnc: Uint8Array | undefined;
/** Encode tables indexed by the sample as uint16 (two's complement). */
function encTable(alaw: boolean): Uint8Array {
  if (alaw) return (alawEnc ??= build(alawEncodeSample));
  return (ulawEnc ??= build(ulawEncodeSample));
}
function build(f: (s: number) => number): Uint8Array {
  const t = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = f(i >= 32768 ? i - 65536 : i);
  return t;
}

/** Decode `len` bytes into `out` (8 kHz samples); returns the sample count. */
export function g711Decode(alaw: boolean, src: Uint8Array, len: number, out: Int16Array): number {
  const table = alaw ? ALAW_DECODE : ULAW_DECODE;
  const n = Math.min(len, out.length);
  for (let i = 0; i < n; i++) out[i] = table[src[i]];
  return n;
}

export function g711Encode(alaw: boolean, pcm: Int16Array, n: number, out: Uint8Array, off: number): number {
  const t = encTable(alaw);
  for (let i = 0; i < n; i++) out[off + i] = t[pcm[i] & 0xffff];
  return n;
}
