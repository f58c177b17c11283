import { createCipheriv } from 'node:crypto';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { RTCRtpSender } from 'werift';
import type { RtpExtensions } from '../plugin-api';
import { EXT } from './codecs';

/** werift's DTLS-SRTP profile number for AEAD_AES_128_GCM (RFC 7714). */
const PROFILE_AEAD_AES_128_GCM = 0x0007;
/** Packets kept per sending stream for NACK retransmissions (werift keeps 128). */
const HISTORY = 256;
/** Seconds between 1900-01-01 (NTP) and 1970-01-01 (Unix). */
const NTP_EPOCH_OFFSET = 2208988800;

/** The werift internals the fast path reads and keeps up to date (not in werift's typings). */
interface SenderInternals {
  ssrc: number;
  codec?: { payloadType: number };
  seqOffset: number;
  timestampOffset: number;
  sequenceNumber?: number;
  timestamp?: number;
  rtpTimestamp: number;
  octetCount: number;
  packetCount: number;
  headerBytesSent: number;
  rtcpRunning: boolean;
  redRedundantPayloadType?: number;
  rtxPayloadType?: number;
  rtxSsrc: number;
  rtxSequenceNumber: number;
  retransmittedPacketsSent: number;
  retransmittedBytesSent: number;
  mid?: string;
  runRtcp(): Promise<void>;
}
interface DtlsInternals {
  state: string;
  transportSequenceNumber: number;
  bytesSent: number;
  packetsSent: number;
  srtp?: { localContext: { profile: number; cipher: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer } } };
  iceTransport: { connection: IceConnection };
}
/** werift's ICE connection and nominated pair, as far as sending reads them. */
interface IceConnection {
  send(data: Buffer): Promise<void>;
  canSendApplicationData(): boolean;
  nominated?: {
    packetsSent: number;
    bytesSent: number;
    remoteCandidate: { host: string; port: number };
    protocol: { type: string; transport?: { type?: string; closed?: boolean; socket?: { send(b: Buffer, port: number, host: string): void } } };
  };
}

/** Our extension kinds, in the order of their negotiated ids. */
const enum Ext { Mid, AbsSendTime, Twcc, AudioLevel, VideoOrientation, PlayoutDelay }

const noop = () => undefined;

/**
 * The per-packet sending side of one m-line (Janus's `janus_ice_relay_rtp` + `janus_ice_send_rtp`
 * for one medium): turns the plugin's packet into the outgoing RTP header (our SSRC and payload
 * type, the core's own header extensions) in a buffer it owns, keeps the packet for NACK
 * retransmissions, protects it with SRTP (AES-GCM: one cipher call, no werift RTP objects) and
 * hands it to ICE. werift's RTCRtpSender counters (what its sender reports use) are kept up to
 * date here, and its NTP time of the last packet is computed only when a report needs it.
 * Returns false when this path cannot handle the packet (another SRTP profile, RED, two-byte
 * extension ids): the caller then goes through werift's `sendRtp`.
 */
export class RtpOut {
  /** Plain RTP of the packets sent last, by sequence number % HISTORY. */
  private readonly cache: Array<Buffer | undefined> = new Array(HISTORY);
  private readonly cacheLen = new Int32Array(HISTORY);
  private readonly cacheSeq = new Int32Array(HISTORY).fill(-1);
  /** Scratch buffer for the outgoing plain packet. */
  private plain = Buffer.allocUnsafeSlow(1600);
  private readonly iv = Buffer.alloc(12);
  /** Negotiated extensions by id, sorted (recomputed when werift's list changes). */
  private extIds: number[] = [];
  private extKinds: Ext[] = [];
  private extSource?: unknown;
  private midBytes = Buffer.alloc(0);
  private midSource?: string;
  private roc = 0;
  private lastSeq = -1;
  /** Epoch ms of the last packet sent (werift's sender reports read it as an NTP time). */
  private lastSendMs = 0;
  private ntpOverride?: bigint;
  /** The nominated pair seen last, and whether it is a plain UDP one with an IP address. */
  private udpPair?: IceConnection['nominated'];
  private udpPairOk = false;

