/**
 * Event handlers: one-way telemetry of everything that happens in the server (Janus's
 * eventhandler.h). They receive Janus-format envelopes and must never block the emitter.
 */
import type { ModuleContext, ModuleInfo } from './module';
import type { JsonObject } from './messages';
import { ownValue } from './untrusted';

/** Janus event types (numeric `type` in the envelope; also the bits of a handler's mask). */
export const EventType = {
  SESSION: 1,
  HANDLE: 2,
  EXTERNAL: 4,
  JSEP: 8,
  WEBRTC: 16,
  MEDIA: 32,
  PLUGIN: 64,
  TRANSPORT: 128,
  CORE: 256,
} as const;
export type EventType = (typeof EventType)[keyof typeof EventType];
export const ALL_EVENTS = 511;

/** Mask labels as written in handler configs (`events = "sessions,handles"`). */
export const eventMaskLabels: Readonly<Record<string, number>> = {
  sessions: EventType.SESSION,
  handles: EventType.HANDLE,
  external: EventType.EXTERNAL,
  jsep: EventType.JSEP,
  webrtc: EventType.WEBRTC,
  media: EventType.MEDIA,
  plugins: EventType.PLUGIN,
  transports: EventType.TRANSPORT,
  core: EventType.CORE,
  all: ALL_EVENTS,
  none: 0,
  no_events: 0,
};

/** Parse a Janus mask string ("all", "none", or comma-separated labels; unknown labels ignored). */
export function parseEventMask(value: string | undefined): number {
  if (value === undefined) return ALL_EVENTS;
  let mask = 0;
  for (const label of value.split(',')) {
    const bits = ownValue(eventMaskLabels, label.trim().toLowerCase());
    if (bits === ALL_EVENTS) return ALL_EVENTS;
    if (bits !== undefined) mask |= bits;
  }
  return mask;
}

/** The envelope every handler receives (field order as Janus emits it). */
export interface JanusEvent extends JsonObject {
  emitter: string;
  type: number;
  subtype?: number;
  timestamp: number;
  session_id?: number;
  handle_id?: number;
  opaque_id?: string;
  event: JsonObject | JsonObject[];
}

/** An event handler. The default export of an event-handler module is a class implementing this. */
export interface EventHandler {
  readonly kind: 'eventhandler';
  readonly info: ModuleInfo;
  /** The plugin-API version it was built for: `PLUGIN_API_VERSION` (the loader refuses others). */
  readonly apiVersion: number;
  /** Return `false` to stay unloaded (its `enabled` is off). */
  init(ctx: ModuleContext): Promise<void | boolean> | void | boolean;
  destroy(): Promise<void> | void;
  /** Bitmask of {@link EventType}s wanted; read on every event, so it may change live. */
  readonly eventsMask: number;
  /** One event; queue it and return at once. The object is shared with other handlers: don't mutate it. */
  incomingEvent(event: JanusEvent): void;
  /** Admin `query_eventhandler`; absent ⇒ 490 "Event handler doesn't support queries". */
  handleRequest?(request: unknown): JsonObject | Promise<JsonObject>;
}
