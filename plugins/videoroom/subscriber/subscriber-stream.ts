import {
  RtpSwitchingContext,
  SimulcastContext,
  SvcContext,
  type DataPacket,
  type JsonObject,
  type MediaRoute,
  type PluginHandle,
  type RouteLayering,
  type RtpPacket,
} from '../../../core/plugin-api';
import type { Publisher } from '../publisher/publisher';
import type { PublisherStream, PublisherStreamSink } from '../publisher/publisher-stream';
import type { StreamType } from '../stream-type';

/** Largest RTP packet relayed (bigger ones are dropped, as a 1500-byte MTU allows no more). */
const MAX_PACKET = 1500;

const noExtensions = {
  audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1,
};

/** A simulcast/SVC layer this m-line relays changed (Janus tells the subscriber with an event). */
export interface LayerChange {
  kind: 'substream' | 'temporal' | 'spatial_layer' | 'temporal_layer';
  layer: number;
}

/** What a subscriber m-line needs of its subscriber (the subscriber implements it). */
export interface SubscriberStreamOwner {
  readonly handle: PluginHandle;
  /** `start`ed and not paused: checked per packet. */
  readonly forwarding: boolean;
  /** Typed change event upward: the subscriber turns it into Janus's event. */
  layerChanged(stream: SubscriberStream, change: LayerChange): void;
}

/** Simulcast/SVC targets a subscriber asks for (request field names; absent = unchanged). */
export interface PreferredLayers {
  substream?: number;
  temporal?: number;
  spatial_layer?: number;
  temporal_layer?: number;
  /** Simulcast drop-down timer (µs). */
  fallback?: number;
}

/**
 * One m-line of a subscriber's PeerConnection. Audio/video m-lines have one source (a publisher
 * stream) that `switch` can change; the single data m-line relays every subscribed data source.
 * It owns its buffer and its one rewriter (sequence numbers, timestamps, simulcast/SVC layer choice):
 * a relayed packet is copied once into the buffer and its header written there, once.
 */
export class SubscriberStream implements PublisherStreamSink {
  private src?: PublisherStream;
  private pub?: Publisher;
  /** Data m-line: the publishers whose data channel messages are relayed here. */
  private readonly dataFrom = new Set<Publisher>();
  /** Relay this m-line (`send` of configure/subscribe; 0.x audio/video/data flags). */
  private sending = true;
  crossrefid?: string;
  minDelay = -1;
  maxDelay = -1;
  /** Codec the m-line was offered with (a switch must keep it). */
  codec?: string;
  /** What the subscriber asked for (-1 = not set). */
  private readonly prefs = { substream: -1, temporal: -1, spatial_layer: -1, temporal_layer: -1, fallback: -1 };
  /** Layer selection for a simulcast source, or for a VP9 SVC source (video_svc rooms). */
  private sim?: SimulcastContext;
  private svc?: SvcContext;
  /** Sequence/timestamp continuity across source changes (shared with the layer contexts). */
  private readonly ctx = new RtpSwitchingContext();
  private clockRate: number;
  /** The m-line's own copy of the packet being relayed. */
  private readonly buf = Buffer.allocUnsafe(MAX_PACKET);
  /** Reused for every relayed packet: the hot path allocates nothing. */
  private readonly out: RtpPacket;
  /**
   * The core's media route into this m-line, when the media stack has routes: a source that is a
   * publisher's own PeerConnection is then relayed in the media plane (its worker), not here.
   */
  private readonly route?: MediaRoute;
  /** The current source is relayed by `route` (else by `relayRtp` on this thread). */
  private routed = false;

  constructor(
    private readonly owner: SubscriberStreamOwner,
    readonly type: StreamType,
    readonly mindex: number,
    readonly mid: string,
  ) {
    this.clockRate = type === 'audio' ? 48000 : 90000;
    this.out = {
      mindex, mid, video: type === 'video', buffer: this.buf, length: 0, substream: 0, extensions: noExtensions,
    };
    if (type !== 'data') {
      this.route = owner.handle.openRoute?.({ mindex, mid, kind: type }, {
        layerChanged: (kind, layer) => this.owner.layerChanged(this, { kind, layer }),
        keyframeNeeded: () => this.requestKeyframe(),
      });
    }
  }

  /** The publisher stream feeding this m-line; undefined = inactive (port 0). */
  get source(): PublisherStream | undefined {
    return this.src;
  }

  get publisher(): Publisher | undefined {
    return this.pub;
  }

  get dataSources(): ReadonlySet<Publisher> {
    return this.dataFrom;
  }

