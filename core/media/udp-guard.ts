/**
 * Framing checks for every UDP datagram that reaches a PeerConnection's socket, run before werift
 * parses anything (see werift-adapter.ts for where they are wired in). They read a few header
 * bytes, allocate nothing, and say why a datagram must be dropped; what they let through is
 * still authenticated by werift (STUN MESSAGE-INTEGRITY, DTLS record MACs, SRTP auth tags).
 *
 * Why they exist: werift parses the cleartext RTP header (to find the SRTP context) before it
 * checks the auth tag, and its parser walks header extensions without bounds (an extension
 * length of 0xFFFF made it spin for minutes); its DTLS layer closes the connection on any record
 * it does not know, authenticated or not. Both are reachable by one datagram from anyone.
 */

/** Why a datagram was dropped; also the key of its counter. */
export type DropReason =
  | 'foreign_source'
  | 'stun_malformed'
  | 'stun_unauthenticated'
  | 'dtls_malformed'
  | 'dtls_unauthenticated'
  | 'rtp_malformed'
  | 'rtcp_malformed'
  | 'unknown_protocol';

export type DropCounters = Record<DropReason, number>;

export function newDropCounters(): DropCounters {
  return {
    foreign_source: 0,
    stun_malformed: 0,
    stun_unauthenticated: 0,
    dtls_malformed: 0,
    dtls_unauthenticated: 0,
    rtp_malformed: 0,
    rtcp_malformed: 0,
    unknown_protocol: 0,
  };
}

/**
 * Totals for the whole process (every PeerConnection, on every media worker thread): the values
 * live in shared memory the main thread hands to its workers (`shareUdpDrops`), so a reader on
 * any thread sees all of them. Only drops touch them, never a good packet.
 */
const reasons = Object.keys(newDropCounters()) as DropReason[];
let dropMemory = new Int32Array(new SharedArrayBuffer(4 * reasons.length));
export const udpDrops = {} as DropCounters;
reasons.forEach((r, i) => {
  Object.defineProperty(udpDrops, r, {
    enumerable: true,
    get: () => Atomics.load(dropMemory, i),
    set: (v: number) => void Atomics.store(dropMemory, i, v),
  });
});

/** Add one drop to the process totals (atomic: several threads count). */
export function countDrop(why: DropReason): void {
  Atomics.add(dropMemory, reasons.indexOf(why), 1);
}

/** The memory behind `udpDrops`, for a worker thread to share. */
export function udpDropsMemory(): SharedArrayBuffer {
  return dropMemory.buffer as SharedArrayBuffer;
}

/** In a worker: count into the main thread's totals. */
export function shareUdpDrops(memory: SharedArrayBuffer): void {
  dropMemory = new Int32Array(memory);
}

/** RFC 7983 demultiplexing on the first byte (RFC 8445 and RFC 5764 ranges). */
export const KIND_STUN = 0;
export const KIND_DTLS = 1;
export const KIND_MEDIA = 2;
export const KIND_OTHER = 3;
export function kindOf(b0: number): number {
  if (b0 <= 3) return KIND_STUN;
  if (b0 >= 20 && b0 <= 63) return KIND_DTLS;
  if (b0 >= 128 && b0 <= 191) return KIND_MEDIA;
  return KIND_OTHER;
}

/** werift's own RTP/RTCP split (rtcp.js `isRtcp`): second byte 192..208 is RTCP. */
export function isRtcp(buf: Buffer): boolean {
  return buf.length >= 2 && buf[1] >= 192 && buf[1] <= 208;
}

/**
 * More header-extension elements than any sender uses (one-byte ids are 1..14): werift copies its
 * element array once per element, so the count bounds its work.
 */
export const MAX_RTP_EXTENSION_ELEMENTS = 32;

/**
 * An RTP packet as it arrives (SRTP: header in the clear, payload and padding encrypted): version
 * 2, CSRC list and extension block inside the packet, extension elements well formed and few.
 * The padding byte is encrypted, so werift checks it after authentication (finalizeSrtpRtpHeader).
 */
