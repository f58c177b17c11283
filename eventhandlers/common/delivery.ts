import { backoffDelay, type JanusEvent, type ModuleLogger } from '../../core/plugin-api';
import { RingQueue } from './ring-queue';

/** Sends one batch to the backend; rejects when it did not get there (it is then retried). */
export type BatchSender = (batch: JanusEvent[]) => Promise<void>;

export interface DeliveryOptions {
  /** Most events held while the backend is slow or away; beyond it the oldest are dropped and counted. */
  cap: number;
  /** Most events per send (1 = one event per message; Janus groups up to 100). */
  batchMax: number;
  /** Retries of one batch before it is dropped; -1 = retry until it goes (the cap still bounds memory). */
  maxRetransmissions: number;
  /** First retry delay in ms; doubles on every further failure of the same batch. */
  backoffMs: number;
  /** Ceiling of the retry delay in ms. */
  backoffMaxMs: number;
}

/** What a handler reports about its delivery (Admin `query_eventhandler` `stats`, bench, logs). */
export interface DeliveryStats {
  received: number;
  sent: number;
  batches: number;
  failures: number;
  retries: number;
  /** Pushed out of a full queue. */
  dropped_overflow: number;
  /** Given up on after `maxRetransmissions`. */
  dropped_retries: number;
  /** Still queued when the handler was destroyed and the flush deadline passed. */
  dropped_shutdown: number;
  queued: number;
}

/** Log one line per this many drops of one kind, so a dead backend cannot flood the log either. */
const DROP_LOG_EVERY = 1000;

/**
 * A handler's outgoing side: a bounded queue and one sender loop. `push` never waits and never
 * throws, whatever the backend does (the emitter is the core). One batch is in flight at a time;
 * a failed batch is retried with exponential backoff before anything newer (Janus's sample
 * handler keeps order the same way), and while it waits the queue keeps taking events up to its
 * cap. Memory is bounded by `cap + batchMax` events.
 */
export class Delivery {
  private readonly queue: RingQueue<JanusEvent>;
  private readonly counters: Omit<DeliveryStats, 'queued'> = {
    received: 0, sent: 0, batches: 0, failures: 0, retries: 0, dropped_overflow: 0, dropped_retries: 0, dropped_shutdown: 0,
  };
  private running = false;
  private scheduled = false;
  private closed = false;
  private inflight: JanusEvent[] | null = null;
  private attempt = 0;
  private sleepTimer?: NodeJS.Timeout;
  private sleepDone?: () => void;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private opts: DeliveryOptions,
    private readonly send: BatchSender,
    private readonly log: ModuleLogger,
  ) {
    this.queue = new RingQueue<JanusEvent>(opts.cap);
  }

  get options(): Readonly<DeliveryOptions> {
    return this.opts;
  }

  /** Change batching/retry settings live (Admin `tweak`); the cap is fixed at start. */
  tune(change: Partial<Omit<DeliveryOptions, 'cap'>>): void {
    this.opts = { ...this.opts, ...change };
  }

  stats(): DeliveryStats {
    return { ...this.counters, queued: this.queue.length + (this.inflight?.length ?? 0) };
  }

  push(event: JanusEvent): void {
    this.counters.received++;
    if (this.closed) {
      this.counters.dropped_shutdown++;
      return;
    }
    if (this.queue.push(event)) {
      const n = ++this.counters.dropped_overflow;
      if (n % DROP_LOG_EVERY === 1) {
        this.log.warn({ dropped: n, cap: this.opts.cap }, 'Event queue full (backend slow or unreachable): dropping oldest events');
      }
    }
    this.schedule();
  }

  /** The backend is (back) up: retry now instead of waiting out the backoff. */
  wake(): void {
    if (this.sleepDone) this.sleepDone();
    else this.schedule();
  }

  /** Resolves once nothing is queued or in flight (tests, bench). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0 && !this.inflight) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * Stop taking events; try to deliver what is queued until `deadlineMs`, then drop (and count)
   * the rest. Retries keep their backoff but stop at the deadline.
   */
  async close(deadlineMs: number): Promise<void> {
    this.closed = true;
    const until = Date.now() + deadlineMs;
    const done = this.idle();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), Math.max(0, until - Date.now())))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      const lost = this.queue.clear() + (this.inflight?.length ?? 0);
      this.inflight = null;
      this.counters.dropped_shutdown += lost;
      if (lost > 0) this.log.warn({ dropped: lost }, 'Backend did not take the queued events before shutdown: dropped');
      this.sleepDone?.();
    }
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    // next tick, so events emitted together are grouped into one send
    setImmediate(() => {
      this.scheduled = false;
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        if (!this.inflight) {
          if (this.queue.length === 0) break;
          this.inflight = this.queue.take(this.opts.batchMax);
          this.attempt = 0;
        }
        const batch = this.inflight;
        try {
          await this.send(batch);
          if (this.inflight === batch) {
            this.counters.sent += batch.length;
            this.counters.batches++;
            this.inflight = null;
          }
        } catch (err) {
          if (this.inflight !== batch) continue; // dropped at shutdown meanwhile
          this.counters.failures++;
          const max = this.opts.maxRetransmissions;
          if (max >= 0 && this.attempt >= max) {
            const n = (this.counters.dropped_retries += batch.length);
            this.log.warn({ err, events: batch.length, dropped: n, attempts: this.attempt + 1 },
              'Could not deliver events after all retransmissions: dropped');
            this.inflight = null;
            continue;
          }
          const delay = backoffDelay(this.attempt, this.opts.backoffMs, 2, this.opts.backoffMaxMs);
          this.attempt++;
          this.counters.retries++;
          if (this.attempt === 1 || this.attempt % 10 === 0) {
            this.log.debug({ err, attempt: this.attempt, delay }, 'Event delivery failed, retrying');
          }
          await this.sleep(delay);
        }
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0 && !this.closed) this.schedule();
      else for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(this.sleepTimer);
        this.sleepTimer = undefined;
        this.sleepDone = undefined;
        resolve();
      };
      this.sleepDone = done;
      this.sleepTimer = setTimeout(done, ms);
    });
  }
}
