import * as path from 'node:path';
import { Worker, type MessagePort } from 'node:worker_threads';
import type { RouteNote } from '../media/routes/route-sink';
import type { LoggerOptions } from '../logger';
import { addSnapshot, type MediaMetricsSnapshot } from '../metrics/media-snapshot';
import { JanusError, type JsonObject } from '../plugin-api';
import type { LoopHealth } from './loop-health';
import { RecordReader, type RecordSink } from './media-record';
import { createRingMemory, RingReader, RingWriter } from './packet-ring';
import { udpDropsMemory } from '../media/udp-guard';
import type { CallOp, RouteCounts, ToMain, ToWorker, WorkerBoot, WorkerEvent } from './protocol';

/**
 * Ring size per direction, ~1700 video packets. A full ring drops (counted): a worker that falls
 * behind (measured on a saturated machine: 3.3 MB backlog, over a second) would otherwise
 * deliver packets too old to play; a bounded ring keeps the delay bounded, as a socket buffer.
 */
const RING_BYTES = 2 * 1024 * 1024;

export interface MediaWorkerOptions {
  index: number;
  settings: Record<string, unknown>;
  logger: LoggerOptions;
  wanted: number[];
  sink: RecordSink;
  /** A route sink's note (layer change, keyframe wanted). */
  routeNote: (note: RouteNote) => void;
  /** The thread ended (crash, OOM, terminate): every pending call has been rejected. */
  exited: (worker: MediaWorker, code: number, error?: Error) => void;
}

/**
 * The main thread's side of one media worker thread: its two packet rings, its control channel
 * (calls with replies) and its last health report.
 */
export class MediaWorker {
  readonly index: number;
  /** Keys of the handles placed on this worker. */
  readonly handles = new Set<number>();
  readonly toWorker: RingWriter;
  private readonly fromWorker: RingReader;
  private readonly thread: Worker;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private alive = true;
  health?: LoopHealth;
  peers = 0;
  /** Its media routes as of its last report. */
  routes: RouteCounts = { sinks: 0, fans: 0, ringDrops: 0 };
  /** The plugin's RTP relays it dropped for age, as of its last report. */
  relayStale = 0;
  /** Exceptions/rejections the worker contained (logged there). */
  faults = 0;
  /** The worker's media counters as of its last report (each second). */
  metrics?: MediaMetricsSnapshot;
  readonly started = Date.now();

  constructor(opts: MediaWorkerOptions) {
    this.index = opts.index;
    const toWorker = createRingMemory(RING_BYTES);
    const toMain = createRingMemory(RING_BYTES);
    this.toWorker = new RingWriter(toWorker, () => this.alive && this.thread.postMessage({ t: 'wake' } satisfies ToWorker));
    this.fromWorker = new RingReader(toMain);
    const reader = new RecordReader(opts.sink);
    this.thread = new Worker(path.join(__dirname, 'worker-entry.js'), {
      workerData: { index: opts.index, settings: opts.settings, logger: opts.logger, toWorker, toMain, wanted: opts.wanted, udpDrops: udpDropsMemory() } satisfies WorkerBoot,
      stdout: false,
      stderr: false,
    });
    this.thread.on('message', (m: ToMain) => (m.t === 'routeNote' ? opts.routeNote(m.note) : this.onMessage(m, opts.sink)));
    let error: Error | undefined;
    this.thread.on('error', (err) => (error = err));
    this.thread.on('exit', (code) => {
      this.alive = false;
      // what the worker had written before dying still belongs to its handles
      this.fromWorker.drain(reader.onRecord);
      this.fromWorker.stop();
      for (const p of this.pending.values()) p.reject(new JanusError(490, 'Media worker gone'));
      this.pending.clear();
      opts.exited(this, code, error);
    });
    this.fromWorker.start(reader.onRecord);
  }

  get isAlive(): boolean {
    return this.alive;
  }

  get threadId(): number {
    return this.thread.threadId;
  }

  /** Records and wake-up messages each way since start (a wake-up per record means no batching). */
  get ringCounts(): { toWorker: number; toWorkerWakeups: number; toMain: number; toMainWakeups: number } {
    return { toWorker: this.toWorker.written, toWorkerWakeups: this.toWorker.wakeups, toMain: this.fromWorker.read, toMainWakeups: this.fromWorker.wakeups };
  }

  /** Bytes waiting in each ring now (a growing figure is a thread falling behind). */
  get queued(): { toWorker: number; toMain: number } {
    return { toWorker: this.toWorker.used, toMain: this.fromWorker.used };
  }

  send(m: ToWorker): void {
    if (this.alive) this.thread.postMessage(m);
  }

  /** A message that hands over ports (rings between workers). */
  sendTransfer(m: ToWorker, transfer: MessagePort[]): void {
    if (this.alive) this.thread.postMessage(m, transfer);
  }

  call(key: number, op: CallOp, arg: unknown, trickle: boolean): Promise<unknown> {
    if (!this.alive) return Promise.reject(new JanusError(490, 'Media worker gone'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.thread.postMessage({ t: 'call', id, key, op, arg, trickle } satisfies ToWorker);
    });
  }

  private onMessage(m: ToMain, sink: RecordSink): void {
    if (m.t === 'wake') {
      this.fromWorker.wake();
    } else if (m.t === 'reply') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(m.code !== undefined ? new JanusError(m.code, m.reason) : new Error(m.reason));
    } else if (m.t === 'health') {
      this.health = m.loop;
      this.peers = m.peers;
      this.faults = m.faults;
      this.routes = m.routes;
      this.relayStale = m.relayStale;
      // counters are the worker's totals; the "new since last" lists pile up until a scrape takes them
      const prev = this.metrics;
      if (prev) {
        m.metrics.newSetupSeconds.unshift(...prev.newSetupSeconds);
        m.metrics.newIceSeconds.unshift(...prev.newIceSeconds);
        m.metrics.newDtlsSeconds.unshift(...prev.newDtlsSeconds);
      }
      this.metrics = m.metrics;
    } else if (m.t === 'event') {
      sink.event(m.key, m.event satisfies WorkerEvent);
    }
  }

  /** Add this worker's last counters to `out`; the "new since last" lists go to this scrape only. */
  takeMetrics(out: MediaMetricsSnapshot): void {
    const m = this.metrics;
    if (!m) return;
    addSnapshot(out, m);
    m.newSetupSeconds.length = 0;
    m.newIceSeconds.length = 0;
    m.newDtlsSeconds.length = 0;
  }

  terminate(): Promise<number> {
    this.alive = false;
    return this.thread.terminate();
  }
}

/** One worker slot in Admin `loop_health` (a slot not started yet, or restarting, shows as not alive). */
export function healthReport(w: MediaWorker | undefined): JsonObject {
  return {
    index: w?.index ?? -1,
    alive: !!w?.isAlive,
    thread_id: w?.threadId ?? -1,
    handles: w?.handles.size ?? 0,
    peers: w?.peers ?? 0,
    faults: w?.faults ?? 0,
    ring_drops: w?.toWorker.dropped ?? 0,
    ring_stale_drops: w?.relayStale ?? 0,
    routes: w?.routes.sinks ?? 0,
    fans: w?.routes.fans ?? 0,
    route_ring_drops: w?.routes.ringDrops ?? 0,
    ring_records: (w?.ringCounts ?? null) as unknown as JsonObject,
    ring_queued_to_worker: w?.queued.toWorker ?? 0,
    ring_queued_to_main: w?.queued.toMain ?? 0,
    loop: (w?.health ?? null) as unknown as JsonObject,
  };
}