  constructor(readonly sender: RTCRtpSender) {
    // werift computes an NTP timestamp per packet for its sender reports; compute it when read
    const self = this;
    Object.defineProperty(sender, 'ntpTimestamp', {
      configurable: true,
      enumerable: true,
      get(): bigint {
        return self.ntpOverride ?? ntpOfMs(self.lastSendMs);
      },
      set(v: bigint) {
        self.ntpOverride = v;
      },
    });
  }

  /** Send one packet (buffer with `length` bytes); false if the caller must use werift's path. */
  send(buf: Buffer, length: number, e: RtpExtensions, headerExtensions: ReadonlyArray<{ id: number; uri: string }>): boolean {
    const s = this.sender as unknown as SenderInternals;
    const dtls = (this.sender as unknown as { dtlsTransport: DtlsInternals }).dtlsTransport;
    if (dtls.state !== 'connected' || !s.codec) return true;
    const srtp = dtls.srtp;
    if (!srtp || srtp.localContext.profile !== PROFILE_AEAD_AES_128_GCM || s.redRedundantPayloadType) return false;
    if ((this.extSource !== headerExtensions || this.midSource !== s.mid) && !this.prepareExtensions(headerExtensions)) return false;
    if (length < 12) return true;
    const cc = buf[0] & 0x0f;
    let off = 12 + cc * 4;
    if (buf[0] & 0x10) {
      if (off + 4 > length) return true;
      off += 4 + buf.readUInt16BE(off + 2) * 4;
    }
    if (off > length) return true;
    const payloadLen = length - off;

    // header: our SSRC and payload type, sequence number and timestamp shifted as werift does
    const seq = (buf.readUInt16BE(2) + s.seqOffset) & 0xffff;
    const ts = (buf.readUInt32BE(4) + s.timestampOffset) >>> 0;
    const nowMs = performance.timeOrigin + performance.now();
    const need = 12 + cc * 4 + 4 + 40 + payloadLen;
    if (this.plain.length < need) this.plain = Buffer.allocUnsafeSlow(need + 256);
    const p = this.plain;
    p[1] = (buf[1] & 0x80) | (s.codec.payloadType & 0x7f);
    p.writeUInt16BE(seq, 2);
    p.writeUInt32BE(ts, 4);
    p.writeUInt32BE(s.ssrc >>> 0, 8);
    if (cc > 0) buf.copy(p, 12, 12, 12 + cc * 4);
    let o = 12 + cc * 4;
    const extStart = o;
    o += 4;
    for (let i = 0; i < this.extIds.length; i++) {
      const id = this.extIds[i];
      switch (this.extKinds[i]) {
        case Ext.Mid:
          if (this.midBytes.length === 0) break;
          p[o++] = (id << 4) | (this.midBytes.length - 1);
          o += this.midBytes.copy(p, o);
          break;
        case Ext.AbsSendTime: {
          // 6.18 fixed-point seconds, 24 bits: wraps every 64 s, so the epoch does not matter
          const v = Math.floor((nowMs / 1000) * 262144) % 16777216;
          p[o++] = (id << 4) | 2;
          p[o++] = (v >>> 16) & 0xff;
          p[o++] = (v >>> 8) & 0xff;
          p[o++] = v & 0xff;
          break;
        }
        case Ext.Twcc: {
          const t = (dtls.transportSequenceNumber = (dtls.transportSequenceNumber + 1) & 0xffff);
          p[o++] = (id << 4) | 1;
          p[o++] = t >>> 8;
          p[o++] = t & 0xff;
          break;
        }
        case Ext.AudioLevel:
          if (e.audioLevel < 0) break;
          p[o++] = id << 4;
          p[o++] = (e.audioLevelVad ? 0x80 : 0) | (e.audioLevel & 0x7f);
          break;
        case Ext.VideoOrientation:
          if (e.videoRotation < 0) break;
          p[o++] = id << 4;
          p[o++] = (e.videoBackCamera ? 0x08 : 0) | (e.videoFlipped ? 0x04 : 0) | (Math.round(e.videoRotation / 90) & 0x03);
          break;
        case Ext.PlayoutDelay: {
          if (e.minDelay < 0 && e.maxDelay < 0) break;
          const min = Math.max(0, Math.min(4095, e.minDelay));
          const max = Math.max(0, Math.min(4095, e.maxDelay < 0 ? min : e.maxDelay));
          p[o++] = (id << 4) | 2;
          p[o++] = (min >> 4) & 0xff;
          p[o++] = ((min & 0x0f) << 4) | ((max >> 8) & 0x0f);
          p[o++] = max & 0xff;
          break;
        }
      }
    }
    const hasExt = o > extStart + 4;
    if (hasExt) {
      while ((o - extStart) % 4 !== 0) p[o++] = 0;
      p[extStart] = 0xbe;
      p[extStart + 1] = 0xde;
      p.writeUInt16BE((o - extStart - 4) / 4, extStart + 2);
    } else {
      o = extStart;
    }
    // version 2, the source's padding bit (its padding is in the payload we copy), CSRC count
    p[0] = 0x80 | (buf[0] & 0x20) | (hasExt ? 0x10 : 0) | cc;
    const headerLen = o;
    buf.copy(p, headerLen, off, length);
    const total = headerLen + payloadLen;

    // werift's sender state: sender reports, replaceRTP, getStats
    s.sequenceNumber = seq;
    s.timestamp = ts;
    s.rtpTimestamp = ts;
    this.lastSendMs = nowMs;
    this.ntpOverride = undefined;
    s.octetCount += payloadLen;
    s.headerBytesSent += headerLen;
    s.packetCount = (s.packetCount + 1) >>> 0;
    if (!s.rtcpRunning) s.runRtcp().catch(noop);

    // NACK history: the plain packet, in a buffer each slot keeps
    const slot = seq % HISTORY;
    let c = this.cache[slot];
    if (!c || c.length < total) c = this.cache[slot] = Buffer.allocUnsafeSlow(Math.max(total, total > 300 ? 1500 : 300));
    p.copy(c, 0, 0, total);
    this.cacheLen[slot] = total;
    this.cacheSeq[slot] = seq;

    this.updateRoc(seq);
    this.protectAndSend(dtls, p, headerLen, total, s.ssrc, seq);
    return true;
  }

