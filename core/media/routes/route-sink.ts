import { LayerRelay, type RouteLayerKind, type RouteLayering, type RouteTargets, type RtpPacket } from '../../plugin-api';
import type { MediaOutlet } from '../../media-session';

/** Where a sink's packets go: the sink handle's media session (its outlet changes with its PeerConnection). */
export interface SinkTarget {
  readonly out: MediaOutlet;
}

/** A route's whole wanted state, as the core's route object sends it (to a worker: a plain message). */
export interface RouteState {
  id: number;
  /** Sink: the handle's key in this media plane, its m-line. */
  sinkKey: number;
  mindex: number;
  mid: string;
  video: boolean;
  /** Source: key 0 = none. `epoch` changes on every `setSource` (a new segment even for the same source). */
  srcKey: number;
  srcMindex: number;
  epoch: number;
  clockRate: number;
  layering: RouteLayering;
  enabled: boolean;
  targets: RouteTargets;
}

/** What a sink reports (to the route's owner on the main thread). */
export type RouteNote = { id: number; kind: RouteLayerKind; layer: number } | { id: number; kind: 'keyframe' };

/**
 * One route's sink, where the packets are: the sink m-line's `LayerRelay` (one copy, one header
 * rewrite, the layer choice), then straight to the sink handle's outlet.
 */
export class RouteSink {
  state: RouteState;
  private readonly layers: LayerRelay;
  /** The sink handle's media session in this plane (undefined until it is placed here). */
  target?: SinkTarget;

  constructor(state: RouteState, note: (n: RouteNote) => void) {
    this.state = state;
    this.layers = new LayerRelay(state, {
      layerChanged: (kind, layer) => note({ id: this.state.id, kind, layer }),
      keyframeNeeded: () => note({ id: this.state.id, kind: 'keyframe' }),
    });
    this.layers.setSource(state.layering, state.clockRate, state.targets);
  }

  /** Apply a new wanted state; a new source epoch starts a new segment with fresh layer contexts. */
  update(next: RouteState): void {
    const prev = this.state;
    this.state = next;
    if (next.epoch !== prev.epoch) this.layers.setSource(next.layering, next.clockRate, next.targets);
    else this.layers.configure(next.targets);
  }

  /** `reset`: new segment from the same source. */
  reset(): void {
    this.layers.reset();
  }

  /** `restart`: the sink's PeerConnection is new. */
  restart(): void {
    this.layers.restart();
  }

  /** Hot path: one packet of the source. */
  relay(packet: RtpPacket, now: number): void {
    const target = this.target;
    if (!this.state.enabled || target === undefined) return;
    const out = this.layers.relay(packet, now);
    if (out !== undefined) target.out.relayRtp(out);
  }
}