  get active(): boolean {
    return this.type === 'data' ? this.dataFrom.size > 0 : this.src !== undefined;
  }

  get send(): boolean {
    return this.sending;
  }

  /** Turn relaying on or off; turning it on starts a new segment (and, with `keyframe`, asks for one). */
  setSend(send: boolean, keyframe = false): void {
    const resumed = send && !this.sending;
    this.sending = send;
    this.sourceGateChanged();
    if (resumed) {
      this.newSegment();
      if (keyframe) this.requestKeyframe();
    }
  }

  /** Point this m-line at another publisher stream (subscribe or switch). */
  attach(publisher: Publisher, source: PublisherStream): void {
    this.detach();
    this.pub = publisher;
    this.src = source;
    this.codec = source.codec?.name;
    this.clockRate = source.clockRate;
    this.ctx.reset();
    this.sim = undefined;
    this.svc = undefined;
    this.routed = this.route?.setSource({ handle: publisher.handle, mindex: source.mindex, clockRate: source.clockRate, layering: this.layering(source) }) ?? false;
    if (this.routed) {
      source.addSubscriber(this, true);
      this.sourceGateChanged();
      return;
    }
    if (this.type === 'video' && source.simulcast && source.codec) {
      this.sim = new SimulcastContext({ codec: source.codec.name, substreams: source.substreams || 3, clockRate: source.clockRate, rtp: this.ctx });
    } else if (this.type === 'video' && source.svc) {
      this.svc = new SvcContext({ clockRate: source.clockRate, rtp: this.ctx });
    }
    this.applyLayers();
    source.addSubscriber(this);
  }

  detach(): void {
    this.src?.removeSubscriber(this);
    if (this.routed) this.route?.setSource(undefined);
    this.routed = false;
    this.src = undefined;
    this.pub = undefined;
  }

  /** How a route into this m-line picks among the source's layers. */
  private layering(source: PublisherStream): RouteLayering {
    if (this.type === 'video' && source.simulcast && source.codec) return { kind: 'simulcast', codec: source.codec.name, substreams: source.substreams || 3 };
    if (this.type === 'video' && source.svc) return { kind: 'svc' };
    return { kind: 'plain' };
  }

  /**
   * Whether the route relays now: the subscriber forwards (started, not paused), this m-line
   * sends, the source is relayed (not muted, not `send:false`, not disabled) and its publisher is up.
   */
  sourceGateChanged(): void {
    if (!this.routed) return;
    const s = this.src;
    this.route?.setEnabled(this.owner.forwarding && this.sending && !!s && !s.disabled && s.relaying && !!this.pub?.active);
  }

  /** A new segment of the same source (resume): sequence continuity kept. */
  private newSegment(): void {
    if (this.routed) this.route?.reset();
    else this.ctx.reset();
  }

  /** The handle is going away: the route is freed. */
  close(): void {
    this.detachAll();
    this.route?.close();
  }

  addDataSource(p: Publisher, s: PublisherStream): void {
    this.dataFrom.add(p);
    s.addSubscriber(this);
  }

  removeDataSource(p: Publisher): void {
    this.dataFrom.delete(p);
    for (const s of p.streams) if (s.type === 'data') s.removeSubscriber(this);
  }

  /** The publisher went away: drop it as a source. True when this m-line changed. */
  dropPublisher(p: Publisher): boolean {
    if (this.type === 'data') {
      if (!this.dataFrom.has(p)) return false;
      this.removeDataSource(p);
      return true;
    }
    if (this.pub !== p) return false;
    this.detach();
    return true;
  }

  detachAll(): void {
    this.detach();
    for (const p of [...this.dataFrom]) this.removeDataSource(p);
  }

  /** Record what the subscriber asked for; a new substream/spatial layer starts on a keyframe, asked for here. */
  setPreferredLayers(l: PreferredLayers): void {
    for (const k of ['substream', 'temporal', 'spatial_layer', 'temporal_layer', 'fallback'] as const) {
      if (typeof l[k] === 'number') this.prefs[k] = l[k];
    }
    // the route keeps the targets for any later source too
    const routeKeyframe = this.route?.configure(l) ?? false;
    if (this.routed ? routeKeyframe : this.applyLayers()) this.requestKeyframe();
  }

  /** The sender starts a new segment (resume, `start`): continuity kept, keyframe asked for. */
  resume(): void {
    this.newSegment();
    this.sourceGateChanged();
    this.requestKeyframe();
  }

  /** The subscriber's PeerConnection is new: forget sequence state and relayed layers. */
  restart(): void {
    this.ctx.restart();
    this.sim?.reset();
    this.svc?.reset();
    this.route?.restart();
    this.sourceGateChanged();
  }