  /** Retransmit what a NACK asks for (RTX-wrapped when the peer negotiated RTX). */
  retransmit(seqs: number[]): number {
    const s = this.sender as unknown as SenderInternals;
    const dtls = (this.sender as unknown as { dtlsTransport: DtlsInternals }).dtlsTransport;
    if (dtls.state !== 'connected' || dtls.srtp?.localContext.profile !== PROFILE_AEAD_AES_128_GCM) return 0;
    let sent = 0;
    for (const seq of seqs) {
      const slot = seq % HISTORY;
      const c = this.cache[slot];
      if (!c || this.cacheSeq[slot] !== seq) continue;
      const len = this.cacheLen[slot];
      const cc = c[0] & 0x0f;
      let hl = 12 + cc * 4;
      if (c[0] & 0x10) hl += 4 + c.readUInt16BE(hl + 2) * 4;
      if (s.rtxPayloadType === undefined) {
        // same packet again: same sequence number, so the same rollover counter as the first time
        const roc = this.rocFor(seq);
        this.encryptAndSend(dtls, c, hl, len, s.ssrc, seq, roc);
        s.retransmittedBytesSent += len - hl;
      } else {
        // RFC 4588: RTX payload type, SSRC and sequence, original sequence number before the payload
        const rtxSeq = s.rtxSequenceNumber;
        s.rtxSequenceNumber = (rtxSeq + 1) & 0xffff;
        const r = Buffer.allocUnsafe(len + 2);
        c.copy(r, 0, 0, hl);
        r[1] = (c[1] & 0x80) | (s.rtxPayloadType & 0x7f);
        r.writeUInt16BE(rtxSeq, 2);
        r.writeUInt32BE(s.rtxSsrc >>> 0, 8);
        r.writeUInt16BE(seq, hl);
        c.copy(r, hl + 2, hl, len);
        this.encryptAndSend(dtls, r, hl, len + 2, s.rtxSsrc, rtxSeq, this.rtxRoc(rtxSeq));
        s.retransmittedBytesSent += len - hl;
      }
      s.retransmittedPacketsSent++;
      s.headerBytesSent += hl;
      sent++;
    }
    return sent;
  }

