import type { RTCDtlsTransport, RTCRtpSender } from 'werift';
import { everySecond } from '../second-ticker';
import { overrideSenderNtp, sendRawRtcp, senderDtls, senderState, type SenderState } from '../werift-adapter/media';
import type { OutPacket } from './out-packet';

/** Seconds between 1900-01-01 (NTP) and 1970-01-01 (Unix). */
const NTP_EPOCH_OFFSET = 2208988800;

/**
 * Outbound stage 3: keeps werift's RTCRtpSender counters current for what our chain sends (its
 * getStats, RTX numbering and RTT from receiver reports read them), and sends the sender reports
 * (SR + SDES CNAME, RFC 3550 6.4.1) once a second on the thread's shared ticker instead of
 * werift's loop (a timer, an AbortSignal and a promise chain per sending stream). werift's own
 * sendRtp computes an NTP time per packet; here it is computed when a report reads it.
 */
export class SenderReports {
  private readonly s: SenderState;
  /** Epoch ms of the last packet sent. */
  private lastSendMs = 0;
  private ntpOverride?: bigint;
  private stopReports?: () => void;

  constructor(private readonly sender: RTCRtpSender) {
    this.s = senderState(sender);
    overrideSenderNtp(
      sender,
      () => this.ntpOverride ?? ntpOfMs(this.lastSendMs),
      (v) => (this.ntpOverride = v),
    );
  }

  sent(p: OutPacket): void {
    const s = this.s;
    s.sequenceNumber = p.seq;
    s.timestamp = p.ts;
    s.rtpTimestamp = p.ts;
    this.lastSendMs = p.nowMs;
    this.ntpOverride = undefined;
    s.octetCount += p.length - p.headerLength;
    s.headerBytesSent += p.headerLength;
    s.packetCount = (s.packetCount + 1) >>> 0;
    if (!this.stopReports) {
      // werift's loop must not start as well (it starts when rtcpRunning is false)
      s.rtcpRunning = true;
      this.stopReports = everySecond.add(() => this.report());
    }
  }

  /** One SR (+ SDES CNAME when the sender has one), as werift's loop would have sent it. */
  private report(): void {
    const s = this.s;
    const dtls = senderDtls(this.sender);
    if (s.stopped || dtls.state === 'closed' || dtls.state === 'failed') {
      this.stopReports?.();
      return;
    }
    const ntp = s.ntpTimestamp;
    const cname = s.cname ? Buffer.from(s.cname) : undefined;
    // SDES chunk: SSRC, CNAME item (type, length, text), a null item, padded to 32 bits
    const sdesLength = cname ? 8 + ((2 + cname.length + 1 + 3) & ~3) : 0;
    const b = Buffer.alloc(28 + sdesLength);
    b[0] = 0x80;
    b[1] = 200;
    b.writeUInt16BE(6, 2);
    b.writeUInt32BE(s.ssrc >>> 0, 4);
    b.writeBigUInt64BE(ntp, 8);
    b.writeUInt32BE(s.rtpTimestamp >>> 0, 16);
    b.writeUInt32BE(s.packetCount >>> 0, 20);
    b.writeUInt32BE(s.octetCount >>> 0, 24);
    if (cname) {
      b[28] = 0x81;
      b[29] = 202;
      b.writeUInt16BE(sdesLength / 4 - 1, 30);
      b.writeUInt32BE(s.ssrc >>> 0, 32);
      b[36] = 1;
      b[37] = cname.length;
      cname.copy(b, 38);
    }
    // what werift's receiver-report handling reads to compute the round-trip time
    s.lastSRtimestamp = Number((ntp >> 16n) & 0xffffffffn);
    s.lastSentSRTimestamp = Date.now() / 1000;
    sendRawRtcp(dtls as unknown as RTCDtlsTransport, b);
  }

  retransmitted(headerLength: number, payloadLength: number): void {
    const s = this.s;
    s.retransmittedBytesSent += payloadLength;
    s.retransmittedPacketsSent++;
    s.headerBytesSent += headerLength;
  }
}

/** Epoch milliseconds → 64-bit NTP timestamp (RFC 5905). */
export function ntpOfMs(ms: number): bigint {
  const sec = Math.floor(ms / 1000);
  const frac = Math.floor(((ms - sec * 1000) / 1000) * 4294967296);
  return (BigInt(sec + NTP_EPOCH_OFFSET) << 32n) | BigInt(frac >>> 0);
}
