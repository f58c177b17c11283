import type { MediaPeer } from '../media/peer';
import type { LoopStats } from './event-loop';

/** Cumulative counters of one media kind, from the server's point of view (`in` = received by us). */
export interface KindCounters {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** RTX/retransmitted packets among the above. */
  rtxIn: number;
  rtxOut: number;
  /** NACK feedback packets received from peers (`in`) and sent by us (`out`). */
  nacksIn: number;
  nacksOut: number;
  pliIn: number;
  pliOut: number;
  firIn: number;
  firOut: number;
}

/**
 * What the media stack tells the metrics endpoint, read at scrape time (never on the packet
 * path). Counters are cumulative over the process life (closed PeerConnections included), so a
 * Prometheus `rate()` never sees them go backwards. A media stack in worker threads adds up the
 * snapshots of its workers.
 */
export interface MediaMetricsSnapshot {
  /** Live PeerConnections by state: `new` (negotiating), `connected`, `failed`. */
  peers: Record<'new' | 'connected' | 'failed', number>;
  audio: KindCounters;
  video: KindCounters;
  data: { messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number };
  /** PeerConnections that reached ICE+DTLS connected since the last snapshot: seconds from creation. */
  newSetupSeconds: number[];
  /** Since the last snapshot: ICE checks started → ICE connected, and ICE connected → DTLS connected (seconds). */
  newIceSeconds: number[];
  newDtlsSeconds: number[];
  /** Failures by phase, cumulative. */
  iceFailures: number;
  dtlsFailures: number;
  /** PeerConnections that failed (ICE failure, DTLS alert), cumulative. */
  setupFailures: number;
  /** Current figures of every live audio/video stream (for distribution histograms). */
  streams: Array<{ kind: 'audio' | 'video'; lossIn: number; lossOut: number; jitterIn: number; jitterOut: number; rtt: number; remb: number }>;
  /** Media worker threads (0/0 when media runs on the main thread). */
  workers: { up: number; total: number };
  /** Event loops of media worker threads, by thread name (`media-1`...), from their own LoopMonitor. */
  loops?: Record<string, LoopStats>;
}

export function emptyKind(): KindCounters {
  return { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0, rtxIn: 0, rtxOut: 0, nacksIn: 0, nacksOut: 0, pliIn: 0, pliOut: 0, firIn: 0, firOut: 0 };
}

export function emptySnapshot(): MediaMetricsSnapshot {
  return {
    peers: { new: 0, connected: 0, failed: 0 },
    audio: emptyKind(),
    video: emptyKind(),
    data: { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 },
    newSetupSeconds: [],
    newIceSeconds: [],
    newDtlsSeconds: [],
    iceFailures: 0,
    dtlsFailures: 0,
    setupFailures: 0,
    streams: [],
    workers: { up: 0, total: 0 },
  };
}

/** Adds `b` into `a` (used for retired peers and for worker snapshots). */
export function addSnapshot(a: MediaMetricsSnapshot, b: MediaMetricsSnapshot): void {
  for (const k of ['new', 'connected', 'failed'] as const) a.peers[k] += b.peers[k];
  for (const kind of ['audio', 'video'] as const) {
    for (const f of Object.keys(a[kind]) as Array<keyof KindCounters>) a[kind][f] += b[kind][f];
  }
  for (const f of Object.keys(a.data) as Array<keyof MediaMetricsSnapshot['data']>) a.data[f] += b.data[f];
  a.newSetupSeconds.push(...b.newSetupSeconds);
  a.newIceSeconds.push(...b.newIceSeconds);
  a.newDtlsSeconds.push(...b.newDtlsSeconds);
  a.iceFailures += b.iceFailures;
  a.dtlsFailures += b.dtlsFailures;
  a.setupFailures += b.setupFailures;
  a.streams.push(...b.streams);
  a.workers.up += b.workers.up;
  a.workers.total += b.workers.total;
  if (b.loops) a.loops = { ...a.loops, ...b.loops };
}

interface WeriftSenderStats {
  pliCount?: number;
  firCount?: number;
  retransmittedPacketsSent?: number;
  rtt?: number;
  remoteFractionLost?: number;
}
interface WeriftReceiverStats {
  remoteStreams?: Record<number, { packets_received: number; packets_expected: number; packets_lost: number; jitter: number } | undefined>;
  ssrcByRtx?: Record<number, number | undefined>;
}

/**
 * The werift media stack's figures: live peers read as they stand, closed ones folded into
 * `retired` once (`retire`). Only reads fields the packet path already maintains.
 */
export class WeriftMediaTotals {
  private readonly retired = emptySnapshot();
  private readonly reported = new WeakSet<MediaPeer>();
  /** Keyframe requests the plugins asked the core to send (MediaPort.sendPli). */
  pliRequests = 0;
  /** Per peer: when ICE checks started and when ICE connected (ms), from its state events. */
  private readonly phases = new WeakMap<MediaPeer, { checking?: number; ice?: number; dtls?: boolean; failed?: boolean }>();