  private rtxLastSeq = -1;
  private rtxRocValue = 0;
  private rtxRoc(seq: number): number {
    if (this.rtxLastSeq >= 0 && seq < this.rtxLastSeq && this.rtxLastSeq - seq > 0x8000) this.rtxRocValue++;
    this.rtxLastSeq = seq;
    return this.rtxRocValue;
  }

  /** RFC 3711 3.3.1: the rollover counter follows the highest sequence number sent. */
  private updateRoc(seq: number): void {
    if (this.lastSeq >= 0 && seq < this.lastSeq && this.lastSeq - seq > 0x8000) this.roc++;
    if (this.lastSeq < 0 || ((seq - this.lastSeq) & 0xffff) < 0x8000) this.lastSeq = seq;
  }

  /** Rollover counter of a sequence number near the last one sent (a retransmission). */
  private rocFor(seq: number): number {
    if (seq > this.lastSeq && seq - this.lastSeq > 0x8000) return Math.max(0, this.roc - 1);
    return this.roc;
  }

  private protectAndSend(dtls: DtlsInternals, p: Buffer, headerLen: number, total: number, ssrc: number, seq: number): void {
    this.encryptAndSend(dtls, p, headerLen, total, ssrc, seq, this.roc);
  }

  /** RFC 7714 AEAD_AES_128_GCM: IV = salt XOR (00 00 | SSRC | ROC | SEQ), AAD = the header. */
  private encryptAndSend(dtls: DtlsInternals, p: Buffer, headerLen: number, total: number, ssrc: number, seq: number, roc: number): void {
    const { srtpSessionKey: key, srtpSessionSalt: salt } = dtls.srtp!.localContext.cipher;
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
    const cipher = createCipheriv('aes-128-gcm', key, iv);
    cipher.setAAD(p.subarray(0, headerLen));
    const enc = cipher.update(p.subarray(headerLen, total));
    cipher.final();
    const tag = cipher.getAuthTag();
    // a new buffer per datagram: the socket may still hold the previous one when send queues
    const out = Buffer.allocUnsafe(headerLen + enc.length + tag.length);
    p.copy(out, 0, 0, headerLen);
    enc.copy(out, headerLen);
    tag.copy(out, headerLen + enc.length);
    dtls.bytesSent += out.length;
    dtls.packetsSent++;
    this.sendDatagram(dtls.iceTransport.connection, out);
  }

  /**
   * werift's `connection.send` (consent check, nominated pair, its statistics) without its three
   * promises per packet, for the plain UDP case; TURN and TCP pairs go through werift.
   */
  private sendDatagram(conn: IceConnection, out: Buffer): void {
    const pair = conn.nominated;
    const t = pair?.protocol.transport;
    if (pair !== this.udpPair) {
      this.udpPair = pair;
      this.udpPairOk = !!pair && pair.protocol.type === 'stun' && t?.type === 'udp' && !!t.socket && isIP(pair.remoteCandidate.host) !== 0;
    }
    if (!pair || !t?.socket || !this.udpPairOk) {
      conn.send(out).catch(noop);
      return;
    }
    if (t.closed || !conn.canSendApplicationData()) return;
    t.socket.send(out, pair.remoteCandidate.port, pair.remoteCandidate.host);
    pair.packetsSent++;
    pair.bytesSent += out.length;
  }

  private prepareExtensions(list: ReadonlyArray<{ id: number; uri: string }>): boolean {
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
    pairs.sort((a, b) => a[0] - b[0]);
    const mid = (this.sender as unknown as SenderInternals).mid ?? '';
    if (mid.length > 16) return false;
    this.midBytes = Buffer.from(mid);
    this.midSource = (this.sender as unknown as SenderInternals).mid;
    this.extIds = pairs.map((x) => x[0]);
    this.extKinds = pairs.map((x) => x[1]);
    this.extSource = list;
    return true;
  }
}

/** Epoch milliseconds → 64-bit NTP timestamp (RFC 5905). */
export function ntpOfMs(ms: number): bigint {
  const sec = Math.floor(ms / 1000);
  const frac = Math.floor(((ms - sec * 1000) / 1000) * 4294967296);
  return (BigInt(sec + NTP_EPOCH_OFFSET) << 32n) | BigInt(frac >>> 0);
}
