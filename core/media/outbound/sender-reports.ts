import type { RTCRtpSender } from 'werift';
import { overrideSenderNtp, senderState, type SenderState } from '../werift-adapter/media';
import type { OutPacket } from './out-packet';

/** Seconds between 1900-01-01 (NTP) and 1970-01-01 (Unix). */
const NTP_EPOCH_OFFSET = 2208988800;
const noop = () => undefined;

/**
 * Outbound stage 3: keeps werift's RTCRtpSender counters current for what our chain sends, so its
 * sender reports (SR: RTP/NTP time, packet and octet counts), getStats and RTX numbering stay
 * right. werift's own sendRtp computes an NTP time per packet; here it is computed when a report
 * reads it.
 */
export class SenderReports {
  private readonly s: SenderState;
  /** Epoch ms of the last packet sent. */
  private lastSendMs = 0;
  private ntpOverride?: bigint;

  constructor(sender: RTCRtpSender) {
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
    if (!s.rtcpRunning) s.runRtcp().catch(noop);
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
