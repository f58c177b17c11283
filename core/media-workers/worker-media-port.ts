import { inject, injectable } from 'tsyringe';
import { Settings } from '../config/settings';
import { EventBus } from '../events/event-bus';
import type { Handle } from '../handle';
import { Logger } from '../logger';
import { handleInfo } from '../media/handle-info';
import type { MediaPort } from '../media/media-port';
import {
  candidateCount,
  MAX_CANDIDATES_PER_TRICKLE,
  MAX_QUEUED_CANDIDATES,
  MAX_QUEUED_TRICKLES,
  MAX_REMOTE_CANDIDATES,
  splitTrickle,
  type TrickleRequest,
} from '../media/trickle';
import { unappliedMediaSettings } from '../media/werift-limits';
import { installWeriftAdapter } from '../media/werift-adapter';
import {
  EventType,
  JanusError,
  type ClientJsep,
  type DataPacket,
  type JsonObject,
  type OutgoingJsep,
  type PluginJsep,
  type RtcpPacket,
  type RtpPacket,
} from '../plugin-api';
import { addSnapshot, emptySnapshot, type MediaMetricsSnapshot } from '../metrics/media-snapshot';
import { LoopMonitor, type LoopHealth } from './loop-health';
import { writeData, writeRtcp, writeRtp, type RecordSink } from './media-record';
import { MediaWorker } from './media-worker';
import type { WorkerEvent } from './protocol';
import { workerSettings } from './worker-settings';

/** A handle's place in the media workers. */
interface Placement {
  key: number;
  handle: Handle;
  worker?: MediaWorker;
  /** The worker has a PeerConnection for it (so a hangup is due). */
  hasPeer: boolean;
  /** A remote description was applied: trickles are checked at once, as in-thread. */
  remoteApplied: boolean;
  /** Trickles sent before that (time received, candidates): the worker's queue, mirrored for its bounds. */
  queued: Array<{ received: number; n: number }>;
  /** Candidates applied to the current PeerConnection. */
  remoteCandidates: number;
}

/** Restart delay after a worker died (ms); doubled while workers die young, up to the max. */
const RESTART_DELAY_MS = 200;
const RESTART_DELAY_MAX_MS = 30000;
const YOUNG_MS = 10000;

/**
 * The media plane on worker threads (`media_workers` ≥ 1). Each handle's PeerConnection lives
 * in one media worker, chosen least-loaded at its first JSEP; its packets cross over shared
 * memory rings, its control over messages. This class is the core's session-layer end: it turns
 * the workers' typed events into Janus messages, event-handler events and plugin callbacks, and
 * keeps Janus's hangup order (plugin `hangupMedia` before the client's `hangup`).
 */
@injectable()
export class WorkerMediaPort implements MediaPort {
  private readonly workers: (MediaWorker | undefined)[] = [];
  private readonly byHandle = new Map<Handle, Placement>();
  private readonly byKey = new Map<number, Placement>();
  private nextKey = 1;
  private closing = false;
  private readonly log;
  private readonly loop = new LoopMonitor();
  private mainHealth?: LoopHealth;
  private readonly timer: NodeJS.Timeout;
  private lastSettings = '';
  private lastWanted = '';
  /** Workers restarted after dying, since start. */
  restarts = 0;
  private restartDelay = RESTART_DELAY_MS / 2;
  /** Slots whose worker died and waits for its restart. */
  private readonly restarting = new Set<number>();

  constructor(
    @inject(Settings) private readonly settings: Settings,
    @inject(EventBus) private readonly bus: EventBus,
    @inject(Logger) logger: Logger,
  ) {
    this.log = logger.child('media-workers');
    // a werift whose internals do not match fails the start here, not in a worker restart loop
    installWeriftAdapter();
    // said once, at start-up (the workers run with these values neutralised: see worker-settings)
    const mediaLog = logger.child('media');
    for (const u of unappliedMediaSettings(settings)) mediaLog.warn({ key: u.key, value: u.value }, `media.${u.key} = ${u.value} is not applied: ${u.why}`);
    // threads start at the first handle that needs one: a server (or test) without media pays nothing
    const n = Math.max(1, settings.mediaWorkers);
    for (let i = 0; i < n; i++) this.workers.push(undefined);
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
    this.log.info({ workers: n }, 'Media workers started');
  }

