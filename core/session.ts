import { monotonicMicros, monotonicMs } from './clock';
import { EventGate } from './event-gate';
import type { Handle, HandleOwner } from './handle';
import type { JanusMessage, TransportClient } from './plugin-api';

/** Events kept for a session whose transport is gone, until it is claimed (reclaim window). */
const MAX_UNOWNED_EVENTS = 1000;

/** A Janus session: owned by one transport client, holding handles, timed out when idle. */
export class Session implements HandleOwner {
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
  /** Events wait here while a request is processed, so its reply goes out first. */
  private readonly gate = new EventGate((m) => this.deliver(m));

  constructor(
    readonly id: number,
    public owner: TransportClient | undefined,
  ) {}

  touch(): void {
    this.lastActivity = monotonicMs();
  }

  /** Hold events until `closeGate` (called once the reply has gone out). */
  openGate(): void {
    this.gate.open();
  }

  closeGate(): void {
    this.gate.close();
  }

  /** Deliver an async event to the owner (after the reply being processed, if any). */
  send(message: JanusMessage): void {
    this.gate.send(message);
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
