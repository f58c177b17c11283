/**
 * VP9 SVC layer selection for one receiving stream (Janus's `janus_rtp_svc_context`): which
 * spatial and temporal layers of a single scalable stream a subscriber gets. Layers above the
 * chosen ones are dropped; when the chosen spatial layer is not the top one, the RTP marker is set
 * on the last packet of that layer's frame (the top layer that normally carries it is not sent).
 * Sequence numbers stay continuous across dropped packets.
 *
 * Hot path: `relay()` never allocates. With an `out` buffer the relayed packet is copied there and
 * rewritten once (the shared packet untouched); without one it is rewritten in place (`restore()`).
 */
import type { JsonObject } from './messages';
import { rtpMarker, rtpPayloadOffset, rtpSeq, rtpTimestamp, RtpSwitchingContext, setRtpSeq, setRtpTimestamp } from './rtp';
import { DEFAULT_SIMULCAST_FALLBACK_US } from './simulcast';
import { parseVp9, Vp9Descriptor } from './vp9';

const PLI_RETRY_MS = 1000;

/** What a subscriber may ask for (Janus's `spatial_layer`, `temporal_layer`). */
export interface SvcSettings {
  spatial_layer?: number;
  temporal_layer?: number;
  /** Microseconds without packets of a spatial layer before it counts as gone. */
  fallback?: number;
}

export class SvcContext {
  readonly clockRate: number;
  spatialTarget = 2;
  temporalTarget = 2;
  fallbackUs = DEFAULT_SIMULCAST_FALLBACK_US;
  /** Layers relayed now (-1: nothing yet). */
  spatial = -1;
  temporal = -1;
  changedSpatial = false;
  changedTemporal = false;
  needPli = false;
  readonly vp9 = new Vp9Descriptor();
  readonly rtp: RtpSwitchingContext;
  /** When each spatial layer was last seen (ms). */
  private readonly lastSeen = [0, 0, 0];
  private lastPliAsk = 0;
  private origSeq = 0;
  private origTs = 0;
  private markerForced = false;
  private rewritten = false;

  constructor(opts: SvcSettings & { clockRate?: number; rtp?: RtpSwitchingContext } = {}) {
    this.clockRate = opts.clockRate ?? 90000;
    this.rtp = opts.rtp ?? new RtpSwitchingContext();
    this.configure(opts);
  }

  /** Apply a subscriber's request; true when going up spatially needs a keyframe. */
  configure(s: SvcSettings): boolean {
    let keyframe = false;
    if (typeof s.spatial_layer === 'number' && Number.isInteger(s.spatial_layer) && s.spatial_layer >= 0) {
      const t = Math.min(s.spatial_layer, 2);
      if (t > this.spatial && t !== this.spatialTarget) keyframe = true;
      this.spatialTarget = t;
    }
    if (typeof s.temporal_layer === 'number' && Number.isInteger(s.temporal_layer) && s.temporal_layer >= 0) {
      this.temporalTarget = Math.min(s.temporal_layer, 2);
    }
    if (typeof s.fallback === 'number' && Number.isInteger(s.fallback) && s.fallback > 0) this.fallbackUs = s.fallback;
    return keyframe;
  }

  reset(): void {
    this.spatial = -1;
    this.temporal = -1;
    this.lastSeen.fill(0);
    this.rtp.reset();
  }

  /** Decide on one packet. True: relay (rewritten in place); false: drop. */
  relay(buf: Buffer, length: number, now = Date.now(), out?: Buffer): boolean {
    this.changedSpatial = false;
    this.changedTemporal = false;
    this.needPli = false;
    this.rewritten = false;
    if (length > buf.length || (out !== undefined && length > out.length)) return false;
    const off = rtpPayloadOffset(buf, length);
    if (off < 0) return false;
    const d = this.vp9;
    if (off >= length || !parseVp9(buf, off, length, d) || !d.hasLayerIndices) {
      // padding, an unreadable descriptor or plain (non-SVC) VP9: nothing to select, pass it on
      this.emit(buf, length, now, out);
      return true;
    }
    const sid = d.sid;
    if (sid <= 2) this.lastSeen[sid] = now;
    let spatial = this.spatial;
    if (this.spatialTarget > this.spatial) {
      if (d.keyframe) {
        // go up at a keyframe, to the highest layer up to the target that flows (or that the
        // keyframe's scalability structure announces)
        let layer = this.spatialTarget;
        while (layer > this.spatial && layer > 0 && !this.flowing(layer, now) && !(d.spatialLayers > layer)) layer--;
        if (layer > this.spatial) {
          this.spatial = spatial = layer;
          this.changedSpatial = true;
        }
      } else if (this.spatial >= 0 && this.flowing(this.spatialTarget, now)) this.askKeyframe(now);
    } else if (this.spatialTarget < this.spatial && d.endOfFrame && sid === this.spatialTarget) {
      // go down where the target layer's frame ends: what follows of this picture is dropped
      this.spatial = spatial = this.spatialTarget;
      this.changedSpatial = true;
    }
    if (spatial < 0 || sid > spatial) {
      if (spatial < 0) this.askKeyframe(now);
      this.rtp.skip(buf);
      return false;
    }
    if (this.temporal === -1) {
      this.temporal = this.temporalTarget;
      this.changedTemporal = true;
    } else if (this.temporalTarget > this.temporal) {
      if (d.switchingUp && d.startOfFrame && d.tid > this.temporal && d.tid <= this.temporalTarget) {
        this.temporal = d.tid;
        this.changedTemporal = true;
      }
    } else if (this.temporalTarget < this.temporal && d.endOfFrame && d.tid === this.temporalTarget) {
      this.temporal = this.temporalTarget;
      this.changedTemporal = true;
    }
    if (d.tid > this.temporal) {
      this.rtp.skip(buf);
      return false;
    }
    const dst = this.emit(buf, length, now, out);
    if (d.endOfFrame && sid === spatial && !rtpMarker(dst)) {
      dst[1] |= 0x80;
      this.markerForced = dst === buf;
    }
    return true;
  }

  restore(buf: Buffer): void {
    if (!this.rewritten) return;
    setRtpSeq(buf, this.origSeq);
    setRtpTimestamp(buf, this.origTs);
    if (this.markerForced) buf[1] &= 0x7f;
    this.rewritten = false;
  }

  describe(): JsonObject {
    return {
      'spatial-layer': this.spatial,
      'target-spatial-layer': this.spatialTarget,
      'temporal-layer': this.temporal,
      'target-temporal-layer': this.temporalTarget,
    };
  }

  private flowing(layer: number, now: number): boolean {
    return this.lastSeen[layer] > 0 && (now - this.lastSeen[layer]) * 1000 < this.fallbackUs;
  }

  private askKeyframe(now: number): void {
    if (now - this.lastPliAsk < PLI_RETRY_MS) return;
    this.lastPliAsk = now;
    this.needPli = true;
  }

  /** Rewrite the relayed packet (into `out` when given); returns the buffer holding it. */
  private emit(buf: Buffer, length: number, now: number, out: Buffer | undefined): Buffer {
    if (out === undefined) {
      this.rewrite(buf, now);
      return buf;
    }
    buf.copy(out, 0, 0, length);
    this.rewrite(out, now);
    this.rewritten = false; // the shared packet was not touched: nothing to restore
    return out;
  }

  private rewrite(buf: Buffer, now: number): void {
    this.origSeq = rtpSeq(buf);
    this.origTs = rtpTimestamp(buf);
    this.markerForced = false;
    this.rtp.update(buf, this.clockRate, now);
    this.rewritten = true;
  }
}
