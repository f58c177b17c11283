/**
 * SRTP/SRTCP with AES_CM_128_HMAC_SHA1_80 and _32 (RFC 3711), for plugins that send or receive
 * media outside a PeerConnection: VideoRoom `rtp_forward` with `srtp_suite`/`srtp_crypto`, remote
 * publishers. Keys come from one master key + salt (Janus's `srtp_crypto`: base64 of 16 + 14
 * bytes), no MKI, key derivation rate 0. Packets are protected in place; after construction
 * nothing is allocated per packet except the small state kept once per new SSRC.
 */
import { createCipheriv } from 'node:crypto';
import { Aes128, HmacSha1 } from './srtp-primitives';

/** Janus's `srtp_suite`: the HMAC-SHA1 tag length in bits. */
export type SrtpSuite = 32 | 80;

export const SRTP_MASTER_KEY_LENGTH = 16;
export const SRTP_MASTER_SALT_LENGTH = 14;
export const SRTP_MASTER_LENGTH = SRTP_MASTER_KEY_LENGTH + SRTP_MASTER_SALT_LENGTH;
/** SRTCP carries the 31-bit index (with the E flag) before its tag. */
const SRTCP_INDEX_LENGTH = 4;
/** SRTCP always uses the 80-bit tag (RFC 4568 for the _32 suite, as libsrtp). */
const SRTCP_TAG_LENGTH = 10;
/** Packets received up to this many indexes behind the newest are checked for replays. */
const REPLAY_WINDOW = 1024;

export function isSrtpSuite(v: unknown): v is SrtpSuite {
  return v === 32 || v === 80;
}

/**
 * Decode Janus's `srtp_crypto` (base64 of master key then salt); undefined when it isn't base64
 * of at least 30 bytes. Extra bytes are ignored, as libsrtp does.
 */
export function decodeSrtpCrypto(b64: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const raw = Buffer.from(b64, 'base64');
  return raw.length >= SRTP_MASTER_LENGTH ? raw.subarray(0, SRTP_MASTER_LENGTH) : undefined;
}

/** RFC 3711 §4.3.1 key derivation (AES-CM PRF, key derivation rate 0) for one label. */
export function srtpDeriveKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0, 0, SRTP_MASTER_SALT_LENGTH);
  iv[7] ^= label;
  const c = createCipheriv('aes-128-ctr', masterKey, iv);
  return c.update(Buffer.alloc(length));
}

/** Session keys of one direction (RTP and RTCP) derived from a master key + salt. */
class SessionKeys {
  readonly rtpCipher: Aes128;
  readonly rtpAuth: HmacSha1;
  /** Session salt as the four counter words (the last holds bytes 12-13 in its high half). */
  readonly rtpSalt = new Int32Array(4);
  readonly rtcpCipher: Aes128;
  readonly rtcpAuth: HmacSha1;
  readonly rtcpSalt = new Int32Array(4);

  constructor(master: Buffer) {
    if (master.length < SRTP_MASTER_LENGTH) throw new Error(`SRTP master key+salt must be ${SRTP_MASTER_LENGTH} bytes`);
    const key = master.subarray(0, SRTP_MASTER_KEY_LENGTH);
    const salt = master.subarray(SRTP_MASTER_KEY_LENGTH, SRTP_MASTER_LENGTH);
    this.rtpCipher = new Aes128(srtpDeriveKey(key, salt, 0, 16));
    this.rtpAuth = new HmacSha1(srtpDeriveKey(key, salt, 1, 20));
    saltWords(srtpDeriveKey(key, salt, 2, 14), this.rtpSalt);
    this.rtcpCipher = new Aes128(srtpDeriveKey(key, salt, 3, 16));
    this.rtcpAuth = new HmacSha1(srtpDeriveKey(key, salt, 4, 20));
    saltWords(srtpDeriveKey(key, salt, 5, 14), this.rtcpSalt);
  }
}

function saltWords(s: Buffer, w: Int32Array): void {
  w[0] = s.readInt32BE(0);
  w[1] = s.readInt32BE(4);
  w[2] = s.readInt32BE(8);
  w[3] = s.readUInt16BE(12) << 16;
}

