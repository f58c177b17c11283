import { createHmac } from 'node:crypto';
import { Rng as BaseRng } from './support/fuzz-gen';

/**
 * Deterministic generators of hostile datagrams for the UDP fuzz suite: STUN, DTLS records,
 * RTP, RTCP compounds and SCTP-looking garbage, each mostly well framed with one field wrong
 * (so they get past a first-byte check and reach the deeper parsers).
 */

/** The API fuzz suite's seeded PRNG, with byte-level helpers for datagrams. */
export class Rng extends BaseRng {
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** A length biased to the edges (0, 1, small, 0xFFFF...). */
  edgyLength(max: number): number {
    return this.pick([0, 1, 2, 3, 4, 7, 8, 12, 13, 255, 256, 0x7fff, 0xffff, this.int(max + 1), this.int(max + 1)]);
  }
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

// --- STUN ---

export interface StunCredentials {
  /** USERNAME the server expects ("serverUfrag:clientUfrag") and the server's ice-pwd. */
  username: string;
  password: string;
}

const STUN_ATTRS = [0x0001, 0x0006, 0x0008, 0x0009, 0x000a, 0x0014, 0x0015, 0x0020, 0x0024, 0x0025, 0x8022, 0x8028, 0x8029, 0x802a, 0xc057, 0x7fff, 0xffff];

function stunAttr(type: number, value: Buffer, lenOverride?: number): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  return Buffer.concat([u16(type), u16(lenOverride ?? value.length), value, Buffer.alloc(pad)]);
}

/**
 * A STUN message: random class/method, random attributes with random or wrong lengths; with
 * `auth`, a correct MESSAGE-INTEGRITY (and FINGERPRINT), so it reaches werift's request handling.
 * Never carries ICE-CONTROLLING/ICE-CONTROLLED with `auth` (an authenticated role conflict is
 * the peer's right, not an attack).
 */
export function stun(r: Rng, auth?: StunCredentials): Buffer {
  const cls = auth ? 0x0000 : r.pick([0x0000, 0x0010, 0x0100, 0x0110]);
  const method = auth ? 0x0001 : r.pick([0x0001, 0x0001, 0x0003, 0x0004, 0x0fff]);
  const type = (method & 0x0f) | ((method & 0x70) << 1) | ((method & 0xf80) << 2) | (cls & 0x10 ? 0x10 : 0) | (cls & 0x100 ? 0x100 : 0);
  const attrs: Buffer[] = [];
  const n = r.int(6);
  for (let i = 0; i < n; i++) {
    let t = r.pick(STUN_ATTRS);
    if (auth && (t === 0x8029 || t === 0x802a || t === 0x0008 || t === 0x8028 || t === 0x0006)) t = 0xc057;
    const v = r.bytes(r.pick([0, 1, 3, 4, 8, 20, 64, 300]));
    // a wrong length only without auth (with auth the message must parse to be authenticated)
    attrs.push(stunAttr(t, v, !auth && r.chance(0.3) ? r.edgyLength(600) : undefined));
  }
  const username = auth?.username ?? r.pick(['', 'x', 'nobody:here', 'a'.repeat(600), r.bytes(12).toString('latin1')]);
  if (auth || r.chance(0.7)) attrs.unshift(stunAttr(0x0006, Buffer.from(username)));
  if (auth && r.chance(0.5)) attrs.push(stunAttr(0x0024, r.bytes(4)));
  const tid = r.bytes(12);
  const head = (bodyLength: number) => Buffer.concat([u16(type), u16(bodyLength), Buffer.from('2112a442', 'hex'), tid]);
  let body = Buffer.concat(attrs);
  if (auth) {
    // MESSAGE-INTEGRITY over the message with the length counting it (RFC 5389 15.4)
    const mac = createHmac('sha1', Buffer.from(auth.password)).update(Buffer.concat([head(body.length + 24), body])).digest();
    body = Buffer.concat([body, stunAttr(0x0008, mac)]);
  } else if (r.chance(0.5)) {
    body = Buffer.concat([body, stunAttr(0x0008, r.bytes(20))]);
  }
  let msg: Buffer = Buffer.concat([head(body.length), body]);
  if (!auth) {
    const cut = r.int(4);
    if (cut === 0) msg = msg.subarray(0, r.int(msg.length + 1)); // truncated
    else if (cut === 1) msg.writeUInt16BE(r.edgyLength(2000), 2); // wrong total length
  }
  return msg;
}

// --- DTLS ---

