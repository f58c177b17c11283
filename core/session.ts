import { monotonicMicros, monotonicMs } from './clock';
import type { Handle } from './handle';
import type { JanusMessage, TransportClient } from './plugin-api';

/** Events kept for a session whose transport is gone, until it is claimed (reclaim window). */
const MAX_UNOWNED_EVENTS = 1000;

/** A Janus session: owned by one transport client, holding handles, timed out when idle. */
export class Session {
  readonly handles = new Map<number, Handle>();
  readonly created = monotonicMicros();
  /** Last accepted Janus API request (monotonic ms). */
  lastActivity = monotonicMs();
  /** Per-session timeout from Admin `set_session_timeout`: -1 follows the global value. */
  timeoutOverride = -1;
  destroyed = false;
  /** When the owning client went away (monotonic ms); undefined while owned. */
  ownerGoneAt?: number;
  /** Events held while no client owns the session; dropped (and counted) beyond the cap. */
  private unowned: JanusMessage[] = [];
  droppedEvents = 0;
  /** While > 0, events wait so the reply of the request being processed goes out first. */
  private gateDepth = 0;
  private held: JanusMessage[] = [];

  constructor(
    readonly id: number,
    public owner: TransportClient | undefined,
  ) {}

  touch(): void {
    this.lastActivity = monotonicMs();
  }

  /** Hold events until `closeGate` (called once the reply has gone out). */
  openGate(): void {
    this.gateDepth++;
  }

  closeGate(): void {
    if (this.gateDepth > 0) this.gateDepth--;
    if (this.gateDepth > 0 || this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const m of held) this.deliver(m);
  }

  /** Deliver an async event to the owner (after the reply being processed, if any). */
  send(message: JanusMessage): void {
    if (this.gateDepth > 0) this.held.push(message);
    else this.deliver(message);
  }

  /** Hand an event to the owner now; hold it while there is none. */
  private deliver(message: JanusMessage): void {
    if (this.destroyed) return;
    if (this.owner) {
      this.owner.sendEvent(message);
      return;
    }
    if (this.unowned.length < MAX_UNOWNED_EVENTS) this.unowned.push(message);
    else this.droppedEvents++;
  }

  /** Set a new owner (claim) and hand it what was held meanwhile. */
  adopt(client: TransportClient): void {
    this.owner = client;
    this.ownerGoneAt = undefined;
    const held = this.unowned;
    this.unowned = [];
    for (const m of held) client.sendEvent(m);
  }

  ownerGone(): void {
    this.owner = undefined;
    this.ownerGoneAt = monotonicMs();
  }
}
