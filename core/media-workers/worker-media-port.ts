import { inject, injectable } from 'tsyringe';
import { Settings } from '../config/settings';
import { EventBus } from '../events/event-bus';
import type { Handle } from '../handle';
import { Logger } from '../logger';
import { handleInfo } from '../media/handle-info';
import type { MediaPort } from '../media/media-port';
import { candidateCount, checkTrickleSize, TrickleQueue, trickleToApply, type TrickleRequest } from '../media/trickle';
import { unappliedMediaSettings } from '../media/werift-limits';
import { installWeriftAdapter } from '../media/werift-adapter';
import {
  EventType,
  JanusError,
  type ClientJsep,
  type JsonObject,
  type MediaRoute,
  type OutgoingJsep,
  type PluginJsep,
  type RouteListener,
  type RouteSinkSpec,
} from '../plugin-api';
import { emptySnapshot, type MediaMetricsSnapshot } from '../metrics/media-snapshot';
import { LoopMonitor, type LoopHealth } from './loop-health';
import { writeData, writeRtcp, writeRtp, type RecordSink } from './media-record';
import { healthReport, MediaWorker } from './media-worker';
import type { WorkerEvent } from './protocol';
import { workerSettings } from './worker-settings';
import { AffinityGroups, keepsGroup } from './affinity-groups';
import type { Placement } from './placement';
import { WorkerRoutePlane } from './route-plane';

/** Restart delay after a worker died (ms); doubled while workers die young, up to the max. */
const RESTART_DELAY_MS = 200;
const RESTART_DELAY_MAX_MS = 30000;
const YOUNG_MS = 10000;

/**
 * The media plane on worker threads (`media_workers` ≥ 1). Each handle's PeerConnection lives
 * in one media worker, chosen at its first JSEP (the worker of its affinity group, else the
 * least loaded); its packets cross over shared memory rings, its control over messages. The
 * workers' typed media events are handed to the handle's media session as they are (the core's
 * session layer turns them into Janus messages); a worker's death is a `failed` event for each
 * of its PeerConnections.
 */
