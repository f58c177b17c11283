import type { JanusMessage } from './plugin-api';

/**
 * Holds async events while a request is being processed, so its reply goes out first (Janus
 * sends a request's `ack`/`success` before the events it caused). Gates nest.
 */
export class EventGate {
  private depth = 0;
  private held: JanusMessage[] = [];

  constructor(private readonly deliver: (message: JanusMessage) => void) {}

  open(): void {
    this.depth++;
  }

  /** Once the last open gate closes, what was held goes out in order. */
  close(): void {
    if (this.depth > 0) this.depth--;
    if (this.depth > 0 || this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const m of held) this.deliver(m);
  }

  send(message: JanusMessage): void {
    if (this.depth > 0) this.held.push(message);
    else this.deliver(message);
  }
}
