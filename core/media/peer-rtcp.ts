import type { RTCPeerConnection, RTCRtpTransceiver } from 'werift';
import { RtcpWalker, type RtcpPacket } from '../plugin-api';
import { EXT } from './codecs';
import type { PeerListener } from './peer-listener';
import type { PeerStream } from './peer-stream';
import { buildFir, buildPli, buildRemb } from './rtcp-build';
import { TwccGenerator } from './twcc';
import { rtcpFields, sendRawRtcp } from './werift-adapter/media';

/** What the RTCP unit reads of its PeerConnection. */
export interface RtcpHost {
  readonly pc: RTCPeerConnection;
  readonly streams: PeerStream[];
  readonly ready: boolean;
  readonly isClosed: boolean;
  streamOf(t: RTCRtpTransceiver): PeerStream | undefined;
}

/**
 * A PeerConnection's RTCP (Janus's RTCP half of ice.c): figures from the peer's reports for
 * stats, every compound to the plugin, the plugin's feedback re-addressed (only keyframe requests
 * and REMB pass: the core owns SR/RR), PLI/FIR/REMB from the core, and our TWCC feedback.
 */
export class PeerRtcp {
  private firSeq = 0;
  private readonly walker = new RtcpWalker();
  private twccGen?: TwccGenerator;

  constructor(
    private readonly host: RtcpHost,
    private readonly listener: PeerListener,
    /** Janus `twcc_period` (ms); 0 disables transport-wide congestion control. */
    private readonly twccPeriod: number,
  ) {}

  get twcc(): TwccGenerator | undefined {
    return this.twccGen;
  }

  /** A compound werift parsed from the peer (one call per RTCP packet in it). */
  incoming(t: RTCRtpTransceiver, rtcp: { serialize(): Buffer; type: number }): void {
    const s = this.host.streamOf(t);
    if (!s || this.host.isClosed) return;
    s.rtcpReceived++;
    const r = rtcpFields(rtcp);
    if (r.reports) {
      for (const rep of r.reports) {
        if (rep.ssrc === t.sender.ssrc) {
          s.lostByRemote = rep.packetsLost;
          s.jitterRemote = rep.jitter;
        }
      }
    }
    if (r.type === 206 && r.feedback?.bitrate !== undefined) s.rembBitrate = Number(r.feedback.bitrate);
    if (!this.listener.wantsRtcp(r.type)) return;
    let buf: Buffer;
    try {
      buf = rtcp.serialize();
    } catch {
      return;
    }
    this.listener.rtcp({ mindex: s.mindex, video: s.video, buffer: buf, length: buf.length });
  }

  /** The plugin's RTCP for this peer: keyframe requests and REMB, re-addressed by the core. */
  relay(packet: RtcpPacket): void {
    const s = this.host.streams[packet.mindex];
    if (!s || !this.host.ready) return;
    const w = this.walker.reset(packet.buffer, packet.length);
    while (w.next()) {
      if (w.isKeyframeRequest) this.sendPli(s.mindex);
      else {
        const remb = w.remb;
        if (remb >= 0) this.sendRemb(remb);
      }
    }
  }

  sendPli(mindex?: number): void {
    if (!this.host.ready) return;
    for (const s of this.host.streams) {
      if (!s || !s.video || (mindex !== undefined && s.mindex !== mindex) || !s.transceiver) continue;
      const sender = s.transceiver.sender.ssrc;
      const pkts: Buffer[] = [];
      for (let i = 0; i < 3; i++) {
        if (!s.peerSsrc[i]) continue;
        // FIR for peers that only announced ccm fir, PLI otherwise (Janus sends both as needed)
        pkts.push(buildPli(sender, s.peerSsrc[i]));
        if (s.codec?.rtcpFb?.some((f) => f === 'ccm fir')) pkts.push(buildFir(sender, s.peerSsrc[i], this.firSeq++));
      }
      if (pkts.length) this.sendRaw(Buffer.concat(pkts));
    }
  }

  sendRemb(bitrate: number): void {
    if (!this.host.ready) return;
    const ssrcs: number[] = [];
    let sender = 1;
    for (const s of this.host.streams) {
      if (!s || !s.video || !s.transceiver) continue;
      sender = s.transceiver.sender.ssrc;
      for (const x of s.peerSsrc) if (x) ssrcs.push(x);
    }
    if (ssrcs.length === 0) return;
    this.sendRaw(buildRemb(sender, bitrate, ssrcs));
  }

  /** TWCC feedback when the peer negotiated the transport-cc extension on any m-line. */
  startTwcc(): void {
    if (this.twccPeriod <= 0 || this.twccGen) return;
    const ts = this.host.pc.getTransceivers();
    if (!ts.some((t) => t.headerExtensions.some((e) => e.uri === EXT.twcc))) return;
    this.twccGen = new TwccGenerator((b) => this.sendRaw(b), ts[0].sender.ssrc);
    this.twccGen.start(this.twccPeriod);
  }

  stop(): void {
    this.twccGen?.stop();
  }

  private sendRaw(buf: Buffer): void {
    const dtls = this.host.pc.dtlsTransports[0];
    if (dtls) sendRawRtcp(dtls, buf);
  }
}
