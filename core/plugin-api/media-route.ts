/**
 * Media routes: fan-out the core executes in the media plane. A plugin that relays one handle's
 * m-line to other handles' m-lines (VideoRoom: publisher stream → subscriber streams) can ask the
 * core to do it where the packets are (the media worker threads), instead of receiving every
 * packet in `incomingRtp` and calling `relayRtp` once per subscriber on the main thread. The
 * route applies the same rules a plugin would with `RtpSwitchingContext`, `SimulcastContext` and
 * `SvcContext`: one rewrite per sink, layer choice per sink, sequence continuity across switches.
 * The plugin still gets `incomingRtp` for the source (forwarders, recording, levels).
 */
import type { JsonObject } from './messages';
import type { SimulcastSettings } from './simulcast';
import type { SvcSettings } from './svc';

/** How the sink chooses among the source's layers. */
export type RouteLayering =
  | { readonly kind: 'plain' }
  /** The source simulcasts `substreams` encodings of `codec` (the core tags each packet's substream). */
  | { readonly kind: 'simulcast'; readonly codec: string; readonly substreams: number }
  /** The source sends VP9 SVC (the dependency descriptor / VP9 descriptor decides). */
  | { readonly kind: 'svc' };

/** Where a route takes its packets from. */
export interface RouteSource {
  /** The `PluginHandle` whose PeerConnection receives the stream (another handle of the plugin). */
  readonly handle: { readonly handleId: number };
  readonly mindex: number;
  readonly clockRate: number;
  readonly layering: RouteLayering;
}

/** The sink m-line a plugin opens a route for (on its own handle). */
export interface RouteSinkSpec {
  readonly mindex: number;
  readonly mid: string;
  readonly kind: 'audio' | 'video';
}

/** Simulcast and SVC targets (request field names, as `SimulcastSettings` / `SvcSettings`). */
export type RouteTargets = SimulcastSettings & SvcSettings;

export type RouteLayerKind = 'substream' | 'temporal' | 'spatial_layer' | 'temporal_layer';

/** What a route tells its plugin (rare events, never per packet). */
export interface RouteListener {
  /** The layer relayed to the sink changed (Janus tells the subscriber with an event). */
  layerChanged(kind: RouteLayerKind, layer: number): void;
  /** A layer switch waits for a keyframe: ask the source for one. */
  keyframeNeeded(): void;
}

/** One m-line of a handle fed by the media plane from one source m-line. */
export interface MediaRoute {
  /**
   * Feed from `source` (a new segment: sequence numbers stay continuous for the receiver, layer
   * state starts over), or from nothing. False when the core cannot route from that handle (it
   * has no media in this core, e.g. a plugin's own stand-in): relay on the main thread instead.
   */
  setSource(source: RouteSource | undefined): boolean;
  /** Relay or hold (the plugin's started/paused/send state and the source's mute state together). */
  setEnabled(enabled: boolean): void;
  /** New simulcast/SVC targets; true when the source should send a keyframe now. */
  configure(targets: RouteTargets): boolean;
  /** The sender starts a new segment (resume): continuity kept, layer state kept. */
  reset(): void;
  /** The sink's PeerConnection is new: forget sequence state and relayed layers. */
  restart(): void;
  /** Janus's `simulcast` / `svc` description of the relayed layers, when the source has layers. */
  describe(): JsonObject | undefined;
  /** Stop relaying and free the route. */
  close(): void;
}