  /**
   * A peer's ICE/DTLS state event (the core's webrtc events, a few per PeerConnection): times
   * the two set-up phases and counts failures by phase.
   */
  stateEvent(peer: MediaPeer | undefined, body: { ice?: unknown; dtls?: unknown }): void {
    if (!peer) return;
    let ph = this.phases.get(peer);
    if (!ph) this.phases.set(peer, (ph = {}));
    const now = Date.now();
    const r = this.retired;
    if (body.ice === 'connecting' && ph.checking === undefined) ph.checking = now;
    else if ((body.ice === 'connected' || body.ice === 'ready') && ph.ice === undefined) {
      ph.ice = now;
      r.newIceSeconds.push((now - (ph.checking ?? peer.created)) / 1000);
    } else if (body.ice === 'failed' && !ph.failed) {
      ph.failed = true;
      r.iceFailures++;
    }
    if (body.dtls === 'connected' && !ph.dtls) {
      ph.dtls = true;
      r.newDtlsSeconds.push((now - (ph.ice ?? now)) / 1000);
    } else if (body.dtls === 'failed' && ph.dtls === undefined && !ph.failed) {
      // a DTLS close after a working connection is a hangup, not a set-up failure
      ph.failed = true;
      r.dtlsFailures++;
    }
  }

  /** A PeerConnection is being closed: keep its counters in the totals. */
  retire(peer: MediaPeer): void {
    const s = emptySnapshot();
    this.addPeer(s, peer, false);
    s.peers.new = s.peers.connected = s.peers.failed = 0;
    s.streams = [];
    addSnapshot(this.retired, s);
  }

  snapshot(peers: Iterable<MediaPeer | undefined>): MediaMetricsSnapshot {
    const out = emptySnapshot();
    addSnapshot(out, this.retired);
    this.retired.newSetupSeconds.length = 0;
    this.retired.newIceSeconds.length = 0;
    this.retired.newDtlsSeconds.length = 0;
    for (const p of peers) if (p && !p.isClosed) this.addPeer(out, p, true);
    out.video.pliOut += this.pliRequests;
    return out;
  }

  private addPeer(out: MediaMetricsSnapshot, p: MediaPeer, live: boolean): void {
    const failed = p.iceState === 'failed' || p.dtlsState === 'failed' || p.alert;
    if (live) out.peers[failed ? 'failed' : p.ready ? 'connected' : 'new']++;
    if (failed && !this.reported.has(p)) {
      // a failure is counted once, live or at close
      out.setupFailures++;
      if (live) this.retired.setupFailures++;
    }
    if (p.connectedAt && !this.reported.has(p)) out.newSetupSeconds.push((p.connectedAt - p.created) / 1000);
    if (p.connectedAt || failed) this.reported.add(p);
    for (const s of p.streams) {
      if (!s) continue;
      if (s.kind === 'application') {
        out.data.messagesIn += s.in.packets;
        out.data.messagesOut += s.out.packets;
        out.data.bytesIn += s.in.bytes;
        out.data.bytesOut += s.out.bytes;
        continue;
      }
      const k = out[s.kind];
      const snd = (s.transceiver?.sender ?? {}) as WeriftSenderStats;
      const rcv = (s.transceiver?.receiver ?? {}) as WeriftReceiverStats;
      let rtxIn = 0;
      for (const [rtx, main] of Object.entries(rcv.ssrcByRtx ?? {})) {
        if (main !== undefined) rtxIn += rcv.remoteStreams?.[Number(rtx)]?.packets_received ?? 0;
      }
      k.packetsIn += s.in.packets;
      k.bytesIn += s.in.bytes;
      k.rtxIn += rtxIn;
      k.packetsOut += s.out.packets;
      k.bytesOut += s.out.bytes;
      k.rtxOut += s.out.retransmissions + (snd.retransmittedPacketsSent ?? 0);
      // s.out.nacks: NACKs the peer sent us; s.in.nacks: NACKs our generator sent
      k.nacksIn += s.out.nacks;
      k.nacksOut += s.in.nacks;
      k.pliIn += snd.pliCount ?? 0;
      k.firIn += snd.firCount ?? 0;
      if (!live) continue;
      const main = rcv.remoteStreams?.[s.peerSsrc[0]];
      const clock = s.codec?.clockRate ?? 0;
      out.streams.push({
        kind: s.kind,
        lossIn: main && main.packets_expected > 0 ? Math.max(0, main.packets_lost) / main.packets_expected : 0,
        lossOut: snd.remoteFractionLost ?? 0,
        jitterIn: s.quality.jitterLocalMs / 1000,
        jitterOut: clock > 0 ? s.jitterRemote / clock : 0,
        rtt: snd.rtt ?? 0,
        remb: s.rembBitrate,
      });
    }
  }
}