  private readonly sink: RecordSink = {
    rtp: (key, p) => {
      const h = this.byKey.get(key)?.handle;
      if (!h || !h.attached || h.detached || !h.plugin.incomingRtp) return;
      try {
        h.plugin.incomingRtp(h.pluginState, p);
      } catch (err) {
        this.log.error({ err, handle: h.id }, 'Plugin failed in incomingRtp');
      }
    },
    rtcp: (key, p) => {
      const h = this.byKey.get(key)?.handle;
      if (h) this.callPlugin(h, 'incomingRtcp', () => h.plugin.incomingRtcp?.(h.pluginState, p));
    },
    data: (key, p) => {
      const h = this.byKey.get(key)?.handle;
      if (h) this.callPlugin(h, 'incomingData', () => h.plugin.incomingData?.(h.pluginState, p));
    },
    event: (key, ev) => {
      const pl = this.byKey.get(key);
      if (pl) this.onEvent(pl, ev as WorkerEvent);
    },
  };

  private spawn(index: number): MediaWorker {
    return new MediaWorker({
      index,
      settings: workerSettings(this.settings, index, Math.max(1, this.settings.mediaWorkers)),
      logger: {
        level: this.settings.debugLevel,
        file: this.settings.logToFile,
        stdout: this.settings.logToStdout,
        timestamps: this.settings.debugTimestamps,
      },
      wanted: this.wanted(),
      sink: this.sink,
      exited: (w, code, error) => this.workerExited(w, code, error),
    });
  }

  private wanted(): number[] {
    return [EventType.WEBRTC, EventType.MEDIA].filter((t) => this.bus.wants(t));
  }

  /** Once a second: note our own loop health, pass on changed settings and event masks. */
  private tick(): void {
    this.mainHealth = this.loop.sample();
    const wanted = this.wanted();
    const w = wanted.join(',');
    const s = JSON.stringify(this.settings);
    for (const worker of this.workers) {
      if (!worker?.isAlive) continue;
      if (w !== this.lastWanted) worker.send({ t: 'wanted', wanted });
      if (s !== this.lastSettings) worker.send({ t: 'settings', settings: workerSettings(this.settings, worker.index, this.workers.length) });
    }
    this.lastWanted = w;
    this.lastSettings = s;
  }

  private place(handle: Handle): Placement & { worker: MediaWorker } {
    let pl = this.byHandle.get(handle);
    if (!pl) {
      pl = { key: this.nextKey++, handle, hasPeer: false, remoteApplied: false, queued: [], remoteCandidates: 0 };
      if (this.nextKey > 0xfffffff0) this.nextKey = 1;
      this.byHandle.set(handle, pl);
      this.byKey.set(pl.key, pl);
    }
    if (!pl.worker || !pl.worker.isAlive) {
      let best: MediaWorker | undefined;
      for (let i = 0; i < this.workers.length; i++) {
        let w = this.workers[i];
        if (!w && !this.restarting.has(i)) w = this.workers[i] = this.spawn(i);
        if (w?.isAlive && (!best || w.handles.size < best.handles.size)) best = w;
      }
      if (!best) throw new JanusError(490, 'No media worker available');
      pl.worker = best;
      best.handles.add(pl.key);
      const plugin = handle.plugin;
      best.send({
        t: 'attach',
        handle: {
          key: pl.key, sessionId: handle.session.id, handleId: handle.id, opaqueId: handle.opaqueId,
          wants: { rtp: !!plugin.incomingRtp, rtcp: !!plugin.incomingRtcp, data: !!plugin.incomingData },
        },
      });
    }
    return pl as Placement & { worker: MediaWorker };
  }

  async remoteJsep(handle: Handle, jsep: ClientJsep): Promise<PluginJsep> {
    const pl = this.place(handle);
    const out = (await pl.worker.call(pl.key, 'remoteJsep', jsep, handle.trickle)) as PluginJsep;
    pl.hasPeer = true;
    if (!pl.remoteApplied) {
      // the worker applied its queue: those candidates now count against the PeerConnection
      const oldest = Date.now() - this.settings.candidatesTimeout * 1000;
      pl.remoteCandidates = pl.queued.reduce((sum, q) => sum + (q.received >= oldest ? q.n : 0), 0);
    }
    pl.queued = [];
    pl.remoteApplied = true;
    return out;
  }

  async localJsep(handle: Handle, jsep: OutgoingJsep): Promise<{ type: string; sdp: string } & JsonObject> {
    const pl = this.place(handle);
    const out = (await pl.worker.call(pl.key, 'localJsep', jsep, handle.trickle)) as { type: string; sdp: string } & JsonObject;
    pl.hasPeer = true;
    return out;
  }

