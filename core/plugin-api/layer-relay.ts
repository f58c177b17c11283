/**
 * One receiver's relay of one source stream: its own copy of each packet, written once with the
 * receiver's sequence numbers and timestamps (`RtpSwitchingContext`), and the simulcast or SVC
 * layer choice (`SimulcastContext` / `SvcContext`) when the source has layers. What a plugin
 * keeps per subscriber m-line, and what a media route runs in the media plane.
 */
import type { RouteLayerKind, RouteLayering, RouteListener, RouteTargets } from './media-route';
import type { JsonObject } from './messages';
import type { RtpExtensions, RtpPacket } from './media';
import { RtpSwitchingContext } from './rtp';
import { SimulcastContext } from './simulcast';
import { SvcContext } from './svc';

/** Largest RTP packet relayed (a 1500-byte MTU allows no more). */
const MAX_PACKET = 1500;

const NO_EXTENSIONS: RtpExtensions = {
  audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1,
};

export class LayerRelay {
  private readonly ctx = new RtpSwitchingContext();
  private sim?: SimulcastContext;
  private svc?: SvcContext;
  private clockRate: number;
  private readonly buf = Buffer.allocUnsafe(MAX_PACKET);
  /** The relayed copy, reused: valid until the next `relay`. */
  private readonly out: RtpPacket;

  constructor(
    sink: { readonly mindex: number; readonly mid: string; readonly video: boolean },
    /** Layer changes and keyframe needs (rare: never per packet unless something changed). */
    private readonly notes: RouteListener,
  ) {
    this.clockRate = sink.video ? 90000 : 48000;
    this.out = { mindex: sink.mindex, mid: sink.mid, video: sink.video, buffer: this.buf, length: 0, substream: 0, extensions: NO_EXTENSIONS };
  }

  /** A new source: a new segment for the receiver, layer state from scratch (targets apply again). */
  setSource(layering: RouteLayering, clockRate: number, targets: RouteTargets): void {
    this.clockRate = clockRate;
    this.ctx.reset();
    this.sim = undefined;
    this.svc = undefined;
    if (layering.kind === 'simulcast') {
      this.sim = new SimulcastContext({ codec: layering.codec, substreams: layering.substreams, clockRate, rtp: this.ctx });
    } else if (layering.kind === 'svc') {
      this.svc = new SvcContext({ clockRate, rtp: this.ctx });
    }
    this.configure(targets);
  }

  /** New targets; true when the source should send a keyframe now. */
  configure(targets: RouteTargets): boolean {
    if (this.sim) return this.sim.configure(targets);
    if (this.svc) return this.svc.configure(targets);
    return false;
  }

  /** The same source starts a new segment (pause/resume): continuity kept. */
  reset(): void {
    this.ctx.reset();
  }

  /** The receiver's PeerConnection is new: sequence state and relayed layers forgotten. */
  restart(): void {
    this.ctx.restart();
    this.sim?.reset();
    this.svc?.reset();
  }

  /** Janus's `simulcast` / `svc` object of the stream, when the source has layers. */
  describe(): JsonObject | undefined {
    return (this.sim ?? this.svc)?.describe();
  }

  /** Where the relay runs elsewhere (a mirror): the layer it reported relaying now. */
  relayedLayer(kind: RouteLayerKind, layer: number): void {
    if (kind === 'substream' && this.sim) this.sim.substream = layer;
    else if (kind === 'temporal' && this.sim) this.sim.temporal = layer;
    else if (kind === 'spatial_layer' && this.svc) this.svc.spatial = layer;
    else if (kind === 'temporal_layer' && this.svc) this.svc.temporal = layer;
  }

  /**
   * Hot path: the packet to send for one packet of the source, or undefined (dropped). The
   * source's buffer is never modified: what passes is copied once and rewritten in the copy.
   */
  relay(packet: RtpPacket, now: number): RtpPacket | undefined {
    const len = packet.length;
    const sim = this.sim;
    const svc = this.svc;
    if (sim !== undefined) {
      const pass = sim.relay(packet.buffer, len, packet.substream, now, this.buf);
      if (sim.needPli) this.notes.keyframeNeeded();
      if (sim.changedSubstream) this.notes.layerChanged('substream', sim.substream);
      if (sim.changedTemporal) this.notes.layerChanged('temporal', sim.temporal);
      if (!pass) return undefined;
    } else if (svc !== undefined) {
      const pass = svc.relay(packet.buffer, len, now, this.buf);
      if (svc.needPli) this.notes.keyframeNeeded();
      if (svc.changedSpatial) this.notes.layerChanged('spatial_layer', svc.spatial);
      if (svc.changedTemporal) this.notes.layerChanged('temporal_layer', svc.temporal);
      if (!pass) return undefined;
    } else {
      if (len < 12 || len > MAX_PACKET) return undefined;
      packet.buffer.copy(this.buf, 0, 0, len);
      this.ctx.update(this.buf, this.clockRate, now);
    }
    const out = this.out;
    out.length = len;
    out.substream = packet.substream;
    out.extensions = packet.extensions;
    return out;
  }
}
