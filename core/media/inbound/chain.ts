import type { MediaStreamTrack, RTCRtpTransceiver, RtpPacket as WRtpPacket } from 'werift';
import type { RtpPacket } from '../../plugin-api';
import type { PeerStream } from '../peer-stream';
import type { TwccGenerator } from '../twcc';
import { InPacket, type InboundStage, type ReceivedExtensions } from './in-packet';
import { DeliverStage, ExtensionsStage, InCountersStage, RawBytesStage, ReceivingStage, SubstreamStage, TwccStage } from './stages';

export interface InboundOwner {
  /** The m-line a transceiver belongs to now (undefined while it has none). */
  streamOf(t: RTCRtpTransceiver): PeerStream | undefined;
  twcc(): TwccGenerator | undefined;
  mediaReceiving(s: PeerStream, substream: number): void;
  rtp(packet: RtpPacket): void;
  closed(): boolean;
}

/**
 * The inbound chain of one PeerConnection (Janus's `janus_ice_cb_nice_recv` after SRTP, for RTP):
 * werift has decrypted and routed the packet to a track; from there each stage does one thing:
 *
 *   raw bytes → substream → counters → TWCC source → receiving → extensions → plugin
 *
 * (pion's interceptors are the model: a fixed list of small stages over one packet context.)
 */
export class InboundChain {
  private readonly pkt = new InPacket();
  private readonly stages: InboundStage[];
  private readonly hooked = new WeakSet<MediaStreamTrack>();

  constructor(private readonly owner: InboundOwner) {
    this.stages = [
      new RawBytesStage(),
      new SubstreamStage(),
      new InCountersStage(),
      new TwccStage(() => owner.twcc()),
      new ReceivingStage((s, sub) => owner.mediaReceiving(s, sub)),
      new ExtensionsStage(),
      new DeliverStage((p) => owner.rtp(p.plugin)),
    ];
  }

  /** Feed every packet of this track (once per track) into the chain. */
  attach(t: RTCRtpTransceiver, track: MediaStreamTrack): void {
    if (this.hooked.has(track)) return;
    this.hooked.add(track);
    let stream: PeerStream | undefined;
    track.onReceiveRtp.subscribe((rtp, ext) => {
      if (this.owner.closed()) return;
      if (!stream || stream.transceiver !== t) stream = this.owner.streamOf(t);
      if (!stream) return;
      this.receive(stream, rtp, ext as ReceivedExtensions, track.rid);
    });
  }

  receive(stream: PeerStream, rtp: WRtpPacket, ext: ReceivedExtensions, rid: string | undefined): void {
    const p = this.pkt;
    p.stream = stream;
    p.rtp = rtp;
    p.ext = ext;
    p.rid = rid;
    const stages = this.stages;
    for (let i = 0; i < stages.length; i++) if (!stages[i].process(p)) break;
    // nothing of this packet is kept past the call
    p.rtp = undefined as never;
    p.ext = undefined;
    p.buffer = p.plugin.buffer = EMPTY;
  }
}

const EMPTY = Buffer.alloc(0);