  /** The same checks and bounds as in-thread (werift-media.ts), here so errors stay synchronous. */
  trickle(handle: Handle, request: TrickleRequest): void {
    const n = candidateCount(request);
    if (n > MAX_CANDIDATES_PER_TRICKLE) throw new JanusError(490, `Trickle error: too many candidates in one request (${n}, max ${MAX_CANDIDATES_PER_TRICKLE})`);
    const pl = this.place(handle);
    if (pl.remoteApplied && pl.hasPeer) {
      const { candidates, error } = splitTrickle(request);
      if (error) throw new JanusError(error.code, error.reason);
      if (pl.remoteCandidates + candidates.length > MAX_REMOTE_CANDIDATES) {
        throw new JanusError(490, `Trickle error: too many remote candidates for this PeerConnection (max ${MAX_REMOTE_CANDIDATES})`);
      }
      pl.remoteCandidates += candidates.length;
    } else {
      const oldest = Date.now() - this.settings.candidatesTimeout * 1000;
      if (pl.queued.length && pl.queued[0].received < oldest) pl.queued = pl.queued.filter((q) => q.received >= oldest);
      const queuedCandidates = pl.queued.reduce((sum, q) => sum + q.n, 0);
      if (pl.queued.length >= MAX_QUEUED_TRICKLES || queuedCandidates + n > MAX_QUEUED_CANDIDATES) {
        throw new JanusError(490, `Trickle error: too many candidates queued before the PeerConnection (max ${MAX_QUEUED_TRICKLES} trickles, ${MAX_QUEUED_CANDIDATES} candidates)`);
      }
      pl.queued.push({ received: request.received, n });
    }
    pl.worker.send({ t: 'trickle', key: pl.key, request });
  }

  hangup(handle: Handle, reason: string): boolean {
    const pl = this.byHandle.get(handle);
    if (!pl?.worker) return false;
    pl.worker.send({ t: 'hangup', key: pl.key, reason });
    const had = pl.hasPeer;
    this.peerGone(pl);
    return had;
  }

  destroy(handle: Handle): void {
    const pl = this.byHandle.get(handle);
    if (!pl) return;
    pl.worker?.send({ t: 'destroy', key: pl.key });
    pl.worker?.handles.delete(pl.key);
    this.byHandle.delete(handle);
    this.byKey.delete(pl.key);
  }

  /** Without a worker round trip only the flags are known: Admin uses `infoAsync`. */
  info(handle: Handle): JsonObject | undefined {
    return handleInfo(undefined, handle.trickle, 0, this.settings);
  }

  async infoAsync(handle: Handle): Promise<JsonObject | undefined> {
    const pl = this.byHandle.get(handle);
    if (!pl?.worker?.isAlive) return this.info(handle);
    try {
      return ((await pl.worker.call(pl.key, 'info', undefined, handle.trickle)) as JsonObject | null) ?? undefined;
    } catch {
      return this.info(handle);
    }
  }

