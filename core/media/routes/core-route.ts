import {
  LayerRelay,
  type JsonObject,
  type MediaRoute,
  type RouteLayering,
  type RouteListener,
  type RouteSinkSpec,
  type RouteSource,
  type RouteTargets,
} from '../../plugin-api';
import type { RouteNote, RouteState } from './route-sink';

/** A handle of this core as a route end (the core's Handle: its id and media session). */
export interface RouteEnd {
  readonly id: number;
  readonly detached: boolean;
}

/** Where routes run: the main thread's own route table, or the media workers. */
export interface RouteBackend<H extends RouteEnd = RouteEnd> {
  /** The core handle behind a plugin's handle, when routes can take media from it. */
  resolve(handle: RouteSource['handle']): H | undefined;
  /** The route's wanted state changed. */
  update(route: CoreRoute<H>): void;
  command(route: CoreRoute<H>, cmd: 'reset' | 'restart'): void;
  close(route: CoreRoute<H>): void;
}

let nextRouteId = 1;

/**
 * A plugin's media route, on the main thread: the wanted state (source, enabled, targets), sent
 * whole to wherever the route runs, and a mirror of its layer contexts that answers `configure`
 * and `describe` at once (the relayed layers come back as notes).
 */
export class CoreRoute<H extends RouteEnd = RouteEnd> implements MediaRoute {
  readonly id = nextRouteId++;
  source?: { handle: H; mindex: number; clockRate: number; layering: RouteLayering };
  /** Bumped on every `setSource`: a new segment where the route runs. */
  epoch = 0;
  enabled = false;
  /** Every target asked for so far (absent = never set). */
  readonly targets: RouteTargets = {};
  closed = false;
  /** Mirror of the layer state where the route runs (never relays). */
  private readonly mirror: LayerRelay;

  constructor(
    readonly sink: H,
    readonly spec: RouteSinkSpec,
    private readonly listener: RouteListener,
    private readonly backend: RouteBackend<H>,
  ) {
    this.mirror = new LayerRelay({ ...spec, video: spec.kind === 'video' }, { layerChanged() {}, keyframeNeeded() {} });
  }

  setSource(source: RouteSource | undefined): boolean {
    if (this.closed) return false;
    const handle = source ? this.backend.resolve(source.handle) : undefined;
    this.epoch++;
    if (!source || !handle) {
      this.source = undefined;
      this.mirror.setSource({ kind: 'plain' }, 90000, this.targets);
      this.backend.update(this);
      return source === undefined;
    }
    this.source = { handle, mindex: source.mindex, clockRate: source.clockRate, layering: source.layering };
    this.mirror.setSource(source.layering, source.clockRate, this.targets);
    this.backend.update(this);
    return true;
  }

  setEnabled(enabled: boolean): void {
    if (this.closed || enabled === this.enabled) return;
    this.enabled = enabled;
    this.backend.update(this);
  }

  configure(targets: RouteTargets): boolean {
    if (this.closed) return false;
    for (const k of ['substream', 'temporal', 'spatial_layer', 'temporal_layer', 'fallback'] as const) {
      if (typeof targets[k] === 'number') this.targets[k] = targets[k];
    }
    const keyframe = this.mirror.configure(this.targets);
    this.backend.update(this);
    return keyframe;
  }

  reset(): void {
    if (!this.closed) this.backend.command(this, 'reset');
  }

  restart(): void {
    if (this.closed) return;
    this.mirror.restart();
    this.backend.command(this, 'restart');
  }

  describe(): JsonObject | undefined {
    return this.mirror.describe();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.backend.close(this);
  }

  /** A note from where the route runs: mirror the relayed layer, tell the plugin. */
  onNote(n: RouteNote): void {
    if (this.closed) return;
    if (n.kind === 'keyframe') {
      this.listener.keyframeNeeded();
      return;
    }
    this.mirror.relayedLayer(n.kind, n.layer);
    this.listener.layerChanged(n.kind, n.layer);
  }

  /** The state to run, with the keys the backend gives the two handles. */
  state(sinkKey: number, srcKey: number): RouteState {
    const s = this.source;
    return {
      id: this.id,
      sinkKey,
      mindex: this.spec.mindex,
      mid: this.spec.mid,
      video: this.spec.kind === 'video',
      srcKey: s ? srcKey : 0,
      srcMindex: s?.mindex ?? 0,
      epoch: this.epoch,
      clockRate: s?.clockRate ?? (this.spec.kind === 'audio' ? 48000 : 90000),
      layering: s?.layering ?? { kind: 'plain' },
      enabled: this.enabled,
      targets: { ...this.targets },
    };
  }
}
