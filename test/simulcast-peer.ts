import 'reflect-metadata';
import {
  PictureLossIndication,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  useAbsSendTime,
  useNACK,
  usePLI,
  useREMB,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  type RtpPacket,
} from 'werift';
import { parseVp8, Vp8Descriptor } from '../core/plugin-api';
import { Vp8Encoding } from './simulcast-support';
import { startMediaServer, type MediaServer } from './media-support';
import { loopbackPeer } from './support/peer';

/**
 * Network side of the simulcast tests: a server (no_media_timer 1) and a werift peer that
 * publishes three VP8 encodings the way browsers do (rids, or an SSRC-group SIM), answering
 * the server's keyframe requests, and records what comes back.
 */
export function startSimulcastServer(janusExtra: Record<string, string | number | boolean> = {}): Promise<MediaServer> {
  return startMediaServer({ 'media.no_media_timer': 1, ...janusExtra });
}

/** A werift peer with the header extensions simulcast needs (tooling.md §2). */
export function simulcastClient(rtx = false, codec = 'VP8'): RTCPeerConnection {
  const video = [new RTCRtpCodecParameters({ mimeType: `video/${codec}`, clockRate: 90000, rtcpFeedback: [useNACK(), usePLI(), useREMB()] })];
  if (rtx) video.push(new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000 }));
  return loopbackPeer({
    codecs: { audio: [], video },
    headerExtensions: { audio: [], video: [useSdesMid(), useSdesRTPStreamId(), useRepairedRtpStreamId(), useAbsSendTime()] },
  });
}

export interface Echoed {
  at: number;
  seq: number;
  ts: number;
  ssrc: number;
  /** Substream the packet was sent on (the publisher tags payloads). */
  substream: number;
  pictureId: number;
  tl0: number;
  tid: number;
  frameStart: boolean;
  keyframe: boolean;
}

/**
 * Publishes three synthetic VP8 encodings on the connected `pc` (30 fps, 2 packets per frame)
 * straight through its DTLS transport, as a browser's simulcast sender would: one SSRC per
 * encoding, tagged with rid (and mid) header extensions, or plain SSRCs for SSRC-group SIM.
 */
export class SimulcastPublisher {
  readonly enc: Vp8Encoding[];
  readonly sending = [true, true, true];
  readonly echoed: Echoed[] = [];
  plis = 0;
  frames = 0;
  /** Extra packets to send once on the next tick (bad input). */
  readonly extra: Array<{ payload: Buffer; ssrc: number; rid?: string; enc?: Vp8Encoding }> = [];
  private timer?: NodeJS.Timeout;
  private readonly d = new Vp8Descriptor();
  private readonly dtls;
  private readonly ext: { mid: number; rid: number; rrid: number };
  /** Send every `every`-th packet of `substream` only as an RTX retransmission (on `ssrc`). */
  repair?: { substream: number; every: number; ssrc: number; pt: number };
  repaired = 0;
  private rtxSeq = 100;
  private count = 0;

  constructor(
    readonly pc: RTCPeerConnection,
    readonly mid: string,
    readonly pt: number,
    readonly rids: string[] | undefined,
    ssrcs: number[] = [0x1111, 0x2222, 0x3333],
  ) {
    this.enc = ssrcs.map((ssrc, i) => new Vp8Encoding(ssrc, i, 2, 0, pt));
    this.dtls = pc.dtlsTransports[0];
    const sdp = pc.remoteDescription!.sdp;
    const id = (uri: string) => Number(new RegExp(`a=extmap:(\\d+) ${uri.replace(/[.]/g, '\\.')}`).exec(sdp)?.[1] ?? -1);
    this.ext = {
      mid: id('urn:ietf:params:rtp-hdrext:sdes:mid'),
      rid: id('urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id'),
      rrid: id('urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id'),
    };
    this.dtls.onRtp.subscribe((rtp: RtpPacket) => this.received(rtp));
    this.dtls.onRtcp.subscribe((rtcp: unknown) => {
      const fb = (rtcp as { feedback?: unknown }).feedback;
      if (fb instanceof PictureLossIndication) {
        this.plis++;
        for (const e of this.enc) e.keyframeNext = true;
      }
    });
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), 33);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.frames++;
    for (const e of this.enc) {
      if (!this.sending[e.substream]) continue;
      const rid = this.rids ? this.rids[this.rids.length - 1 - e.substream] : undefined;
      for (const p of e.nextFrame(this.frames).packets) {
        const r = this.repair;
        if (r && r.substream === e.substream && ++this.count % r.every === 0) this.sendRtx(p, r.ssrc, r.pt, rid);
        else this.send(p, e.ssrc, rid);
      }
    }
    for (const x of this.extra.splice(0)) {
      // in sequence with the encoding it claims to belong to
      if (x.enc) x.payload.writeUInt16BE((x.enc.seq = (x.enc.seq + 1) & 0xffff) - 1 & 0xffff, 2);
      this.send(x.payload, x.ssrc, x.rid);
    }
  }

  /** The packet only as its RFC 4588 retransmission: original sequence number, then the payload. */
  private sendRtx(packet: Buffer, ssrc: number, pt: number, rrid?: string): void {
    const rtx = Buffer.alloc(packet.length + 2);
    packet.copy(rtx, 0, 0, 12);
    rtx[1] = (packet[1] & 0x80) | pt;
    rtx.writeUInt16BE(this.rtxSeq++ & 0xffff, 2);
    packet.copy(rtx, 12, 2, 4);
    packet.copy(rtx, 14, 12);
    this.repaired++;
    this.send(rtx, ssrc, undefined, rrid);
  }

  /** Send one RTP packet (header and payload as built by the synthetic encoder). */
  send(packet: Buffer, ssrc: number, rid?: string, rrid?: string): void {
    const extensions: Array<{ id: number; payload: Buffer }> = [];
    if (this.ext.mid > 0) extensions.push({ id: this.ext.mid, payload: Buffer.from(this.mid) });
    if (rid !== undefined && this.ext.rid > 0) extensions.push({ id: this.ext.rid, payload: Buffer.from(rid) });
    if (rrid !== undefined && this.ext.rrid > 0) extensions.push({ id: this.ext.rrid, payload: Buffer.from(rrid) });
    const header = new RtpHeader({
      payloadType: packet[1] & 0x7f, marker: (packet[1] & 0x80) !== 0, sequenceNumber: packet.readUInt16BE(2), timestamp: packet.readUInt32BE(4), ssrc,
      extension: extensions.length > 0, extensions,
    });
    void this.dtls.sendRtp(packet.subarray(12), header);
  }

  private received(rtp: RtpPacket): void {
    const payload = rtp.payload;
    if (rtp.header.payloadType !== this.pt) return;
    parseVp8(payload, 0, payload.length, this.d);
    this.echoed.push({
      at: Date.now(), seq: rtp.header.sequenceNumber, ts: rtp.header.timestamp, ssrc: rtp.header.ssrc, substream: payload.length > 7 ? payload[7] : -1,
      pictureId: this.d.pictureId, tl0: this.d.tl0PicIdx, tid: this.d.tid, frameStart: this.d.frameStart, keyframe: this.d.keyframe,
    });
  }
}

export async function gatheredPc(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const sub = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') {
        sub.unSubscribe();
        resolve();
      }
    });
  });
}
