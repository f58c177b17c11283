/**
 * Retry delays for modules that talk to a broker or backend (transports, event handlers): the
 * one formula every reconnect and redelivery uses.
 */

/** Delay before retry `attempt` (0 = the first): `first` × `factor`^attempt, rounded, capped at `max` ms. */
export function backoffDelay(attempt: number, first: number, factor: number, max: number): number {
  // the exponent is capped so that a backend down for days never overflows to Infinity/NaN
  return Math.min(max, Math.round(first * factor ** Math.min(attempt, 64)));
}

/** Successive delays of one connection: `next()` after each failure, `reset()` once connected. */
export class Backoff {
  private attempt = 0;

  /** Defaults: Janus's MQTT/RabbitMQ reconnects (100 ms, ×1.5, up to 5 s). */
  constructor(
    readonly first = 100,
    readonly factor = 1.5,
    readonly max = 5000,
  ) {}

  /** Failures since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    return backoffDelay(this.attempt++, this.first, this.factor, this.max);
  }

  reset(): void {
    this.attempt = 0;
  }
}
