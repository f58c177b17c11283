import { performance } from 'node:perf_hooks';
import type { RTCRtpSender } from 'werift';
import type { RtpExtensions } from '../plugin-api';
import { HeaderWriter } from './outbound/header-writer';
import { NackHistory } from './outbound/nack-history';
import { OutPacket } from './outbound/out-packet';
import { SenderReports } from './outbound/sender-reports';
import { SrtpSend } from './outbound/srtp-send';
import { senderDtls, senderState, type DtlsState, type SenderState } from './werift-adapter/media';

export { ntpOfMs } from './outbound/sender-reports';

/**
 * The outbound chain of one m-line (Janus's `janus_ice_relay_rtp` + `janus_ice_send_rtp` for one
 * medium), each stage a unit in core/media/outbound/:
 *
 *   plugin packet → HeaderWriter.parse → NackHistory.reserve → HeaderWriter.write
 *                 → SenderReports.sent → NackHistory.commit → SrtpSend.send → socket
 *
 * The plugin's packet is read during the call only; its sequence number and timestamp go out
 * unchanged (the plugin rewrote them once per subscriber stream); the core sets only its SSRC,
 * payload type and header extensions. The one copy of the payload is into the history slot that
 * keeps the packet for NACKs. Returns false when the chain cannot send this packet (another SRTP
 * profile, RED, two-byte extension ids): the caller then goes through werift's `sendRtp`.
 */
export class RtpOut {
  private readonly header = new HeaderWriter();
  private readonly history = new NackHistory();
  private readonly reports: SenderReports;
  private srtp: SrtpSend;
  private readonly pkt = new OutPacket();
  private readonly s: SenderState;
  private dtls: DtlsState;
  private readonly nextTwcc = () => (this.dtls.transportSequenceNumber = (this.dtls.transportSequenceNumber + 1) & 0xffff);

  constructor(readonly sender: RTCRtpSender) {
    this.s = senderState(sender);
    this.dtls = senderDtls(sender);
    this.reports = new SenderReports(sender);
    this.srtp = new SrtpSend(this.dtls);
  }

  /** Send one packet (`length` bytes of `buf`); false if the caller must use werift's path. */
  send(buf: Buffer, length: number, e: RtpExtensions, headerExtensions: ReadonlyArray<{ id: number; uri: string }>): boolean {
    const s = this.s;
    this.followDtls();
    if (this.dtls.state !== 'connected' || !s.codec) return true;
    if (!this.srtp.supported() || s.redRedundantPayloadType) return false;
    if (!this.header.prepare(headerExtensions, s.mid)) return false;
    const p = this.pkt;
    p.src = buf;
    p.srcLength = length;
    p.ext = e;
    const ok = this.header.parse(p);
    if (ok) {
      p.nowMs = performance.timeOrigin + performance.now();
      this.history.reserve(p, this.header.maxLength(p));
      this.header.write(p, s.ssrc, s.codec.payloadType, this.nextTwcc);
      this.reports.sent(p);
      this.history.commit(p);
      this.srtp.send(p.out, p.headerLength, p.length, s.ssrc, p.seq);
    }
    // never keep the plugin's buffer past the call
    p.src = p.out = EMPTY;
    return true;
  }

  /** Retransmit what a NACK asks for (RTX-wrapped when the peer negotiated RTX); returns how many. */
  retransmit(seqs: number[]): number {
    const s = this.s;
    this.followDtls();
    if (this.dtls.state !== 'connected' || !this.srtp.supported()) return 0;
    let sent = 0;
    for (const seq of seqs) {
      const c = this.history.find(seq);
      if (!c) continue;
      const cc = c[0] & 0x0f;
      let hl = 12 + cc * 4;
      if (c[0] & 0x10) hl += 4 + c.readUInt16BE(hl + 2) * 4;
      if (s.rtxPayloadType === undefined) {
        this.srtp.resend(c, hl, c.length, s.ssrc, seq);
      } else {
        // RFC 4588: RTX payload type, SSRC and sequence, original sequence number before the payload
        const rtxSeq = s.rtxSequenceNumber;
        s.rtxSequenceNumber = (rtxSeq + 1) & 0xffff;
        const r = Buffer.allocUnsafe(c.length + 2);
        c.copy(r, 0, 0, hl);
        r[1] = (c[1] & 0x80) | (s.rtxPayloadType & 0x7f);
        r.writeUInt16BE(rtxSeq, 2);
        r.writeUInt32BE(s.rtxSsrc >>> 0, 8);
        r.writeUInt16BE(seq, hl);
        c.copy(r, hl + 2, hl);
        this.srtp.sendRtx(r, hl, r.length, s.rtxSsrc, rtxSeq);
      }
      this.reports.retransmitted(hl, c.length - hl);
      sent++;
    }
    return sent;
  }

  /** werift may give the sender another DTLS transport: a new SRTP session, new rollover counters. */
  private followDtls(): void {
    const d = senderDtls(this.sender);
    if (d === this.dtls) return;
    this.dtls = d;
    this.srtp = new SrtpSend(d);
  }
}

const EMPTY = Buffer.alloc(0);