/** Offset of an RTP packet's payload, or -1 if the header doesn't fit in len. */
function payloadOffset(b: Uint8Array, len: number): number {
  if (len < 12 || (b[0] & 0xc0) !== 0x80) return -1;
  let off = 12 + (b[0] & 0x0f) * 4;
  if (b[0] & 0x10) {
    if (off + 4 > len) return -1;
    off += 4 + ((b[off + 2] << 8) | b[off + 3]) * 4;
  }
  return off <= len ? off : -1;
}

function readU32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

/** Time-safe compare of two tags already in buffers. */
function tagsEqual(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, n: number): boolean {
  let d = 0;
  for (let i = 0; i < n; i++) d |= a[aOff + i] ^ b[bOff + i];
  return d === 0;
}

interface SendState {
  roc: number;
  lastSeq: number;
}

/**
 * Protects outgoing RTP/RTCP of any SSRC with one master key (libsrtp's `ssrc_any_outbound`).
 * The buffers passed in need `tagLength` (RTP) or 14 (RTCP) spare bytes after the packet.
 */
export class SrtpSender {
  readonly tagLength: number;
  private readonly keys: SessionKeys;
  private readonly streams = new Map<number, SendState>();
  private rtcpIndex = 0;

  constructor(master: Buffer, readonly suite: SrtpSuite) {
    this.keys = new SessionKeys(master);
    this.tagLength = suite === 32 ? 4 : 10;
  }

  /** Encrypt and authenticate an RTP packet in place; returns the new length (or -1 if malformed). */
  protectRtp(buf: Uint8Array, len: number): number {
    const off = payloadOffset(buf, len);
    if (off < 0 || buf.length < len + this.tagLength) return -1;
    const ssrc = readU32(buf, 8);
    const seq = (buf[2] << 8) | buf[3];
    let st = this.streams.get(ssrc);
    if (st === undefined) {
      st = { roc: 0, lastSeq: seq };
      this.streams.set(ssrc, st);
    } else {
      // a wrap forward bumps the rollover counter; a late packet from before the wrap uses the old one
      const d = (seq - st.lastSeq) & 0xffff;
      if (d < 0x8000) {
        if (seq < st.lastSeq) st.roc = (st.roc + 1) >>> 0;
        st.lastSeq = seq;
      }
    }
    const roc = st.roc !== 0 && seq > st.lastSeq && seq - st.lastSeq >= 0x8000 ? st.roc - 1 : st.roc;
    const k = this.keys;
    const s = k.rtpSalt;
    k.rtpCipher.ctrXor(buf, off, len, s[0], s[1] ^ ssrc, s[2] ^ roc, s[3] ^ (seq << 16));
    const a = k.rtpAuth;
    a.begin();
    a.update(buf, 0, len);
    a.updateU32(roc);
    a.finish(buf, len, this.tagLength);
    return len + this.tagLength;
  }

  /** Encrypt and authenticate an RTCP compound packet in place (E flag set); new length or -1. */
  protectRtcp(buf: Uint8Array, len: number): number {
    if (len < 8 || buf.length < len + SRTCP_INDEX_LENGTH + SRTCP_TAG_LENGTH) return -1;
    const index = this.rtcpIndex;
    this.rtcpIndex = (index + 1) & 0x7fffffff;
    const ssrc = readU32(buf, 4);
    const k = this.keys;
    const s = k.rtcpSalt;
    k.rtcpCipher.ctrXor(buf, 8, len, s[0], s[1] ^ ssrc, s[2] ^ (index >>> 16), s[3] ^ ((index & 0xffff) << 16));
    buf[len] = 0x80 | (index >>> 24);
    buf[len + 1] = (index >>> 16) & 0xff;
    buf[len + 2] = (index >>> 8) & 0xff;
    buf[len + 3] = index & 0xff;
    const end = len + SRTCP_INDEX_LENGTH;
    const a = k.rtcpAuth;
    a.begin();
    a.update(buf, 0, end);
    a.finish(buf, end, SRTCP_TAG_LENGTH);
    return end + SRTCP_TAG_LENGTH;
  }
}

