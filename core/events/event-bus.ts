import { inject, injectable } from 'tsyringe';
import { Settings } from '../config/settings';
import { Logger } from '../logger';
import type { EventHandler, JanusEvent, JsonObject } from '../plugin-api';

/** One event to queue: what `EventBus.emit` takes (the envelope's fields, in Janus's terms). */
export interface BusEvent {
  /** An `EventType` bit. */
  type: number;
  /** Janus's subtype (core, webrtc and media events); 0/undefined: none. */
  subtype?: number;
  sessionId?: number;
  handleId?: number;
  opaqueId?: string;
  /** The envelope's `event` body. */
  event: JsonObject | JsonObject[];
}

/** Most envelopes the bus holds before the next dispatch tick; beyond that they are counted and dropped. */
const MAX_PENDING = 100_000;

/**
 * The event bus: builds Janus envelopes and hands them to every event handler whose mask wants
 * them. Emitters never wait: envelopes are queued and dispatched on the next tick, and handlers
 * must queue on their side too.
 */
@injectable()
export class EventBus {
  private readonly handlers: EventHandler[] = [];
  private pending: JanusEvent[] = [];
  private scheduled = false;
  private closed = false;
  private readonly log;
  /** Counters: read by tests and in-process benchmarks only (no Admin request or metric shows them). */
  readonly stats = { emitted: 0, dispatched: 0, dropped: 0 };

  constructor(
    @inject(Settings) private readonly settings: Settings,
    @inject(Logger) logger: Logger,
  ) {
    this.log = logger.child('events');
  }

  addHandler(h: EventHandler): void {
    this.handlers.push(h);
  }

  /** Events are on: `broadcast` set and at least one handler loaded. */
  enabled(): boolean {
    return this.settings.eventsBroadcast && this.handlers.length > 0;
  }

  /**
   * No more events after this (called right after the core shutdown event, which handlers then
   * still get): real Janus emits no session/handle events while shutting down.
   */
  close(): void {
    this.closed = true;
  }

  /** Cheap check before building a body: does any handler want this type? */
  wants(type: number): boolean {
    if (!this.enabled()) return false;
    for (const h of this.handlers) if (h.eventsMask & type) return true;
    return false;
  }

  /** Queue one event. IDs 0/undefined and `subtype` 0/undefined are left out of the envelope, as in Janus. */
  emit(e: BusEvent): void {
    if (this.closed || !this.wants(e.type)) return;
    // keys added in Janus's order: emitter, type, subtype, timestamp, session_id, handle_id, opaque_id, event
    const ordered = { emitter: this.settings.serverName, type: e.type } as JanusEvent;
    if (e.subtype) ordered.subtype = e.subtype;
    ordered.timestamp = nowMicros();
    if (e.sessionId) ordered.session_id = e.sessionId;
    if (e.handleId) ordered.handle_id = e.handleId;
    if (e.opaqueId) ordered.opaque_id = e.opaqueId;
    ordered.event = e.event;
    this.stats.emitted++;
    if (this.pending.length >= MAX_PENDING) {
      this.stats.dropped++;
      if (this.stats.dropped % 1000 === 1) this.log.warn({ dropped: this.stats.dropped }, 'Event bus backlog full, dropping events');
      return;
    }
    this.pending.push(ordered);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.dispatch());
    }
  }

  private dispatch(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    for (const ev of batch) {
      for (const h of this.handlers) {
        if (!(h.eventsMask & ev.type)) continue;
        try {
          h.incomingEvent(ev);
          this.stats.dispatched++;
        } catch (err) {
          this.log.error({ err, handler: h.info.package }, 'Event handler threw on incomingEvent');
        }
      }
    }
  }
}

/**
 * Wall-clock microseconds since the epoch, as Janus's `janus_get_real_time`; taken from the
 * process's monotonic clock anchored at start, so events never go back in time.
 */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
