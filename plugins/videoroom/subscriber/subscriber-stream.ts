import {
  LayerRelay,
  type DataPacket,
  type JsonObject,
  type MediaRoute,
  type PluginHandle,
  type RouteLayerKind,
  type RouteLayering,
  type RouteListener,
  type RtpPacket,
} from '../../../core/plugin-api';
import type { Publisher } from '../publisher/publisher';
import type { PublisherStream, PublisherStreamSink } from '../publisher/publisher-stream';
import type { StreamType } from '../stream-type';

/** A simulcast/SVC layer this m-line relays changed (Janus tells the subscriber with an event). */
export interface LayerChange {
  kind: RouteLayerKind;
  layer: number;
}

/** What a subscriber m-line needs of its subscriber (the subscriber implements it). */
export interface SubscriberStreamOwner {
  readonly handle: PluginHandle;
  /** Use core media routes when the core has them (the plugin's `media_routes`). */
  readonly mediaRoutes: boolean;
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
  /** What the subscriber asked for so far (absent: never asked). */
  private readonly prefs: PreferredLayers = {};
  /**
   * The relay on this thread (a source that is not a PeerConnection of this core, e.g. a remote
   * publisher): the m-line's own copy, its one header rewrite, its simulcast/SVC layer choice.
   */
  private readonly layers: LayerRelay;
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
    const notes: RouteListener = {
      layerChanged: (kind, layer) => this.owner.layerChanged(this, { kind, layer }),
      keyframeNeeded: () => this.requestKeyframe(),
    };
    this.layers = new LayerRelay({ mindex, mid, video: type === 'video' }, notes);
    if (type !== 'data' && owner.mediaRoutes) this.route = owner.handle.openRoute?.({ mindex, mid, kind: type }, notes);
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
    const layering = this.layering(source);
    this.routed = this.route?.setSource({ handle: publisher.handle, mindex: source.mindex, clockRate: source.clockRate, layering }) ?? false;
    if (this.routed) {
      source.addSubscriber(this, true);
      this.sourceGateChanged();
      return;
    }
    this.layers.setSource(layering, source.clockRate, this.prefs);
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
    else this.layers.reset();
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
    const localKeyframe = this.layers.configure(this.prefs);
    if (this.routed ? routeKeyframe : localKeyframe) this.requestKeyframe();
  }

  /** The sender starts a new segment (resume, `start`): continuity kept, keyframe asked for. */
  resume(): void {
    this.newSegment();
    this.sourceGateChanged();
    this.requestKeyframe();
  }

  /** The subscriber's PeerConnection is new: forget sequence state and relayed layers. */
  restart(): void {
    this.layers.restart();
    this.route?.restart();
    this.sourceGateChanged();
  }

  /** Ask this m-line's source publisher for a keyframe (video only, if it publishes). */
  requestKeyframe(): void {
    if (this.type === 'video' && this.src && this.pub?.active) this.pub.handle.sendPli(this.src.mindex);
  }

  /**
   * Hot path: one packet of the source. The layer contexts (simulcast/SVC) decide on the shared
   * packet; what passes is copied into this m-line's buffer and its header (seq, timestamp, VP8
   * picture ID) written there once. The shared packet is never modified.
   */
  relayRtp(packet: RtpPacket, now: number): void {
    if (!this.owner.forwarding || !this.sending) return;
    const out = this.layers.relay(packet, now);
    if (out !== undefined) this.owner.handle.relayRtp(out);
  }

  relayData(packet: DataPacket): void {
    if (this.owner.forwarding && this.sending) this.owner.handle.relayData(packet);
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
      const layers = this.routed ? this.route?.describe() : this.layers.describe();
      if (layers && this.type === 'video' && s.simulcast) j.simulcast = layers;
      else if (layers && this.type === 'video' && s.svc) j.svc = layers;
    }
    return j;
  }
}
