import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';

const RESOLUTION_MS = 10;

/** Event-loop health of one thread over the last sampling period. */
export interface LoopHealth {
  /** Share of the period the loop was busy (0..1), perf_hooks eventLoopUtilization. */
  utilization: number;
  /** Event-loop delay in ms (monitorEventLoopDelay, 10 ms resolution) over the period. */
  delay_p50_ms: number;
  delay_p99_ms: number;
  delay_max_ms: number;
  /** Largest delay seen since the thread started. */
  delay_max_ever_ms: number;
}

/** Samples this thread's event loop; `sample()` returns the figures since the previous call. */
export class LoopMonitor {
  private readonly hist: IntervalHistogram;
  private last: EventLoopUtilization;
  private maxEver = 0;

  constructor() {
    this.hist = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.hist.enable();
    this.last = performance.eventLoopUtilization();
  }

  sample(): LoopHealth {
    const now = performance.eventLoopUtilization();
    const d = performance.eventLoopUtilization(now, this.last);
    this.last = now;
    // the histogram holds timer intervals: the lateness is what exceeds the resolution
    const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4) / 100 - RESOLUTION_MS);
    const max = this.hist.count ? ms(this.hist.max) : 0;
    if (max > this.maxEver) this.maxEver = max;
    const out: LoopHealth = {
      utilization: Math.round(d.utilization * 1000) / 1000,
      delay_p50_ms: this.hist.count ? ms(this.hist.percentile(50)) : 0,
      delay_p99_ms: this.hist.count ? ms(this.hist.percentile(99)) : 0,
      delay_max_ms: max,
      delay_max_ever_ms: this.maxEver,
    };
    this.hist.reset();
    return out;
  }

  stop(): void {
    this.hist.disable();
  }
}
