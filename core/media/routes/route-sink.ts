import {
  RtpSwitchingContext,
  SimulcastContext,
  SvcContext,
  type RouteLayerKind,
  type RouteLayering,
  type RouteTargets,
  type RtpExtensions,
  type RtpPacket,
} from '../../plugin-api';
import type { MediaOutlet } from '../../media-session';

/** Where a sink's packets go: the sink handle's media session (its outlet changes with its PeerConnection). */
export interface SinkTarget {
  readonly out: MediaOutlet;
}

/** Largest RTP packet relayed (a 1500-byte MTU allows no more). */
const MAX_PACKET = 1500;

const NO_EXTENSIONS: RtpExtensions = {
  audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1,
};

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
 * One route's sink, where the packets are: the layer contexts and the one rewrite of a relayed
 * packet for one m-line, then straight to the sink handle's outlet. The hot path allocates nothing.
 */
export class RouteSink {
  state: RouteState;
  private readonly ctx = new RtpSwitchingContext();
  private sim?: SimulcastContext;
  private svc?: SvcContext;
  private readonly buf = Buffer.allocUnsafe(MAX_PACKET);
  private readonly out: RtpPacket;
  /** The sink handle's media session in this plane (undefined until it is placed here). */
  target?: SinkTarget;

  constructor(
    state: RouteState,
    private readonly note: (n: RouteNote) => void,
  ) {
    this.state = state;
    this.out = { mindex: state.mindex, mid: state.mid, video: state.video, buffer: this.buf, length: 0, substream: 0, extensions: NO_EXTENSIONS };
    this.newSource();
  }

  /** Apply a new wanted state; a new source epoch starts a new segment with fresh layer contexts. */
  update(next: RouteState): void {
    const prev = this.state;
    this.state = next;
    if (next.epoch !== prev.epoch) this.newSource();
    else this.configure(next.targets);
  }

  /** `reset`: new segment from the same source. */
  reset(): void {
    this.ctx.reset();
  }

  /** `restart`: the sink's PeerConnection is new. */
  restart(): void {
    this.ctx.restart();
    this.sim?.reset();
    this.svc?.reset();
  }

  private newSource(): void {
    const s = this.state;
    this.ctx.reset();
    this.sim = undefined;
    this.svc = undefined;
    if (s.layering.kind === 'simulcast') {
      this.sim = new SimulcastContext({ codec: s.layering.codec, substreams: s.layering.substreams, clockRate: s.clockRate, rtp: this.ctx });
    } else if (s.layering.kind === 'svc') {
      this.svc = new SvcContext({ clockRate: s.clockRate, rtp: this.ctx });
    }
    this.configure(s.targets);
  }

  private configure(t: RouteTargets): void {
    if (this.sim) this.sim.configure(t);
    else if (this.svc) this.svc.configure(t);
  }

  /** Hot path: one packet of the source (never modified: copied once, rewritten in the copy). */
  relay(packet: RtpPacket, now: number): void {
    const target = this.target;
    if (!this.state.enabled || target === undefined) return;
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
      this.ctx.update(this.buf, this.state.clockRate, now);
    }
    const out = this.out;
    out.length = len;
    out.substream = packet.substream;
    out.extensions = packet.extensions;
    target.out.relayRtp(out);
  }

  private simulcastNotes(sim: SimulcastContext): void {
    const id = this.state.id;
    if (sim.needPli) this.note({ id, kind: 'keyframe' });
    if (sim.changedSubstream) this.note({ id, kind: 'substream', layer: sim.substream });
    if (sim.changedTemporal) this.note({ id, kind: 'temporal', layer: sim.temporal });
  }

  private svcNotes(svc: SvcContext): void {
    const id = this.state.id;
    if (svc.needPli) this.note({ id, kind: 'keyframe' });
    if (svc.changedSpatial) this.note({ id, kind: 'spatial_layer', layer: svc.spatial });
    if (svc.changedTemporal) this.note({ id, kind: 'temporal_layer', layer: svc.temporal });
  }
}