export function checkRtp(buf: Buffer): boolean {
  const len = buf.length;
  if (len < 12) return false;
  const b0 = buf[0];
  if (b0 >> 6 !== 2) return false;
  let off = 12 + 4 * (b0 & 0x0f);
  if (off > len) return false;
  if (b0 & 0x10) {
    if (off + 4 > len) return false;
    const profile = (buf[off] << 8) | buf[off + 1];
    const end = off + 4 + 4 * ((buf[off + 2] << 8) | buf[off + 3]);
    off += 4;
    if (end > len) return false;
    let n = 0;
    if (profile === 0xbede) {
      // RFC 8285 one-byte elements: 0 is padding, id 15 ends the block
      while (off < end) {
        const b = buf[off];
        if (b === 0) {
          off++;
          continue;
        }
        if (b >> 4 === 15) break;
        off += 2 + (b & 0x0f);
        if (off > end || ++n > MAX_RTP_EXTENSION_ELEMENTS) return false;
      }
    } else if ((profile & 0xfff0) === 0x1000) {
      // RFC 8285 two-byte elements
      while (off < end) {
        if (buf[off] === 0) {
          off++;
          continue;
        }
        if (off + 2 > end) return false;
        off += 2 + buf[off + 1];
        if (off > end || ++n > MAX_RTP_EXTENSION_ELEMENTS) return false;
      }
    }
    off = end;
  }
  return off <= len;
}

/**
 * An SRTCP packet as it arrives: only the first RTCP header and sender SSRC are in the clear
 * (the rest of the compound is encrypted and checked by werift after authentication): version 2,
 * and the first packet's length inside the datagram, before the 4-byte SRTCP index.
 */
export function checkRtcp(buf: Buffer): boolean {
  const len = buf.length;
  if (len < 12) return false;
  if (buf[0] >> 6 !== 2) return false;
  const first = 4 * (((buf[2] << 8) | buf[3]) + 1);
  return first >= 8 && first + 4 <= len;
}

/** DTLS record content types (RFC 6347): the only ones werift may see. */
const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const APPLICATION_DATA = 23;
const MIN_FRAGMENT = [1, 2, 12, 1]; // by type - 20, at epoch 0 (CCS, alert, handshake, any)

/**
 * One DTLS datagram: every record must have a known content type, a DTLS 1.0/1.2 version and a
 * length inside the datagram, or the whole datagram is dropped ('dtls_malformed').
 *
 * Once the handshake is done the peer sends only encrypted records, so a plaintext (epoch 0)
 * record is a forgery or a stray handshake retransmission, which werift mishandles (a ClientHello
 * resets the session, a plaintext alert closes it): such records are cut out and the rest of the
 * datagram is kept (a peer that lost our last flight resends its own with an encrypted Finished
 * we must still see). Encrypted alerts are kept only when `authenticAlert` can decrypt them,
 * because werift closes the connection on any alert it is given.
 *
 * Returns the buffer to hand to werift (`buf` itself, or a copy without the dropped records),
 * or why the whole datagram is dropped. `dropped` receives the count of records cut out.
 */
export function screenDtls(
  buf: Buffer,
  connected: boolean,
  authenticAlert: ((record: Buffer) => boolean) | undefined,
  dropped: { records: number },
): Buffer | DropReason {
  const len = buf.length;
  let off = 0;
  let keep: Buffer[] | undefined;
  let kept = 0;
  dropped.records = 0;
  if (len === 0) return 'dtls_malformed';
  while (off < len) {
    if (len - off < 13) return 'dtls_malformed';
    const type = buf[off];
    if (type < CHANGE_CIPHER_SPEC || type > APPLICATION_DATA) return 'dtls_malformed';
    if (buf[off + 1] !== 0xfe || (buf[off + 2] !== 0xff && buf[off + 2] !== 0xfd)) return 'dtls_malformed';
    const epoch = (buf[off + 3] << 8) | buf[off + 4];
    const size = (buf[off + 11] << 8) | buf[off + 12];
    const next = off + 13 + size;
    if (next > len) return 'dtls_malformed';
    if (epoch === 0 ? size < MIN_FRAGMENT[type - CHANGE_CIPHER_SPEC] : size === 0) return 'dtls_malformed';
    let ok = true;
    if (connected) {
      if (epoch === 0) ok = false;
      else if (type === ALERT) ok = authenticAlert?.(buf.subarray(off, next)) ?? false;
    }
    if (!ok) {
      dropped.records++;
      keep ??= kept > 0 ? [buf.subarray(0, off)] : [];
    } else if (keep) {
      keep.push(buf.subarray(off, next));
      kept++;
    } else {
      kept++;
    }
    off = next;
  }
  if (!keep) return buf;
  return kept > 0 ? Buffer.concat(keep) : 'dtls_unauthenticated';
}
