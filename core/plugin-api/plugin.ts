/**
 * Media plugins: the application logic behind `attach` (Janus's plugin.h, in TypeScript idiom).
 *
 * The core creates one {@link PluginHandle} per Janus handle and calls the plugin with the
 * plugin's own per-handle state `S` (what `createSession` returned). The plugin talks back to the
 * client and to the media stack only through the `PluginHandle` methods.
 */
import type { ModuleContext, ModuleInfo } from './module';
import type { JsonObject } from './messages';
import type { DataPacket, OutgoingJsep, PluginJsep, RtcpPacket, RtpPacket } from './media';
import type { Recording, RecordingOptions } from './recorder';
import type { MediaRoute, RouteListener, RouteSinkSpec } from './media-route';

/** A `message` request as the plugin receives it. */
export interface PluginMessage {
  readonly transaction: string;
  readonly body: JsonObject;
  readonly jsep?: PluginJsep;
}

/**
 * What `handleMessage` returns (Janus's `janus_plugin_result`):
 * - `ok`: synchronous answer, sent as Janus `success` with `plugindata.data = content`;
 * - `okWait`: Janus `ack` (with `hint`); the real answer follows through `pushEvent` with the same transaction;
 * - `error`: Janus error 462 with `text`.
 */
export type PluginResult =
  | { readonly type: 'ok'; readonly content: JsonObject }
  | { readonly type: 'okWait'; readonly hint?: string }
  | { readonly type: 'error'; readonly text: string };

export const PluginResult = {
  ok: (content: JsonObject): PluginResult => ({ type: 'ok', content }),
  okWait: (hint?: string): PluginResult => ({ type: 'okWait', hint }),
  error: (text: string): PluginResult => ({ type: 'error', text }),
};

/** The core, as seen from one handle (Janus's `janus_callbacks` bound to a `janus_plugin_session`). */
export interface PluginHandle {
  readonly sessionId: number;
  readonly handleId: number;
  readonly opaqueId?: string;
  /** The `token` used on `attach`, if any. */
  readonly token?: string;
  /** False once the handle is detached: further calls are ignored. */
  readonly alive: boolean;
  /**
   * Send a Janus `event` to the client (`plugindata.data = data`), optionally with JSEP.
   * Rejects with a JanusError when the JSEP is invalid; resolves once queued to the transport.
   * On a handle that is gone (detached, session destroyed) it resolves and sends nothing.
   */
  pushEvent(transaction: string | undefined, data: JsonObject, jsep?: OutgoingJsep): Promise<void>;
  /**
   * Send RTP to the peer on `packet.mindex`. Hot path: the call goes straight to the handle's
   * media outbound side (the PeerConnection, or the ring to its media worker): the core adds no
   * lookup and no allocation (the SRTP stage beneath it may). Without a PeerConnection (or once
   * detached) the packet is dropped.
   */
  relayRtp(packet: RtpPacket): void;
  relayRtcp(packet: RtcpPacket): void;
  relayData(packet: DataPacket): void;
  /** Ask the peer for a keyframe on all video m-lines, or one m-line. */
  sendPli(mindex?: number): void;
  /** Tell the peer the bitrate cap (REMB), in bits per second. */
  sendRemb(bitrate: number): void;
  /** Tear down the PeerConnection, keep the handle (client gets `hangup` reason "Close PC"). */
  closePc(): void;
  /** Destroy the handle from the plugin side (client gets `detached`). */
  endSession(): void;
  /** Emit a plugin event (type 64) to event handlers, tied to this handle. */
  notifyEvent(event: JsonObject): void;
  /**
   * Placement hint for the media plane: handles given the same key (e.g. a VideoRoom room) are
   * placed on the same media worker when they can, so packets relayed between them cross fewer
   * threads. Only applies when called before the handle's first JSEP (placement happens then);
   * ignored with in-thread media. Optional so that test doubles need not implement it.
   */
  hintMediaAffinity?(key: string): void;
  /**
   * Open a `.mjr` recording for this handle (Janus's recorder). Throws a JanusError for an unknown
   * codec or a protected folder; a folder or disk failure later gives the handle an event
   * `{<plugin>:"event", ...failureContext, recording:{status:"failed", file, type, codec, reason}}`,
   * event handlers a `recording-failed` plugin event, and Admin `handle_info` lists it under `recordings`.
   */
  startRecording(options: RecordingOptions): Recording;
  /**
   * Open a media route into this handle's m-line `spec.mindex` (see media-route.ts): the core
   * relays another handle's m-line here where the packets are, with one rewrite and the layer
   * choice a plugin would make. Undefined when the media stack has no routes (relay on the main
   * thread then). Optional so that test doubles need not implement it.
   */
  openRoute?(spec: RouteSinkSpec, listener: RouteListener): MediaRoute | undefined;
  /**
   * Stop (false) or resume (true) `incomingRtp` for one m-line of this handle. A plugin whose
   * media routes relay the stream and that needs nothing else of it (no recording, forwarder,
   * level detection) spares the main thread every packet: with media workers the packets then
   * never leave the worker. Routes, RTCP and data are not affected. Default: every m-line.
   */
  setIncomingRtp?(mindex: number, wanted: boolean): void;
}