@injectable()
export class WorkerMediaPort implements MediaPort {
  private readonly workers: (MediaWorker | undefined)[] = [];
  private readonly byHandle = new Map<Handle, Placement>();
  private readonly byKey = new Map<number, Placement>();
  private readonly groups = new AffinityGroups();
  private readonly routePlane = new WorkerRoutePlane({
    placement: (h) => this.byHandle.get(h),
    alive: (i) => (this.workers[i]?.isAlive ? this.workers[i] : undefined),
  });
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
    rtp: (key, p) => this.byKey.get(key)?.handle.media.incomingRtp(p),
    rtcp: (key, p) => this.byKey.get(key)?.handle.media.incomingRtcp(p),
    data: (key, p) => this.byKey.get(key)?.handle.media.incomingData(p),
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
      routeNote: (n) => this.routePlane.onNote(n),
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
      pl = { key: this.nextKey++, handle, hasPeer: false, remoteApplied: false, queued: new TrickleQueue(() => this.settings.candidatesTimeout), remoteCandidates: 0, closing: [] };
      if (this.nextKey > 0xfffffff0) this.nextKey = 1;
      this.byHandle.set(handle, pl);
      this.byKey.set(pl.key, pl);
    }
    if (!pl.worker || !pl.worker.isAlive) {
      const worker = this.pickWorker(this.settings.mediaAffinity ? handle.media.affinity : undefined);
      if (!worker) throw new JanusError(490, 'No media worker available');
      this.joinGroup(pl, handle.media.affinity, worker.index);
      pl.worker = worker;
      worker.handles.add(pl.key);
      const ring = worker.toWorker;
      const key = pl.key;
      pl.outlet = {
        relayRtp: (p) => void writeRtp(ring, key, p),
        relayRtcp: (p) => void writeRtcp(ring, key, p),
        relayData: (p) => void writeData(ring, key, p),
      };
      const plugin = handle.plugin;
      worker.send({
        t: 'attach',
        handle: {
          key, sessionId: handle.session.id, handleId: handle.id, opaqueId: handle.opaqueId,
          wants: { rtp: !!plugin.incomingRtp, rtcp: !!plugin.incomingRtcp, rtcpKinds: plugin.incomingRtcpKinds, data: !!plugin.incomingData },
          rtpOff: handle.media.rtpOffList(),
        },
      });
      // its routes (as sink or source) go to its worker now
      this.routePlane.placed(handle);
    }
    return pl as Placement & { worker: MediaWorker };
  }

  /** The live worker of the affinity group if it `keepsGroup`, else the least-loaded live one (slots start on demand). */
  private pickWorker(affinity: string | undefined): MediaWorker | undefined {
    let least: MediaWorker | undefined;
    for (let i = 0; i < this.workers.length; i++) {
      let w = this.workers[i];
      if (!w && !this.restarting.has(i)) w = this.workers[i] = this.spawn(i);
      if (w?.isAlive && (!least || w.handles.size < least.handles.size)) least = w;
    }
    const groupIndex = this.groups.indexOf(affinity);
    const grouped = groupIndex !== undefined ? this.workers[groupIndex] : undefined;
    if (grouped?.isAlive && least && keepsGroup({ handles: grouped.handles.size, utilization: grouped.health?.utilization, portsLeft: this.portsLeft(grouped) }, { handles: least.handles.size })) return grouped;
    return least;
  }

  /** Ports of its share of rtp_port_range a worker has not used (one per PeerConnection with bundle); undefined: no range. */
  private portsLeft(w: MediaWorker): number | undefined {
    const range = this.settings.rtpPortRange;
    if (!range) return undefined;
    return Math.floor((range[1] - range[0] + 1) / Math.max(1, this.workers.length)) - w.handles.size;
  }

  private joinGroup(pl: Placement, affinity: string | undefined, index: number): void {
    if (pl.affinity === affinity) return;
    this.leaveGroup(pl);
    pl.affinity = affinity;
    if (affinity !== undefined) this.groups.join(affinity, index, (i) => !!this.workers[i]?.isAlive);
  }

  private leaveGroup(pl: Placement): void {
    this.groups.leave(pl.affinity);
    pl.affinity = undefined;
  }

  async remoteJsep(handle: Handle, jsep: ClientJsep): Promise<PluginJsep> {
    const pl = this.place(handle);
    const out = (await pl.worker.call(pl.key, 'remoteJsep', jsep, handle.trickle)) as PluginJsep;
    this.peerUp(pl);
    if (!pl.remoteApplied) {
      // the worker applied its queue: those candidates now count against the PeerConnection
      pl.remoteCandidates = pl.queued.take().reduce((sum, r) => sum + candidateCount(r), 0);
    }
    pl.queued.clear();
    pl.remoteApplied = true;
    return out;
  }

  async localJsep(handle: Handle, jsep: OutgoingJsep): Promise<{ type: string; sdp: string } & JsonObject> {
    const pl = this.place(handle);
    const out = (await pl.worker.call(pl.key, 'localJsep', jsep, handle.trickle)) as { type: string; sdp: string } & JsonObject;
    this.peerUp(pl);
    return out;
  }

  /** The same checks and bounds as in-thread (trickle.ts), here so errors stay synchronous. */
  trickle(handle: Handle, request: TrickleRequest): void {
    const n = checkTrickleSize(request);
    const pl = this.place(handle);
    if (pl.remoteApplied && pl.hasPeer) pl.remoteCandidates += trickleToApply(request, pl.remoteCandidates).candidates.length;
    else pl.queued.push(request, n);
    pl.worker.send({ t: 'trickle', key: pl.key, request });
  }

  /** Also after the worker died (then only our side is left to clean). */
  hangup(handle: Handle, reason: string, closed?: () => void): boolean {
    const pl = this.byHandle.get(handle);
    if (!pl) return false;
    const had = pl.hasPeer;
    if (pl.worker?.isAlive) {
      pl.worker.send({ t: 'hangup', key: pl.key, reason });
      // one entry per `hangup` sent: the worker confirms each
      pl.closing.push(had && closed ? closed : () => undefined);
    } else if (had) {
      closed?.(); // its worker is gone, and its stats with it
    }
    this.peerGone(pl);
    return had;
  }

  openRoute(sink: Handle, spec: RouteSinkSpec, listener: RouteListener): MediaRoute {
    return this.routePlane.open(sink, spec, listener);
  }

  destroy(handle: Handle): void {
    this.routePlane.forget(handle);
    const pl = this.byHandle.get(handle);
    if (!pl) return;
    this.peerGone(pl);
    this.leaveGroup(pl);
    for (const fn of pl.closing.splice(0)) fn();
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

  sendPli(handle: Handle, mindex?: number): void {
    const pl = this.byHandle.get(handle);
    if (pl?.worker && pl.hasPeer) pl.worker.send({ t: 'pli', key: pl.key, mindex });
  }
  rtpWanted(handle: Handle, mindex: number, wanted: boolean): void {
    const pl = this.byHandle.get(handle);
    if (pl?.worker) pl.worker.send({ t: 'rtpWanted', key: pl.key, mindex, wanted });
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
      workers: this.workers.map((w) => healthReport(w)),
      restarts: this.restarts,
    };
  }

  activePeerConnections(): number {
    let n = 0;
    for (const pl of this.byHandle.values()) if (pl.hasPeer) n++;
    return n;
  }

  /**
   * Media counters for the metrics endpoint: the sum of the workers' last reports (at most a
   * second old). A worker that died takes its totals with it (its restart counts from zero).
   */
  metrics(): MediaMetricsSnapshot {
    const out = emptySnapshot();
    for (const w of this.workers) if (w?.isAlive) w.takeMetrics(out);
    out.workers = { up: this.workers.filter((w) => !w || w.isAlive).length, total: this.workers.length };
    return out;
  }

  /** Which worker serves a handle (Admin, tests). */
  workerIndexOf(handleId: number): number | undefined {
    for (const pl of this.byHandle.values()) if (pl.handle.id === handleId) return pl.worker?.index;
    return undefined;
  }

  /** Records the main thread wrote into the workers' rings, and read from them, since start (tests). */
  ringRecords(): { toWorkers: number; toMain: number } {
    const c = this.workers.map((w) => w?.ringCounts);
    return { toWorkers: c.reduce((n, x) => n + (x?.toWorker ?? 0), 0), toMain: c.reduce((n, x) => n + (x?.toMain ?? 0), 0) };
  }

  /** For tests: make worker `index` die as a bug would, or block it for `ms` (a long pause). */
  crashWorker(index: number): void {
    this.workers[index]?.send({ t: 'crash' });
  }
  stallWorker(index: number, ms: number): void {
    this.workers[index]?.send({ t: 'stall', ms });
  }

  // --- the workers' events, to the handles' media sessions ---

  private onEvent(pl: Placement, ev: WorkerEvent): void {
    const h = pl.handle;
    if (ev.e === 'bus') {
      if (this.bus.wants(ev.type)) this.bus.emit({ type: ev.type, subtype: ev.subtype, sessionId: h.session.id, handleId: h.id, opaqueId: h.opaqueId, event: ev.body });
    } else if (ev.e === 'closed') {
      pl.closing.shift()?.();
    } else if (ev.ev.type !== 'failed' || pl.hasPeer) {
      // a `failed` for a PeerConnection we already hung up is stale
      h.media.emit(ev.ev);
    }
  }

  private peerUp(pl: Placement): void {
    pl.hasPeer = true;
    if (pl.outlet) pl.handle.media.bind(pl.outlet);
  }

  private peerGone(pl: Placement): void {
    if (pl.outlet) pl.handle.media.unbind(pl.outlet);
    pl.hasPeer = false;
    pl.remoteApplied = false;
    pl.queued.clear();
    pl.remoteCandidates = 0;
  }

  private workerExited(w: MediaWorker, code: number, error?: Error): void {
    if (this.closing) return;
    this.log.error({ worker: w.index, code, err: error }, 'Media worker died: hanging up its PeerConnections, restarting it');
    for (const key of w.handles) {
      const pl = this.byKey.get(key);
      if (!pl) continue;
      pl.worker = undefined;
      for (const fn of pl.closing.splice(0)) fn();
      if (pl.outlet) pl.handle.media.unbind(pl.outlet);
      pl.outlet = undefined;
      // as a PeerConnection that failed: the session layer's one hangup path
      if (pl.hasPeer && !pl.handle.detached) pl.handle.media.emit({ type: 'failed', reason: 'Media worker failed' });
    }
    w.handles.clear();
    this.routePlane.workerGone(w.index, this.workers.filter((x): x is MediaWorker => !!x));
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
}
