import { EXT } from '../codecs';
import type { PeerStream } from '../peer-stream';
import type { TwccGenerator } from '../twcc';
import { rawRtpOf } from '../werift-adapter/media';
import type { InboundStage, InPacket } from './in-packet';

/** The decrypted bytes werift parsed the packet from; re-serialised only when werift rebuilt it (RTX). */
export class RawBytesStage implements InboundStage {
  process(p: InPacket): boolean {
    p.buffer = rawRtpOf(p.rtp) ?? p.rtp.serialize();
    return true;
  }
}

/** Which simulcast substream the packet belongs to (by rid, else by SSRC), and its SSRC. */
export class SubstreamStage implements InboundStage {
  process(p: InPacket): boolean {
    const s = p.stream;
    const ssrc = p.rtp.header.ssrc;
    const sub = p.rid ? s.substreamOfRid(p.rid) : s.substreamOfSsrc(ssrc);
    p.substream = sub;
    s.peerSsrc[sub] = ssrc;
    return true;
  }
}

/** Janus's `stats.in` counters and the last-received time the no-media monitor reads. */
export class InCountersStage implements InboundStage {
  process(p: InPacket): boolean {
    const c = p.stream.in;
    const n = p.buffer.length;
    c.packets++;
    c.bytes += n;
    c.bytesSec += n;
    p.stream.lastRecv[p.substream] = Date.now();
    return true;
  }
}

/**
 * The SSRC our TWCC feedback names (twcc.ts). The arrivals themselves are taken earlier, in
 * werift's receiver (werift-adapter/media.ts takeOverWeriftTwcc): padding-only packets never get here.
 */
export class TwccStage implements InboundStage {
  constructor(private readonly twcc: () => TwccGenerator | undefined) {}

  process(p: InPacket): boolean {
    this.twcc()?.source(p.rtp.header.ssrc);
    return true;
  }
}

/** First packet of an m-line/substream after silence: the owner sends Janus's `media` event. */
export class ReceivingStage implements InboundStage {
  constructor(private readonly receiving: (s: PeerStream, substream: number) => void) {}

  process(p: InPacket): boolean {
    const s = p.stream;
    if (!s.receiving[p.substream]) {
      s.receiving[p.substream] = true;
      this.receiving(s, p.substream);
    }
    return true;
  }
}

/** The header extensions plugins read (audio level, video orientation, playout delay). */
export class ExtensionsStage implements InboundStage {
  process(p: InPacket): boolean {
    const e = p.extensions;
    e.audioLevel = -1;
    e.audioLevelVad = false;
    e.videoRotation = -1;
    e.videoBackCamera = false;
    e.videoFlipped = false;
    e.minDelay = -1;
    e.maxDelay = -1;
    const ext = p.ext;
    if (!ext) return true;
    const al = ext[EXT.audioLevel] as { v: boolean; level: number } | undefined;
    if (al) {
      e.audioLevel = al.level;
      e.audioLevelVad = al.v;
    }
    const vo = ext[EXT.videoOrientation] as { c: number; f: number; r1: number; r0: number } | undefined;
    if (vo) {
      e.videoRotation = ((vo.r1 << 1) | vo.r0) * 90;
      e.videoBackCamera = vo.c === 1;
      e.videoFlipped = vo.f === 1;
    }
    const pd = ext[EXT.playoutDelay] as Buffer | undefined;
    if (pd && pd.length >= 3) {
      e.minDelay = (pd[0] << 4) | (pd[1] >> 4);
      e.maxDelay = ((pd[1] & 0x0f) << 8) | pd[2];
    }
    return true;
  }
}

/** The last stage: the packet as the plugin API describes it, to the owner (then the plugin). */
export class DeliverStage implements InboundStage {
  constructor(private readonly deliver: (p: InPacket) => void) {}

  process(p: InPacket): boolean {
    const out = p.plugin;
    const s = p.stream;
    out.mindex = s.mindex;
    out.mid = s.mid;
    out.video = s.video;
    out.buffer = p.buffer;
    out.length = p.buffer.length;
    out.substream = p.substream;
    this.deliver(p);
    return true;
  }
}
