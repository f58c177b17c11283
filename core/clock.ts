/** Monotonic time, as Janus's `janus_get_monotonic_time`. */
const origin = process.hrtime.bigint();

/** Monotonic microseconds since the process started. */
export function monotonicMicros(): number {
  return Number((process.hrtime.bigint() - origin) / 1000n);
}

/** Monotonic milliseconds (timers, timeouts). */
export function monotonicMs(): number {
  return Number((process.hrtime.bigint() - origin) / 1_000_000n);
}
