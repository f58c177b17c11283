import type { ModuleLogger } from '../../core/plugin-api';

/**
 * Messages waiting for a broker connection. Bounded: a broker outage must not grow memory
 * without limit, so past `cap` the oldest waiting message is dropped — and every drop is counted
 * and logged (at most once per second, with the running total), never silent.
 */
export class Outbox<T> {
  private items: T[] = [];
  /** Messages dropped because the buffer was full, since start. */
  dropped = 0;
  private lastLog = 0;
  private droppedSinceLog = 0;

  constructor(
    readonly cap: number,
    private readonly log: ModuleLogger,
    private readonly what: string,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** Queue at the back (a new message). */
  push(item: T): void {
    this.items.push(item);
    this.trim();
  }

  /** Put back at the front, in order (messages whose publication failed go out first on reconnect). */
  requeue(items: readonly T[]): void {
    if (items.length === 0) return;
    this.items = [...items, ...this.items];
    this.trim();
  }

  shift(): T | undefined {
    return this.items.shift();
  }

  /** Drop everything (on destroy); returns how many were still waiting. */
  clear(): number {
    const n = this.items.length;
    this.items = [];
    return n;
  }

  private trim(): void {
    const over = this.items.length - Math.max(0, this.cap);
    if (over <= 0) return;
    this.items.splice(0, over);
    this.dropped += over;
    this.droppedSinceLog += over;
    const now = Date.now();
    if (now - this.lastLog >= 1000) {
      this.log.warn(
        { dropped: this.droppedSinceLog, droppedTotal: this.dropped, cap: this.cap },
        `${this.what}: outgoing buffer full while the broker is unreachable, oldest messages dropped`,
      );
      this.lastLog = now;
      this.droppedSinceLog = 0;
    }
  }
}

