/**
 * Transport plugins: they carry Janus API / Admin API JSON between clients and the core
 * (Janus's transport.h, in TypeScript idiom).
 *
 * A transport creates one {@link TransportClient} per client connection (a WebSocket), or one
 * shared client (HTTP keeps per-session event queues; brokers have a single connection). Sessions
 * created through a client are *owned* by it: their asynchronous events go to
 * `client.sendEvent`, whatever transport a later request came from, until another client `claim`s them.
 */
import type { ModuleContext, ModuleInfo } from './module';
import type { JanusMessage, JsonObject } from './messages';

/** One client connection (Janus's `janus_transport_session`). */
export interface TransportClient {
  /** The transport this client belongs to (its package shows in `handle_info` and events). */
  readonly transport: Transport;
  /** Deliver an asynchronous event for a session this client owns. Must not throw. */
  sendEvent(message: JanusMessage): void;
  /** A session was created (or claimed) through this client: HTTP creates its long-poll queue here. */
  sessionCreated?(sessionId: number): void;
  /** A session this client owned is gone: destroyed, timed out, or claimed by another client. */
  sessionOver?(sessionId: number, timeout: boolean, claimed: boolean): void;
  /** This client claimed a session that was owned elsewhere. */
  sessionClaimed?(sessionId: number): void;
  /** Remote address, for logs and transport events. */
  readonly remote?: { ip: string; port?: number };
}

/** One request handed to the core. */
export interface IncomingRequest {
  readonly client: TransportClient;
  /** True when it came on the Admin API listener/queue. */
  readonly admin: boolean;
  /** The parsed request; `undefined` when the payload did not parse (then `parseError` says why). */
  readonly message: unknown;
  /**
   * The transport instance this request came on, as event handlers see it (`transport.id` of a
   * session it creates). HTTP has one per request, as Janus; default: the client's own id.
   */
  readonly instanceId?: string;
  /** Parser error text; the core answers 454 with it. */
  readonly parseError?: string;
  /**
   * Called exactly once with the reply (`success`, `ack`, `error`, `server_info`, `pong`).
   * Events caused by the same request are delivered only after this call returns, so a client
   * always sees `ack` before the `event` it announces.
   */
  reply(message: JanusMessage): void;
}

/** What the core offers a transport (Janus's `janus_transport_callbacks`). */
export interface TransportGateway {
  /** Hand over a request; the reply comes through `request.reply`. Never throws. */
  incomingRequest(request: IncomingRequest): void;
  /** The client's connection is gone: its sessions are destroyed now or after `reclaim_session_timeout`. */
  transportGone(client: TransportClient): void;
  /** For checks the transport must do itself (HTTP long-poll GET carries secrets in the query). */
  isApiSecretNeeded(): boolean;
  isApiSecretValid(secret: string | undefined): boolean;
  isAuthTokenNeeded(): boolean;
  isAuthTokenValid(token: string | undefined): boolean;
  /** True when a session with this id exists and is owned by `client`. */
  isSessionOwnedBy(sessionId: number, client: TransportClient): boolean;
  /** Whether transport events (type 128) are wanted at all. */
  eventsEnabled(): boolean;
  /** Emit a transport event (type 128) to the event handlers; `instanceId` overrides the client's id (see IncomingRequest). */
  notifyEvent(transport: Transport, client: TransportClient | undefined, event: JsonObject, instanceId?: string): void;
}

export interface TransportContext extends ModuleContext {
  readonly gateway: TransportGateway;
}

/** A transport plugin. The default export of a transport module is a class implementing this. */
export interface Transport {
  readonly kind: 'transport';
  readonly info: ModuleInfo;
  /** The plugin-API version it was built for: `PLUGIN_API_VERSION` (the loader refuses others). */
  readonly apiVersion: number;
  /** Start listening/connecting; resolve `false` when not enabled by config (then it is not listed). Reject on failure. */
  init(ctx: TransportContext): Promise<void | boolean>;
  /** Stop: close listeners and connections. */
  destroy(): Promise<void>;
  /** Known after `init`: which APIs this transport serves. */
  isJanusApiEnabled(): boolean;
  isAdminApiEnabled(): boolean;
  /** Admin API `query_transport`; absent ⇒ 490 "Transport plugin doesn't support queries". */
  queryTransport?(request: unknown): JsonObject | Promise<JsonObject>;
}
