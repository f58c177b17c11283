import type { JanusMessage } from '../../core/plugin-api';

/** How long a long-poll GET waits for events before answering with a keepalive. */
export const LONG_POLL_MS = 30_000;

interface Waiter {
  maxev: number;
  done(events: JanusMessage[] | null): void;
  timer: NodeJS.Timeout;
}

interface Queue {
  events: JanusMessage[];
  waiters: Set<Waiter>;
}

/**
 * Per-session event queues of the HTTP transport. Events wait here until a long-poll GET takes
 * them; a GET with nothing to take is parked for up to 30 s. When an event arrives every parked
 * GET wakes: the first drains the queue, the others answer with the keepalive shape (as Janus).
 */
export class LongPollQueues {
  private readonly queues = new Map<number, Queue>();

  constructor(private readonly waitMs = LONG_POLL_MS) {}

  open(sessionId: number): void {
    if (!this.queues.has(sessionId)) this.queues.set(sessionId, { events: [], waiters: new Set() });
  }

  has(sessionId: number): boolean {
    return this.queues.has(sessionId);
  }

  /** The session is gone (or claimed away): parked polls get the keepalive shape. */
  close(sessionId: number): void {
    const q = this.queues.get(sessionId);
    if (!q) return;
    this.queues.delete(sessionId);
    for (const w of q.waiters) this.finish(q, w, null);
  }

  push(sessionId: number, event: JanusMessage): boolean {
    const q = this.queues.get(sessionId);
    if (!q) return false;
    q.events.push(event);
    for (const w of [...q.waiters]) this.finish(q, w, q.events.length ? q.events.splice(0, w.maxev) : null);
    return true;
  }

  /** Take up to `maxev` events now, or park until some arrive (`null` = none: send keepalive). */
  poll(sessionId: number, maxev: number, done: (events: JanusMessage[] | null) => void): (() => void) | undefined {
    const q = this.queues.get(sessionId);
    if (!q) return undefined;
    if (q.events.length) {
      done(q.events.splice(0, maxev));
      return () => {};
    }
    const w: Waiter = { maxev, done, timer: setTimeout(() => this.finish(q, w, null), this.waitMs) };
    q.waiters.add(w);
    return () => {
      clearTimeout(w.timer);
      q.waiters.delete(w);
    };
  }

  closeAll(): void {
    for (const id of [...this.queues.keys()]) this.close(id);
  }

  private finish(q: Queue, w: Waiter, events: JanusMessage[] | null): void {
    clearTimeout(w.timer);
    q.waiters.delete(w);
    w.done(events);
  }
}