  /** Ask this m-line's source publisher for a keyframe (video only, if it publishes). */
  requestKeyframe(): void {
    if (this.type === 'video' && this.src && this.pub?.active) this.pub.handle.sendPli(this.src.mindex);
  }

  /** Give the layer contexts the targets. True when the publisher must send a keyframe. */
  private applyLayers(): boolean {
    const p = this.prefs;
    const opt = (v: number) => (v >= 0 ? v : undefined);
    if (this.sim) return this.sim.configure({ substream: opt(p.substream), temporal: opt(p.temporal), fallback: opt(p.fallback) });
    if (this.svc) return this.svc.configure({ spatial_layer: opt(p.spatial_layer), temporal_layer: opt(p.temporal_layer) });
    return false;
  }

  /**
   * Hot path: one packet of the source. The layer contexts (simulcast/SVC) decide on the shared
   * packet; what passes is copied into this m-line's buffer and its header (seq, timestamp, VP8
   * picture ID) written there once. The shared packet is never modified.
   */
  relayRtp(packet: RtpPacket, now: number): void {
    if (!this.owner.forwarding || !this.sending) return;
    const len = packet.length;
    const sim = this.sim;
    const svc = this.svc;
    if (sim !== undefined) {
      const pass = sim.relay(packet.buffer, len, packet.substream, now, this.buf);
      if (sim.needPli || sim.changedSubstream || sim.changedTemporal) this.simulcastNotes(sim);
      if (!pass) return;
    } else if (svc !== undefined) {
      const pass = svc.relay(packet.buffer, len, now, this.buf);
      if (svc.needPli || svc.changedSpatial || svc.changedTemporal) this.svcNotes(svc);
      if (!pass) return;
    } else {
      if (len < 12 || len > MAX_PACKET) return;
      packet.buffer.copy(this.buf, 0, 0, len);
      this.ctx.update(this.buf, this.clockRate, now);
    }
    const out = this.out;
    out.length = len;
    out.substream = packet.substream;
    out.extensions = packet.extensions;
    this.owner.handle.relayRtp(out);
  }

  relayData(packet: DataPacket): void {
    if (this.owner.forwarding && this.sending) this.owner.handle.relayData(packet);
  }

  /** Keyframe request and layer-change events of a simulcast m-line (rare). */
  private simulcastNotes(sim: SimulcastContext): void {
    if (sim.needPli) this.requestKeyframe();
    if (sim.changedSubstream) this.owner.layerChanged(this, { kind: 'substream', layer: sim.substream });
    if (sim.changedTemporal) this.owner.layerChanged(this, { kind: 'temporal', layer: sim.temporal });
  }

  private svcNotes(svc: SvcContext): void {
    if (svc.needPli) this.requestKeyframe();
    if (svc.changedSpatial) this.owner.layerChanged(this, { kind: 'spatial_layer', layer: svc.spatial });
    if (svc.changedTemporal) this.owner.layerChanged(this, { kind: 'temporal_layer', layer: svc.temporal });
  }

  /** SUBSTREAM object of `attached` / `updated` / `switched`. */
  toJson(ready: boolean): JsonObject {
    const j: JsonObject = { type: this.type, active: this.active, mindex: this.mindex, mid: this.mid };
    if (this.crossrefid !== undefined) j.crossrefid = this.crossrefid;
    // Janus resets a stream's ready flag when it loses its source (e.g. the publisher left)
    j.ready = ready && (this.type === 'data' || this.src !== undefined);
    j.send = this.sending;
    if (this.type === 'data') {
      j.sources = this.dataFrom.size;
      j.source_ids = [...this.dataFrom].map((p) => p.id);
      return j;
    }
    const p = this.pub;
    const s = this.src;
    if (p && s) {
      j.feed_id = p.id;
      if (p.display !== undefined) j.feed_display = p.display;
      j.feed_mid = s.mid;
      if (s.description) j.feed_description = s.description;
      if (s.codec) j.codec = s.codec.name;
      if (s.h264Profile) j['h264-profile'] = s.h264Profile;
      if (s.vp9Profile) j['vp9-profile'] = s.vp9Profile;
      if (this.minDelay >= 0 || this.maxDelay >= 0) j['playout-delay'] = { 'min-delay': this.minDelay, 'max-delay': this.maxDelay };
      const layers = this.routed ? this.route?.describe() : (this.sim ?? this.svc)?.describe();
      if (layers && this.type === 'video' && s.simulcast) j.simulcast = layers;
      else if (layers && this.type === 'video' && s.svc) j.svc = layers;
    }
    return j;
  }
}
