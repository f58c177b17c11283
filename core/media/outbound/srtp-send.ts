import { createCipheriv } from 'node:crypto';
import { PairSender, PairTarget, type DtlsState } from '../werift-adapter/media';
import { nativeSrtp } from './native-send';

/** werift's DTLS-SRTP profile number for AEAD_AES_128_GCM (RFC 7714). */
export const PROFILE_AEAD_AES_128_GCM = 0x0007;

/**
 * Outbound stage 4: SRTP protection (AEAD_AES_128_GCM, RFC 7714) and the datagram to the ICE
 * pair. The header goes out as it sits in the NACK history slot (a view: SRTP never encrypts the
 * header), followed by the ciphertext and tag OpenSSL returns: one scatter-gather send, so no
 * datagram buffer is assembled. With the native stage (native-send.ts) one OpenSSL context per
 * SRTP session is reused and the datagram goes out with one sendmsg; without it, node:crypto
 * (which cannot give a GCM cipher a new IV: one cipher object per packet) and dgram.
 */
export class SrtpSend {
  private readonly iv = Buffer.alloc(12);
  /** The scatter-gather list handed to the socket (Node copies the list, not the buffers). */
  private readonly parts: Buffer[] = [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)];
  private roc = 0;
  private lastSeq = -1;
  private rtxLastSeq = -1;
  private rtxRocValue = 0;
  private readonly out = new PairSender();
  /** The native context and the werift cipher (session keys) it was made from. */
  private gcm?: object;
  private gcmSource?: object;

  constructor(private readonly dtls: DtlsState) {}

  /** Can this stage protect packets on the DTLS transport's negotiated profile? */
  supported(): boolean {
    return this.dtls.srtp?.localContext.profile === PROFILE_AEAD_AES_128_GCM;
  }

  /** A new packet (its sequence number moves the rollover counter). */
  send(p: Buffer, headerLength: number, length: number, ssrc: number, seq: number): void {
    this.updateRoc(seq);
    this.protect(p, headerLength, length, ssrc, seq, this.roc);
  }

  /** The same packet again (same sequence number, so the rollover counter it had). */
  resend(p: Buffer, headerLength: number, length: number, ssrc: number, seq: number): void {
    this.protect(p, headerLength, length, ssrc, seq, this.rocFor(seq));
  }

  /** An RTX packet: its own sequence space, so its own rollover counter. */
  sendRtx(p: Buffer, headerLength: number, length: number, ssrc: number, seq: number): void {
    if (this.rtxLastSeq >= 0 && seq < this.rtxLastSeq && this.rtxLastSeq - seq > 0x8000) this.rtxRocValue++;
    this.rtxLastSeq = seq;
    this.protect(p, headerLength, length, ssrc, seq, this.rtxRocValue);
  }

  /** RFC 3711 3.3.1: the rollover counter follows the highest sequence number sent. */
  private updateRoc(seq: number): void {
    if (this.lastSeq >= 0 && seq < this.lastSeq && this.lastSeq - seq > 0x8000) this.roc++;
    if (this.lastSeq < 0 || ((seq - this.lastSeq) & 0xffff) < 0x8000) this.lastSeq = seq;
  }

  private rocFor(seq: number): number {
    if (seq > this.lastSeq && seq - this.lastSeq > 0x8000) return Math.max(0, this.roc - 1);
    return this.roc;
  }

  /** IV = salt XOR (00 00 | SSRC | ROC | SEQ), AAD = the header (RFC 7714 8.1). */
  private protect(p: Buffer, headerLength: number, length: number, ssrc: number, seq: number, roc: number): void {
    const dtls = this.dtls;
    const source = dtls.srtp!.localContext.cipher;
    const native = nativeSrtp();
    if (native) {
      const target = this.out.target(dtls.iceTransport.connection);
      if (target === PairTarget.Drop) return;
      if (target === PairTarget.Native) {
        if (this.gcmSource !== source) {
          this.gcm = native.gcmContext(source.srtpSessionKey, source.srtpSessionSalt);
          this.gcmSource = source;
        }
        // a datagram the socket refused (buffer full, unreachable) is dropped, as UDP would
        const sent = native.protectSend(this.gcm!, this.out.fd, this.out.addr!, p, headerLength, length, ssrc, roc, seq);
        if (sent > 0) {
          dtls.bytesSent += sent;
          dtls.packetsSent++;
          this.out.sentNatively(sent);
        }
        return;
      }
    }
    const { srtpSessionKey: key, srtpSessionSalt: salt } = source;
    const iv = this.iv;
    iv[0] = salt[0];
    iv[1] = salt[1];
    iv[2] = ((ssrc >>> 24) & 0xff) ^ salt[2];
    iv[3] = ((ssrc >>> 16) & 0xff) ^ salt[3];
    iv[4] = ((ssrc >>> 8) & 0xff) ^ salt[4];
    iv[5] = (ssrc & 0xff) ^ salt[5];
    iv[6] = ((roc >>> 24) & 0xff) ^ salt[6];
    iv[7] = ((roc >>> 16) & 0xff) ^ salt[7];
    iv[8] = ((roc >>> 8) & 0xff) ^ salt[8];
    iv[9] = (roc & 0xff) ^ salt[9];
    iv[10] = ((seq >>> 8) & 0xff) ^ salt[10];
    iv[11] = (seq & 0xff) ^ salt[11];
    const header = p.subarray(0, headerLength);
    const cipher = createCipheriv('aes-128-gcm', key, iv);
    cipher.setAAD(header);
    const enc = cipher.update(p.subarray(headerLength, length));
    cipher.final();
    const tag = cipher.getAuthTag();
    const size = headerLength + enc.length + tag.length;
    dtls.bytesSent += size;
    dtls.packetsSent++;
    const parts = this.parts;
    parts[0] = header;
    parts[1] = enc;
    parts[2] = tag;
    this.out.send(dtls.iceTransport.connection, parts, size);
  }
}
