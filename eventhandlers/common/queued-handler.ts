import {
  PLUGIN_API_VERSION,
  ALL_EVENTS,
  formatJson,
  isJsonObject,
  parseEventMask,
  parseJsonStyle,
  validateParams,
  type ConfigView,
  type EventHandler,
  type JanusEvent,
  type JsonObject,
  type JsonStyle,
  type ModuleContext,
  type ModuleInfo,
  type ModuleLogger,
  type ParamSpec,
} from '../../core/plugin-api';
import { Delivery, type DeliveryOptions } from './delivery';

/** Janus groups at most this many events in one message. */
export const GROUP_MAX = 100;
/** Default queue cap (janus-ts `events_cap`): about 10-20 MB of typical events. */
export const DEFAULT_CAP = 10_000;
/** Hard ceiling for `events_cap`, so no setting can make the queue unbounded. */
export const MAX_CAP = 100_000;
/** How long `destroy` keeps trying to deliver what is queued. */
export const FLUSH_ON_DESTROY_MS = 2000;

/** Keys every handler reads from `general` (Janus's common ones plus janus-ts's `events_cap`). */
export const commonKeys = ['enabled', 'events', 'json', 'grouping', 'events_cap'];

/** A reply to `query_eventhandler`, with Janus's error codes. */
export function queryError(code: number, error: string): JsonObject {
  return { error_code: code, error };
}

/**
 * What the four handlers share: `general.enabled`/`events`/`json`/`grouping`, the bounded
 * delivery queue, and the Admin `query_eventhandler` requests (`tweak`, plus janus-ts's `stats`).
 * A subclass reads its own keys, connects, and says how a batch is sent.
 */
export abstract class QueuedEventHandler implements EventHandler {
  readonly kind = 'eventhandler' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  abstract readonly info: ModuleInfo;
  eventsMask = ALL_EVENTS;
  protected json: JsonStyle = 'indented';
  protected grouping = true;
  protected log!: ModuleLogger;
  /** False for backends that publish every event on its own (MQTT): `grouping` is then ignored. */
  protected readonly canGroup: boolean = true;
  protected delivery!: Delivery;

  /** Read the handler's own keys; return false (after logging why) to stay unloaded. */
  protected abstract configure(config: ConfigView, ctx: ModuleContext): boolean;
  /** Keys of `general` this handler knows besides {@link commonKeys} (unknown ones are warned about). */
  protected abstract readonly ownKeys: readonly string[];
  /** Retry policy of this backend. */
  protected abstract retryPolicy(config: ConfigView): Pick<DeliveryOptions, 'maxRetransmissions' | 'backoffMs' | 'backoffMaxMs'>;
  /** Start connecting (must not wait for the backend: it may be down at start). */
  protected abstract start(): void | Promise<void>;
  /** Deliver one batch; reject when it did not get there. */
  protected abstract sendBatch(batch: JanusEvent[]): Promise<void>;
  /** Close connections (after the queue was flushed or given up on). */
  protected abstract stop(): void | Promise<void>;
  /** Handler-specific `tweak` keys: validate all first (return an error reply), then apply. */
  protected tweakParams(): ParamSpec[] {
    return [];
  }
  protected checkTweak(_req: JsonObject): JsonObject | undefined {
    return undefined;
  }
  protected applyTweak(_req: JsonObject): void {}
  /** Most events handed to one `sendBatch` (one message when grouping). */
  protected batchMax(): number {
    return this.grouping ? GROUP_MAX : 1;
  }
  /** Config key holding the queue cap (the WebSocket handler also takes Janus's own name for it). */
  protected eventsCapKey(): string {
    return 'events_cap';
  }

  async init(ctx: ModuleContext): Promise<boolean> {
    const c = ctx.config;
    this.log = ctx.logger;
    if (!c.getBool('general', 'enabled', false)) return false;
    c.warnUnknown('general', [...commonKeys, ...this.ownKeys]);
    this.eventsMask = parseEventMask(c.getString('general', 'events'));
    this.json = parseJsonStyle(c.getString('general', 'json'));
    this.grouping = c.getBool('general', 'grouping', true);
    if (!this.configure(c, ctx)) return false;
    if (!this.canGroup) this.grouping = false;
    let cap = c.getInt('general', this.eventsCapKey()) ?? c.getInt('general', 'events_cap') ?? DEFAULT_CAP;
    if (cap <= 0 || cap > MAX_CAP) {
      this.log.warn({ events_cap: cap, used: MAX_CAP }, 'events_cap out of range (0 would mean unbounded): using the ceiling');
      cap = MAX_CAP;
    }
    this.delivery = new Delivery(
      { cap, batchMax: this.batchMax(), ...this.retryPolicy(c) },
      (batch) => this.sendBatch(batch),
      this.log,
    );
    await this.start();
    this.log.info({ events: this.eventsMask, grouping: this.grouping, events_cap: cap }, 'Event handler initialized');
    return true;
  }

  incomingEvent(event: JanusEvent): void {
    this.delivery.push(event);
  }

  async destroy(): Promise<void> {
    if (!this.delivery) return;
    await this.delivery.close(FLUSH_ON_DESTROY_MS);
    await this.stop();
    this.log.info({ ...this.delivery.stats() }, 'Event handler destroyed');
  }

  /**
   * The text of one message: an array when grouping (even of one event, as Janus), else the
   * event itself. (A batch taken just before `grouping` was tweaked off still goes as an array.)
   */
  protected format(batch: JanusEvent[]): string {
    return formatJson(this.grouping || batch.length > 1 ? batch : batch[0], this.json);
  }

  handleRequest(request: unknown): JsonObject {
    if (!isJsonObject(request)) return queryError(412, 'Missing mandatory element (request)');
    const bad = validateParams(request, [{ name: 'request', type: 'string', required: true }], 412, 413);
    if (bad) return queryError(bad.code, bad.reason);
    const verb = request.request as string;
    if (verb === 'stats') return { result: 200, stats: { ...this.delivery.stats() } };
    if (verb !== 'tweak') return queryError(411, `Unknown request '${verb}'`);
    const tbad = validateParams(request, [
      { name: 'events', type: 'string' },
      { name: 'grouping', type: 'boolean' },
      ...this.tweakParams(),
    ], 412, 413);
    if (tbad) return queryError(tbad.code, tbad.reason);
    const specific = this.checkTweak(request);
    if (specific) return specific;
    if (typeof request.events === 'string') this.eventsMask = parseEventMask(request.events);
    if (typeof request.grouping === 'boolean' && this.canGroup) {
      this.grouping = request.grouping;
      this.delivery.tune({ batchMax: this.batchMax() });
    }
    this.applyTweak(request);
    this.log.info({ tweak: Object.keys(request).filter((k) => k !== 'request') }, 'Settings changed by Admin API');
    return { result: 200 };
  }
}
