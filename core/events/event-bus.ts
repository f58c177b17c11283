import { inject, injectable } from 'tsyringe';
import { Settings } from '../config/settings';
import { Logger } from '../logger';
import type { EventHandler, JanusEvent, JsonObject } from '../plugin-api';

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
  /** Counters, shown by Admin `query_eventhandler`-style introspection and benchmarks. */
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

  removeHandler(h: EventHandler): void {
    const i = this.handlers.indexOf(h);
    if (i >= 0) this.handlers.splice(i, 1);
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

  /**
   * Queue one event. `subtype` 0 means none; IDs 0/undefined are left out, as in Janus.
   */
  emit(
    type: number,
    subtype: number,
    sessionId: number | undefined,
    handleId: number | undefined,
    opaqueId: string | undefined,
    event: JsonObject | JsonObject[],
  ): void {
    if (this.closed || !this.wants(type)) return;
    // keys added in Janus's order: emitter, type, subtype, timestamp, session_id, handle_id, opaque_id, event
    const ordered = { emitter: this.settings.serverName, type } as JanusEvent;
    if (subtype > 0) ordered.subtype = subtype;
    ordered.timestamp = nowMicros();
    if (sessionId) ordered.session_id = sessionId;
    if (handleId) ordered.handle_id = handleId;
    if (opaqueId) ordered.opaque_id = opaqueId;
    ordered.event = event;
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
