import { SimulcastContext, SvcContext, type JsonObject, type RtpPacket } from '../../core/plugin-api';
import type { Publisher } from './participant/publisher';
import type { PublisherStream, StreamType } from './participant/publisher-stream';
import { RtpSwitchingContext } from './rtp/switching-context';
import type { Subscriber } from './subscriber';

const noExtensions = {
  audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1,
};

/**
 * One m-line of a subscriber's PeerConnection. Audio/video m-lines have one source (a publisher
 * stream) that `switch` can change; the single data m-line relays every subscribed data source.
 */
export class SubscriberStream {
  /** Audio/video: the publisher stream feeding this m-line; undefined = inactive (port 0). */
  source?: PublisherStream;
  publisher?: Publisher;
  /** Data m-line: the publishers whose data channel messages are relayed here. */
  readonly dataSources = new Set<Publisher>();
  send = true;
  crossrefid?: string;
  /** Simulcast/SVC targets (issue 5 picks layers with these; -1 = not set). */
  substream = -1;
  temporal = -1;
  spatialLayer = -1;
  temporalLayer = -1;
  /** Simulcast drop-down timer (µs), -1 = Janus's default. */
  fallback = -1;
  /** Layer selection for a simulcast source, or for a VP9 SVC source (video_svc rooms). */
  sim?: SimulcastContext;
  svcCtx?: SvcContext;
  minDelay = -1;
  maxDelay = -1;
  /** Sequence/timestamp continuity across source changes, and the output buffer. */
  readonly ctx: RtpSwitchingContext;
  /** Reused for every relayed packet: the hot path allocates nothing. */
  readonly out: RtpPacket;
  /** Codec the m-line was offered with (a switch must keep it). */
  codec?: string;

  constructor(
    readonly subscriber: Subscriber,
    readonly type: StreamType,
    readonly mindex: number,
    readonly mid: string,
  ) {
    this.ctx = new RtpSwitchingContext(type === 'audio' ? 48000 : 90000);
    this.out = {
      mindex, mid, video: type === 'video', buffer: this.ctx.buffer, length: 0, substream: 0, extensions: noExtensions,
    };
  }

  get active(): boolean {
    return this.type === 'data' ? this.dataSources.size > 0 : this.source !== undefined;
  }

  /** Point this m-line at another publisher stream (subscribe or switch). */
  attach(publisher: Publisher, source: PublisherStream): void {
    this.detach();
    this.publisher = publisher;
    this.source = source;
    this.codec = source.codec?.name;
    this.ctx.clockRate = source.clockRate;
    this.ctx.reset();
    this.sim = undefined;
    this.svcCtx = undefined;
    if (this.type === 'video' && source.simulcast && source.codec) {
      this.sim = new SimulcastContext({ codec: source.codec.name, substreams: source.substreams || 3, clockRate: source.clockRate });
    } else if (this.type === 'video' && source.svc) {
      this.svcCtx = new SvcContext({ clockRate: source.clockRate });
    }
    this.applyLayers();
    source.addSubscriber(this);
  }

  /**
   * Give the layer contexts the targets the subscriber asked for. True when the publisher must
   * send a keyframe (a new substream/spatial layer only starts on one).
   */
  applyLayers(): boolean {
    let pli = false;
    if (this.sim) {
      pli = this.sim.configure({
        substream: this.substream >= 0 ? this.substream : undefined,
        temporal: this.temporal >= 0 ? this.temporal : undefined,
        fallback: this.fallback >= 0 ? this.fallback : undefined,
      });
    }
    if (this.svcCtx) {
      pli = this.svcCtx.configure({
        spatial_layer: this.spatialLayer >= 0 ? this.spatialLayer : undefined,
        temporal_layer: this.temporalLayer >= 0 ? this.temporalLayer : undefined,
      });
    }
    return pli;
  }

  detach(): void {
    this.source?.removeSubscriber(this);
    this.source = undefined;
    this.publisher = undefined;
  }

  addDataSource(p: Publisher, s: PublisherStream): void {
    this.dataSources.add(p);
    s.addSubscriber(this);
  }

  removeDataSource(p: Publisher): void {
    this.dataSources.delete(p);
    for (const s of p.streams) if (s.type === 'data') s.removeSubscriber(this);
  }

  detachAll(): void {
    this.detach();
    for (const p of [...this.dataSources]) this.removeDataSource(p);
  }

  /** SUBSTREAM object of `attached` / `updated` / `switched`. */
  toJson(ready: boolean): JsonObject {
    const j: JsonObject = { type: this.type, active: this.active, mindex: this.mindex, mid: this.mid };
    if (this.crossrefid !== undefined) j.crossrefid = this.crossrefid;
    j.ready = ready;
    j.send = this.send;
    if (this.type === 'data') {
      j.sources = this.dataSources.size;
      j.source_ids = [...this.dataSources].map((p) => p.id);
      return j;
    }
    const p = this.publisher;
    const s = this.source;
    if (p && s) {
      j.feed_id = p.id;
      if (p.display !== undefined) j.feed_display = p.display;
      j.feed_mid = s.mid;
      if (s.description) j.feed_description = s.description;
      if (s.codec) j.codec = s.codec.name;
      if (s.h264Profile) j['h264-profile'] = s.h264Profile;
      if (s.vp9Profile) j['vp9-profile'] = s.vp9Profile;
      if (this.minDelay >= 0 || this.maxDelay >= 0) j['playout-delay'] = { 'min-delay': this.minDelay, 'max-delay': this.maxDelay };
      if (this.sim) j.simulcast = this.sim.describe();
      if (this.svcCtx) j.svc = this.svcCtx.describe();
    }
    return j;
  }
}