/** The core, as seen from the plugin as a whole. */
export interface PluginContext extends ModuleContext {
  /** Whether event handlers are on (so building event bodies is worth it). */
  eventsEnabled(): boolean;
  /** Emit a plugin event (type 64) not tied to a handle. */
  notifyEvent(event: JsonObject): void;
  /** Signed-token helpers (core `token_auth_secret` mode), realm = the plugin's package. */
  authIsSigned(): boolean;
  authIsSignatureValid(token: string): boolean;
  authSignatureContains(token: string, descriptor: string): boolean;
}

/** A media plugin. The default export of a plugin module is a class implementing this. */
export interface Plugin<S = unknown> {
  readonly kind: 'plugin';
  readonly info: ModuleInfo;
  /** The plugin-API version it was built for: `PLUGIN_API_VERSION` (the loader refuses others). */
  readonly apiVersion: number;
  /** Return `false` to stay unloaded (not enabled by its config). */
  init(ctx: PluginContext): Promise<void | boolean> | void | boolean;
  destroy(): Promise<void> | void;
  /** `attach`: return this handle's state. Throwing gives the client 461. */
  createSession(handle: PluginHandle): S | Promise<S>;
  /** `message`. Throwing gives the client 462 with the error's message. */
  handleMessage(session: S, message: PluginMessage): PluginResult | Promise<PluginResult>;
  /** Admin `message_plugin`; absent ⇒ 490 "Plugin doesn't support Admin API messages". */
  handleAdminMessage?(request: unknown): JsonObject | Promise<JsonObject>;
  /** PeerConnection up (ICE + DTLS done): the moment the client gets `webrtcup`. */
  setupMedia?(session: S): void;
  incomingRtp?(session: S, packet: RtpPacket): void;
  incomingRtcp?(session: S, packet: RtcpPacket): void;
  /**
   * Which incoming RTCP `incomingRtcp` gets: `'all'` (the default, as Janus) or `'feedback'`: only
   * compounds with feedback (NACK, PLI, FIR, REMB, TWCC); plain reports (SR, RR, SDES, BYE), one
   * per PeerConnection and second, then stay where the PeerConnection runs (its media worker).
   */
  readonly incomingRtcpKinds?: 'all' | 'feedback';
  incomingData?(session: S, packet: DataPacket): void;
  /** Data channel writable (first time and after the buffer drained). */
  dataReady?(session: S): void;
  slowLink?(session: S, mindex: number, video: boolean, uplink: boolean): void;
  /** PeerConnection closed (hangup, DTLS alert, ICE failure, closePc). */
  hangupMedia?(session: S): void;
  /** `detach`, session destroyed or timed out. */
  destroySession(session: S): void | Promise<void>;
  /** Admin `handle_info` → `plugin_specific`. */
  querySession?(session: S): JsonObject | undefined;
}