interface RecvState {
  roc: number;
  /** Highest sequence number accepted (s_l in RFC 3711). */
  sl: number;
  /** Highest packet index accepted. */
  maxIndex: number;
  /** Ring of the indexes accepted within the replay window. */
  seen: Float64Array;
}

/** Verifies and decrypts incoming SRTP/SRTCP of any SSRC with one master key. */
export class SrtpReceiver {
  readonly tagLength: number;
  private readonly keys: SessionKeys;
  private readonly streams = new Map<number, RecvState>();
  private readonly tag = new Uint8Array(20);
  /** Upper bound on tracked SSRCs, so a sender spraying SSRCs can't grow memory without limit. */
  maxStreams = 64;

  constructor(master: Buffer, readonly suite: SrtpSuite) {
    this.keys = new SessionKeys(master);
    this.tagLength = suite === 32 ? 4 : 10;
  }

  /**
   * Authenticate and decrypt an SRTP packet in place; returns the RTP length, or -1 when it is
   * malformed, fails authentication or replays an index already seen.
   */
  unprotectRtp(buf: Uint8Array, len: number): number {
    const plen = len - this.tagLength;
    const off = payloadOffset(buf, plen);
    if (off < 0) return -1;
    const ssrc = readU32(buf, 8);
    const seq = (buf[2] << 8) | buf[3];
    const st = this.streams.get(ssrc);
    // RFC 3711 §3.3.1: guess the rollover counter from the highest sequence number seen
    let roc = 0;
    if (st !== undefined) {
      roc = st.roc;
      if (st.sl < 0x8000) {
        if (seq - st.sl > 0x8000) roc = (st.roc - 1) >>> 0;
      } else if (st.sl - 0x8000 > seq) {
        roc = (st.roc + 1) >>> 0;
      }
    }
    const index = roc * 0x10000 + seq;
    if (st !== undefined && (index + REPLAY_WINDOW <= st.maxIndex || st.seen[index % REPLAY_WINDOW] === index)) return -1;
    const k = this.keys;
    const a = k.rtpAuth;
    a.begin();
    a.update(buf, 0, plen);
    a.updateU32(roc);
    a.finish(this.tag, 0, this.tagLength);
    if (!tagsEqual(this.tag, 0, buf, plen, this.tagLength)) return -1;
    const s = k.rtpSalt;
    k.rtpCipher.ctrXor(buf, off, plen, s[0], s[1] ^ ssrc, s[2] ^ roc, s[3] ^ (seq << 16));
    this.accept(st, ssrc, roc, seq, index);
    return plen;
  }

  private accept(st: RecvState | undefined, ssrc: number, roc: number, seq: number, index: number): void {
    if (st === undefined) {
      if (this.streams.size >= this.maxStreams) this.streams.delete(this.streams.keys().next().value as number);
      st = { roc, sl: seq, maxIndex: index, seen: new Float64Array(REPLAY_WINDOW).fill(-1) };
      this.streams.set(ssrc, st);
    }
    st.seen[index % REPLAY_WINDOW] = index;
    if (index > st.maxIndex) {
      st.maxIndex = index;
      st.roc = roc;
      st.sl = seq;
    }
  }

  /** Authenticate and decrypt an SRTCP packet in place; returns the RTCP length or -1. */
  unprotectRtcp(buf: Uint8Array, len: number): number {
    const end = len - SRTCP_TAG_LENGTH;
    const plen = end - SRTCP_INDEX_LENGTH;
    if (plen < 8) return -1;
    const k = this.keys;
    const a = k.rtcpAuth;
    a.begin();
    a.update(buf, 0, end);
    a.finish(this.tag, 0, SRTCP_TAG_LENGTH);
    if (!tagsEqual(this.tag, 0, buf, end, SRTCP_TAG_LENGTH)) return -1;
    const e = buf[plen] & 0x80;
    const index = readU32(buf, plen) & 0x7fffffff;
    if (e) {
      const ssrc = readU32(buf, 4);
      const s = k.rtcpSalt;
      k.rtcpCipher.ctrXor(buf, 8, plen, s[0], s[1] ^ ssrc, s[2] ^ (index >>> 16), s[3] ^ ((index & 0xffff) << 16));
    }
    return plen;
  }
}
