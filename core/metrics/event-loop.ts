import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';

/** One thread's event-loop figures since the previous read. */
export interface LoopStats {
  /** Delay percentiles and max, in seconds. */
  p50: number;
  p99: number;
  max: number;
  /** Share of the interval the loop was busy (0-1). */
  utilization: number;
}

/** Reads a thread's loop figures; media worker threads register one each (posting theirs). */
export type LoopReader = () => LoopStats | undefined;

/**
 * One thread's loop, measured with perf_hooks: delay histogram and utilisation. Works in any
 * thread (perf_hooks measures the calling thread): a media worker makes its own and puts
 * `read()` into its metrics snapshot (`MediaMetricsSnapshot.loops`).
 */
export class LoopMonitor {
  private readonly delay: IntervalHistogram;
  private lastElu: EventLoopUtilization;

  constructor() {
    this.delay = monitorEventLoopDelay({ resolution: 10 });
    this.delay.enable();
    this.lastElu = performance.eventLoopUtilization();
  }

  read(): LoopStats {
    const elu = performance.eventLoopUtilization(this.lastElu);
    this.lastElu = performance.eventLoopUtilization();
    const h = this.delay;
    const s = {
      p50: h.percentile(50) / 1e9,
      p99: h.percentile(99) / 1e9,
      max: h.max / 1e9,
      utilization: elu.utilization,
    };
    h.reset();
    return s;
  }

  stop(): void {
    this.delay.disable();
  }
}

/**
 * Threads whose loops are reported as `janus_eventloop_*{thread}`: `main` always; a media worker
 * registers `media-<n>` with a reader returning the figures its thread last posted.
 */
export class LoopRegistry {
  private readonly readers = new Map<string, LoopReader>();

  register(thread: string, reader: LoopReader): () => void {
    this.readers.set(thread, reader);
    return () => {
      if (this.readers.get(thread) === reader) this.readers.delete(thread);
    };
  }

  *read(): Iterable<[string, LoopStats]> {
    for (const [thread, r] of this.readers) {
      const s = r();
      if (s) yield [thread, s];
    }
  }
}
