import type { RTCRtpTransceiver } from 'werift';
import { receiveStats, senderState } from './werift-adapter/media';

/** What the scores read of their m-line (a PeerStream; structural, so no import cycle). */
export interface QualitySource {
  readonly transceiver?: RTCRtpTransceiver;
  readonly peerSsrc: readonly number[];
  readonly codec?: { clockRate: number };
  readonly out: { packets: number };
  readonly lostByRemote: number;
}

/**
 * One step of a link-quality score (0-100) as Janus reports them: the share of the interval's
 * expected packets that was not lost, smoothed so one bad second does not read as a dead link.
 * It drops faster than it recovers. 0 until packets were expected (Janus's value before media).
 */
export function qualityStep(last: number, lost: number, expected: number): number {
  if (expected <= 0) return last;
  const q = 100 * (1 - Math.min(Math.max(lost, 0), expected) / expected);
  if (last === 0) return q;
  const alpha = q < last ? 0.5 : 0.25;
  return last + alpha * (q - last);
}

/**
 * The `rtcp` figures of one m-line's main stream that Janus derives from RTP and RTCP: local
 * loss and jitter (werift's receive statistics), and the four link-quality scores
 * (in/out x wire/media: "media" counts what retransmissions repaired as received).
 * Updated once a second by the monitor, off the packet path.
 */
export class LinkQuality {
  inLink = 0;
  inMedia = 0;
  outLink = 0;
  outMedia = 0;
  /** Packets the peer's main stream lost on its way to us (cumulative). */
  lostLocal = 0;
  /** Interarrival jitter of the peer's main stream, in ms. */
  jitterLocalMs = 0;
  private prevExpected = -1;
  private prevReceived = 0;
  private prevRtx = 0;
  private prevSent = 0;
  private prevLostByRemote = 0;
  private prevRetransmitted = 0;

  update(s: QualitySource): void {
    const t = s.transceiver;
    if (!t) return;
    this.updateIn(s);
    // what we send: loss as the peer's receiver reports tell (after repair), plus what we resent
    const sent = s.out.packets;
    const retransmitted = senderState(t.sender).retransmittedPacketsSent ?? 0;
    const dSent = sent - this.prevSent;
    const dLost = s.lostByRemote - this.prevLostByRemote;
    const dRetransmitted = retransmitted - this.prevRetransmitted;
    this.prevSent = sent;
    this.prevLostByRemote = s.lostByRemote;
    this.prevRetransmitted = retransmitted;
    this.outMedia = qualityStep(this.outMedia, dLost, dSent);
    this.outLink = qualityStep(this.outLink, dLost + dRetransmitted, dSent);
  }

  private updateIn(s: QualitySource): void {
    const ssrc = s.peerSsrc[0];
    if (!ssrc) return;
    const { main: st, rtxReceived: rtx } = receiveStats(s.transceiver!.receiver, ssrc);
    if (!st) return;
    const clockRate = s.codec?.clockRate ?? 0;
    this.jitterLocalMs = clockRate > 0 ? Math.floor(st.jitter / (clockRate / 1000)) : 0;
    this.lostLocal = Math.max(0, st.packets_lost);
    const expected = st.packets_expected;
    if (this.prevExpected < 0) {
      // first look: the interval starts now
      this.prevExpected = expected - st.packets_received;
      this.prevReceived = 0;
      this.prevRtx = 0;
    }
    const dExpected = expected - this.prevExpected;
    const dReceived = st.packets_received - this.prevReceived;
    const dRtx = rtx - this.prevRtx;
    this.prevExpected = expected;
    this.prevReceived = st.packets_received;
    this.prevRtx = rtx;
    // on the wire: original packets missing; for the media: still missing after RTX repairs
    this.inLink = qualityStep(this.inLink, dExpected - dReceived, dExpected);
    this.inMedia = qualityStep(this.inMedia, dExpected - dReceived - dRtx, dExpected);
  }
}
