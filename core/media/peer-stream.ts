import type { RTCRtpTransceiver } from 'werift';
import type { MediaDirection, SdpCodec } from '../plugin-api';
import { LinkQuality } from './link-quality';
import type { RtpOut } from './rtp-out';

/** Per-direction counters of one m-line (Janus's `stats.in`/`stats.out`). */
export class StreamCounters {
  packets = 0;
  bytes = 0;
  nacks = 0;
  retransmissions = 0;
  /** Bytes counted in the current second, and the last complete second. */
  bytesSec = 0;
  bytesLastSec = 0;
  /** Packets counted at the last per-second tick (to compute loss per second). */
  lastTickPackets = 0;
}

/**
 * One negotiated m-line of a handle's PeerConnection (Janus's `janus_ice_peerconnection_medium`):
 * its werift transceiver (none for data), the negotiated codec, SSRCs and the
 * receiving/no-media state per simulcast substream.
 */
export class PeerStream {
  transceiver?: RTCRtpTransceiver;
  direction: MediaDirection = 'sendrecv';
  codec?: SdpCodec;
  rtxPt?: number;
  disabled = false;
  /** Simulcast rids as offered, in SDP order, and how to map them to substreams. */
  rids: string[] = [];
  ridLowFirst = false;
  simSsrcs: number[] = [];
  /** RTX SSRC → the SSRC it repairs (`a=ssrc-group:FID`), for SSRC-based simulcast. */
  rtxSsrcs = new Map<number, number>();
  /** Remote SSRC per substream (0 = lowest), learnt from packets. */
  readonly peerSsrc = [0, 0, 0];
  readonly lastRecv = [0, 0, 0];
  readonly receiving = [false, false, false];
  readonly in = new StreamCounters();
  readonly out = new StreamCounters();
  /** RTCP packets received from the peer (proof it is there, for the consent policy). */
  rtcpReceived = 0;
  msid?: { stream: string; track: string };
  remoteMsid?: { stream: string; track: string };
  /** RTCP figures from reports (for stats/slowlink). */
  lostByRemote = 0;
  jitterRemote = 0;
  rtt = 0;
  rembBitrate = 0;
  /** Local loss/jitter and link-quality scores, updated once a second by the monitor. */
  readonly quality = new LinkQuality();
  /** The sending side's per-packet path (made on the first packet relayed). */
  rtpOut?: RtpOut;

  constructor(
    readonly mindex: number,
    public mid: string,
    readonly kind: 'audio' | 'video' | 'application',
  ) {}

  /** Janus's `rtcp.main` figures (Admin API `handle_info`, event-handler stats); jitter in ms. */
  rtcpMain(): Record<string, number> {
    const q = this.quality;
    const ms = (this.codec?.clockRate ?? 0) / 1000;
    return {
      base: this.codec?.clockRate ?? 0,
      rtt: this.rtt,
      lost: q.lostLocal,
      'lost-by-remote': this.lostByRemote,
      'jitter-local': q.jitterLocalMs,
      'jitter-remote': ms > 0 ? Math.floor(this.jitterRemote / ms) : 0,
      'in-link-quality': Math.round(q.inLink),
      'in-media-link-quality': Math.round(q.inMedia),
      'out-link-quality': Math.round(q.outLink),
      'out-media-link-quality': Math.round(q.outMedia),
    };
  }

  get video(): boolean {
    return this.kind === 'video';
  }

  /** Substream of a packet by rid (Janus numbers 0 = lowest quality). */
  substreamOfRid(rid: string | undefined): number {
    if (!rid || this.rids.length === 0) return 0;
    const i = this.rids.indexOf(rid);
    if (i < 0) return 0;
    return this.ridLowFirst ? i : this.rids.length - 1 - i;
  }

  substreamOfSsrc(ssrc: number): number {
    if (this.simSsrcs.length === 0) return 0;
    const i = this.simSsrcs.indexOf(ssrc);
    return i < 0 ? 0 : i;
  }
}