/** One or more DTLS records: every content type 20..63, bad versions, lengths and epochs. */
export function dtls(r: Rng): Buffer {
  const records: Buffer[] = [];
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const type = r.chance(0.6) ? 20 + r.int(4) : 20 + r.int(44);
    const version = r.pick([0xfefd, 0xfefd, 0xfeff, 0x0303, 0xfefc, r.int(0x10000)]);
    const epoch = r.pick([0, 0, 1, 1, 2, 0xffff, r.int(0x10000)]);
    const seq = r.bytes(6);
    let fragment: Buffer;
    if (type === 22 && r.chance(0.6)) {
      // a handshake message header: type, length, message_seq, fragment offset/length
      const body = r.bytes(r.pick([0, 2, 10, 40, 200]));
      const hs = Buffer.alloc(12);
      hs[0] = r.pick([0, 1, 2, 3, 11, 12, 13, 14, 15, 16, 20, 255]);
      hs.writeUIntBE(r.chance(0.5) ? body.length : r.int(0x1000000), 1, 3);
      hs.writeUInt16BE(r.int(0x10000), 4);
      hs.writeUIntBE(r.chance(0.7) ? 0 : r.int(0x1000000), 6, 3);
      hs.writeUIntBE(r.chance(0.5) ? body.length : r.int(0x1000000), 9, 3);
      fragment = Buffer.concat([hs, body]);
    } else if (type === 21) {
      fragment = r.chance(0.7) ? Buffer.from([r.pick([1, 2, 0, 255]), r.pick([0, 10, 20, 40, 42, 80, 90, 255])]) : r.bytes(r.pick([0, 1, 26, 40]));
    } else {
      fragment = r.bytes(r.pick([0, 1, 8, 24, 40, 100, 600]));
    }
    const len = r.chance(0.75) ? fragment.length : r.edgyLength(2000);
    records.push(Buffer.concat([Buffer.from([type]), u16(version), u16(epoch), seq, u16(len), fragment]));
  }
  let out: Buffer = Buffer.concat(records);
  if (r.chance(0.1)) out = out.subarray(0, r.int(out.length + 1));
  if (out.length === 0 || out[0] < 20 || out[0] > 63) out = Buffer.concat([Buffer.from([22]), out]);
  return out;
}

// --- RTP / RTCP ---

/** An SRTP-looking RTP packet: every header field, CSRC count, extension profile and length. */
export function rtp(r: Rng, ssrc?: number): Buffer {
  const cc = r.int(16);
  const x = r.chance(0.6);
  const p = r.chance(0.2);
  const version = r.chance(0.9) ? 2 : r.int(4);
  const b0 = (version << 6) | (p ? 0x20 : 0) | (x ? 0x10 : 0) | cc;
  // keep the second byte out of werift's RTCP range (192..208) so it is parsed as RTP
  let b1 = r.int(256);
  if (b1 >= 192 && b1 <= 208) b1 = 96;
  const head = Buffer.alloc(12);
  head[0] = b0;
  head[1] = b1;
  head.writeUInt16BE(r.int(0x10000), 2);
  head.writeUInt32BE(r.int(0x100000000), 4);
  head.writeUInt32BE(ssrc ?? r.int(0x100000000), 8);
  const parts: Buffer[] = [head];
  if (r.chance(0.8)) parts.push(r.bytes(4 * cc));
  if (x) {
    const profile = r.pick([0xbede, 0xbede, 0x1000, 0x1001, 0x0000, r.int(0x10000)]);
    const words = r.pick([0, 1, 2, 3, 0xff, 0xffff, r.int(0x10000), r.int(8)]);
    parts.push(u16(profile), u16(words));
    // the block as long as it claims (up to what fits a datagram), or shorter
    const body = Buffer.alloc(4 * Math.min(300, r.chance(0.7) ? words : r.int(words + 1)));
    for (let i = 0; i < body.length; i++) body[i] = r.pick([0x00, 0x10, 0x11, 0x1f, 0xf0, 0xff, r.int(256)]);
    parts.push(body);
  }
  parts.push(r.bytes(r.pick([0, 1, 10, 16, 100, 1100])));
  return Buffer.concat(parts);
}

/** An SRTCP-looking compound: packets of types 192..208 with right and wrong lengths and counts. */
export function rtcp(r: Rng): Buffer {
  const packets: Buffer[] = [];
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    const body = r.bytes(4 * r.pick([0, 1, 2, 6, 20]));
    const h = Buffer.alloc(4);
    h[0] = ((r.chance(0.9) ? 2 : r.int(4)) << 6) | (r.chance(0.2) ? 0x20 : 0) | r.int(32);
    h[1] = i === 0 ? 192 + r.int(17) : r.int(256);
    h.writeUInt16BE(r.chance(0.6) ? body.length / 4 + 1 : r.edgyLength(0xffff), 2);
    packets.push(h, r.bytes(4), body);
  }
  // SRTCP index and a 10-byte tag, or not
  if (r.chance(0.7)) packets.push(Buffer.from([0x80, 0, 0, r.int(256)]), r.bytes(10));
  let out: Buffer = Buffer.concat(packets);
  if (r.chance(0.1)) out = out.subarray(0, Math.max(2, r.int(out.length + 1)));
  return out;
}

/** SCTP-looking bytes (common header + chunks), not inside DTLS, and plain noise of any first byte. */
export function sctpGarbage(r: Rng): Buffer {
  if (r.chance(0.5)) {
    const head = Buffer.alloc(12);
    head.writeUInt16BE(5000, 0);
    head.writeUInt16BE(5000, 2);
    head.writeUInt32BE(r.int(0x100000000), 4);
    const chunk = Buffer.alloc(4);
    chunk[0] = r.pick([0, 1, 2, 3, 6, 7, 8, 10, 11, 192, 255]);
    chunk.writeUInt16BE(r.edgyLength(2000), 2);
    return Buffer.concat([head, chunk, r.bytes(r.int(300))]);
  }
  return r.bytes(r.pick([0, 1, 2, 13, 20, 100, 1400]));
}