  relayRtp(handle: Handle, packet: RtpPacket): void {
    const pl = this.byHandle.get(handle);
    if (pl?.worker && pl.hasPeer) writeRtp(pl.worker.toWorker, pl.key, packet);
  }
  relayRtcp(handle: Handle, packet: RtcpPacket): void {
    const pl = this.byHandle.get(handle);
    if (pl?.worker && pl.hasPeer) writeRtcp(pl.worker.toWorker, pl.key, packet);
  }
  relayData(handle: Handle, packet: DataPacket): void {
    const pl = this.byHandle.get(handle);
    if (pl?.worker && pl.hasPeer) writeData(pl.worker.toWorker, pl.key, packet);
  }
  sendPli(handle: Handle, mindex?: number): void {
    const pl = this.byHandle.get(handle);
    if (pl?.worker && pl.hasPeer) pl.worker.send({ t: 'pli', key: pl.key, mindex });
  }
  sendRemb(handle: Handle, bitrate: number): void {
    const pl = this.byHandle.get(handle);
    if (pl?.worker && pl.hasPeer) pl.worker.send({ t: 'remb', key: pl.key, bitrate });
  }

  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    this.loop.stop();
    await Promise.all(this.workers.map((w) => w?.terminate()));
    this.byHandle.clear();
    this.byKey.clear();
  }

  /** Event-loop health of the main thread and every worker (Admin, bench). */
  loopHealth(): JsonObject {
    return {
      main: (this.mainHealth ?? null) as unknown as JsonObject,
      workers: this.workers.map((w) => ({
        index: w?.index ?? -1,
        alive: !!w?.isAlive,
        thread_id: w?.threadId ?? -1,
        handles: w?.handles.size ?? 0,
        peers: w?.peers ?? 0,
        faults: w?.faults ?? 0,
        ring_drops: w?.toWorker.dropped ?? 0,
        ring_queued_to_worker: w?.queued.toWorker ?? 0,
        ring_queued_to_main: w?.queued.toMain ?? 0,
        loop: (w?.health ?? null) as unknown as JsonObject,
      })),
      restarts: this.restarts,
    };
  }

  /**
   * Media counters for the metrics endpoint: the sum of the workers' last reports (at most a
   * second old). A worker that died takes its totals with it (its restart counts from zero).
   */
  activePeerConnections(): number {
    let n = 0;
    for (const pl of this.byHandle.values()) if (pl.hasPeer) n++;
    return n;
  }

  metrics(): MediaMetricsSnapshot {
    const out = emptySnapshot();
    for (const w of this.workers) {
      const m = w?.isAlive ? w.metrics : undefined;
      if (!m) continue;
      addSnapshot(out, m);
      m.newSetupSeconds.length = 0;
      m.newIceSeconds.length = 0;
      m.newDtlsSeconds.length = 0;
    }
    out.workers = { up: this.workers.filter((w) => !w || w.isAlive).length, total: this.workers.length };
    return out;
  }

  /** Which worker serves a handle (Admin, tests). */
  workerIndexOf(handleId: number): number | undefined {
    for (const pl of this.byHandle.values()) if (pl.handle.id === handleId) return pl.worker?.index;
    return undefined;
  }

  /** For tests: make worker `index` die as a bug would. */
  crashWorker(index: number): void {
    this.workers[index]?.send({ t: 'crash' });
  }

  // --- the session layer's end of the workers' events ---

  private onEvent(pl: Placement, ev: WorkerEvent): void {
    const h = pl.handle;
    if (ev.e === 'send') {
      if (ev.m.janus === 'hangup') {
        // the worker's PeerConnection failed on its own (ICE/DTLS): the one hangup path
        this.failed(pl, typeof ev.m.reason === 'string' ? ev.m.reason : 'ICE failed', false);
        return;
      }
      if (!h.detached) h.send(ev.m as never);
    } else if (ev.e === 'bus') {
      if (this.bus.wants(ev.type)) this.bus.emit({ type: ev.type, subtype: ev.subtype, sessionId: h.session.id, handleId: h.id, opaqueId: h.opaqueId, event: ev.body });
    } else if (ev.cb === 'setupMedia') {
      this.callPlugin(h, 'setupMedia', () => h.plugin.setupMedia?.(h.pluginState));
    } else if (ev.cb === 'dataReady') {
      this.callPlugin(h, 'dataReady', () => h.plugin.dataReady?.(h.pluginState));
    } else if (ev.cb === 'slowLink') {
      this.callPlugin(h, 'slowLink', () => h.plugin.slowLink?.(h.pluginState, ev.mindex, ev.video, ev.uplink));
    }
  }

  /**
   * A PeerConnection is gone without the client or plugin asking (ICE/DTLS failure, or its
   * worker died): as Janus, the plugin hears first, then the client gets `hangup`.
   */
  private failed(pl: Placement, reason: string, emitEvent: boolean): void {
    const h = pl.handle;
    if (!pl.hasPeer || h.detached) return;
    this.peerGone(pl);
    this.log.warn({ handle: h.id, reason }, 'PeerConnection failed');
    if (emitEvent && this.bus.wants(EventType.WEBRTC)) {
      this.bus.emit({ type: EventType.WEBRTC, subtype: 6, sessionId: h.session.id, handleId: h.id, opaqueId: h.opaqueId, event: { connection: 'hangup', reason } });
    }
    this.callPlugin(h, 'hangupMedia', () => h.plugin.hangupMedia?.(h.pluginState));
    const m = { janus: 'hangup', session_id: h.session.id, sender: h.id, reason } as JsonObject;
    if (this.settings.opaqueIdInApi && h.opaqueId) m.opaque_id = h.opaqueId;
    h.send(m as never);
  }

  private peerGone(pl: Placement): void {
    pl.hasPeer = false;
    pl.remoteApplied = false;
    pl.queued = [];
    pl.remoteCandidates = 0;
  }

  private workerExited(w: MediaWorker, code: number, error?: Error): void {
    if (this.closing) return;
    this.log.error({ worker: w.index, code, err: error }, 'Media worker died: hanging up its PeerConnections, restarting it');
    for (const key of w.handles) {
      const pl = this.byKey.get(key);
      if (!pl) continue;
      pl.worker = undefined;
      this.failed(pl, 'Media worker failed', true);
    }
    w.handles.clear();
    // a worker that keeps dying at once (a bug at start-up) is not restarted in a tight loop
    this.restartDelay = Date.now() - w.started < YOUNG_MS ? Math.min(RESTART_DELAY_MAX_MS, this.restartDelay * 2) : RESTART_DELAY_MS;
    this.restarting.add(w.index);
    setTimeout(() => {
      this.restarting.delete(w.index);
      if (this.closing) return;
      this.workers[w.index] = this.spawn(w.index);
      this.restarts++;
    }, this.restartDelay).unref();
  }

  private callPlugin(h: Handle, what: string, fn: () => void): void {
    if (!h.attached || h.detached) return;
    try {
      fn();
    } catch (err) {
      this.log.error({ err, handle: h.id, callback: what }, 'Plugin failed in a media callback');
    }
  }
}
