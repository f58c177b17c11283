import { monotonicMicros } from './clock';
import { EventGate } from './event-gate';
import { MediaSession, type MediaEvent } from './media-session';
import { HandleRecordings } from './recording/handle-recordings';
import type {
  DataPacket,
  MediaRoute,
  JanusMessage,
  JsonObject,
  OutgoingJsep,
  Plugin,
  PluginHandle,
  RouteListener,
  RouteSinkSpec,
  RtcpPacket,
  RtpPacket,
  Recording,
  RecordingOptions,
  TransportClient,
} from './plugin-api';

/**
 * What a handle (and the core, through `handle.session`) needs from the session it belongs to
 * (implemented by `Session`; declared here so the handle does not import its owner).
 */
export interface HandleOwner {
  readonly id: number;
  readonly destroyed: boolean;
  readonly handles: Map<number, Handle>;
  /** Last accepted Janus API request (monotonic ms). */
  readonly lastActivity: number;
  /** Per-session timeout from Admin `set_session_timeout`: -1 follows the global value. */
  readonly timeoutOverride: number;
  readonly owner: TransportClient | undefined;
  /** Deliver an async event to the session's client (after the reply being processed, if any). */
  send(message: JanusMessage): void;
}

/** What a handle needs from the core to serve its plugin (implemented by `Sessions`). */
export interface HandleHost {
  pushEvent(handle: Handle, transaction: string | undefined, data: JsonObject, jsep?: OutgoingJsep): Promise<void>;
  /** A typed event from the media layer about this handle's PeerConnection. */
  mediaEvent(handle: Handle, event: MediaEvent): void;
  /** A plugin packet callback (`incomingRtp`, ...) threw. */
  pluginFault(handle: Handle, callback: string, err: unknown): void;
  sendPli(handle: Handle, mindex?: number): void;
  sendRemb(handle: Handle, bitrate: number): void;
  closePc(handle: Handle): void;
  endSession(handle: Handle): void;
  notifyPluginEvent(handle: Handle, event: JsonObject): void;
  startRecording(handle: Handle, options: RecordingOptions): Recording;
  openRoute(handle: Handle, spec: RouteSinkSpec, listener: RouteListener): MediaRoute | undefined;
  /** The plugin changed which m-lines' RTP it wants (the handle's media session has the mask). */
  rtpWantedChanged(handle: Handle, mindex: number, wanted: boolean): void;
}

/** The core handle behind each plugin handle (media routes take their source as a plugin handle). */
const coreHandles = new WeakMap<object, Handle>();

export function coreHandleOf(handle: object): Handle | undefined {
  return coreHandles.get(handle);
}

/** A Janus handle: one attachment of a session to a plugin, with the plugin's per-handle state. */
export class Handle {
  readonly created = monotonicMicros();
  pluginState: unknown;
  /** False until the plugin's `createSession` returned. */
  attached = false;
  detached = false;
  /** Set by the Janus API (`trickle` request) once the client trickles: Janus's "trickle" flag. */
  trickle = false;
  /** Events wait here while a request is processed, so its reply goes out first. */
  private readonly gate = new EventGate((m) => this.session.send(m));
  readonly pluginHandle: PluginHandle;
  /** The handle's media: outbound side the plugin relays to, and the media layer's events. */
  readonly media: MediaSession;
  /** `.mjr` recordings the plugin opened for this handle (Admin `handle_info` → `recordings`). */
  readonly recordings = new HandleRecordings();

  constructor(
    readonly id: number,
    readonly session: HandleOwner,
    readonly plugin: Plugin,
    readonly opaqueId: string | undefined,
    readonly token: string | undefined,
    host: HandleHost,
  ) {
    this.media = new MediaSession(this, (event) => host.mediaEvent(this, event), (what, err) => host.pluginFault(this, what, err));
    this.pluginHandle = new CorePluginHandle(this, host);
    coreHandles.set(this.pluginHandle, this);
  }

  /** Hold events until `closeGate` (called once the reply has gone out). */
  openGate(): void {
    this.gate.open();
  }

  closeGate(): void {
    this.gate.close();
  }

  /** An async event for this handle's client. */
  send(message: JanusMessage): void {
    this.gate.send(message);
  }
}

/** `{janus, session_id, sender}` (+ `opaque_id` when `opaque_id_in_api`): core events about a handle. */
export function handleEnvelope(janus: string, handle: Handle, opaqueIdInApi: boolean): JanusMessage {
  const m: JanusMessage = { janus, session_id: handle.session.id, sender: handle.id };
  if (opaqueIdInApi && handle.opaqueId) m.opaque_id = handle.opaqueId;
  return m;
}

/** The per-handle view of the core a plugin gets. */
class CorePluginHandle implements PluginHandle {
  constructor(
    private readonly h: Handle,
    private readonly host: HandleHost,
  ) {}

  get sessionId(): number {
    return this.h.session.id;
  }
  get handleId(): number {
    return this.h.id;
  }
  get opaqueId(): string | undefined {
    return this.h.opaqueId;
  }
  get token(): string | undefined {
    return this.h.token;
  }
  get alive(): boolean {
    return !this.h.detached;
  }

  pushEvent(transaction: string | undefined, data: JsonObject, jsep?: OutgoingJsep): Promise<void> {
    return this.host.pushEvent(this.h, transaction, data, jsep);
  }
  // straight to the bound outbound side (unbound, a no-op, without a PeerConnection or once detached)
  relayRtp(packet: RtpPacket): void {
    this.h.media.out.relayRtp(packet);
  }
  relayRtcp(packet: RtcpPacket): void {
    this.h.media.out.relayRtcp(packet);
  }
  relayData(packet: DataPacket): void {
    this.h.media.out.relayData(packet);
  }
  hintMediaAffinity(key: string): void {
    // per plugin: two plugins' keys never group their handles together by accident
    this.h.media.affinity = `${this.h.plugin.info.package}:${key}`;
  }
  sendPli(mindex?: number): void {
    if (!this.h.detached) this.host.sendPli(this.h, mindex);
  }
  sendRemb(bitrate: number): void {
    if (!this.h.detached) this.host.sendRemb(this.h, bitrate);
  }
  closePc(): void {
    if (!this.h.detached) this.host.closePc(this.h);
  }
  endSession(): void {
    if (!this.h.detached) this.host.endSession(this.h);
  }
  notifyEvent(event: JsonObject): void {
    this.host.notifyPluginEvent(this.h, event);
  }
  startRecording(options: RecordingOptions): Recording {
    return this.host.startRecording(this.h, options);
  }
  openRoute(spec: RouteSinkSpec, listener: RouteListener): MediaRoute | undefined {
    return this.h.detached ? undefined : this.host.openRoute(this.h, spec, listener);
  }
  setIncomingRtp(mindex: number, wanted: boolean): void {
    if (this.h.detached) return;
    this.h.media.setRtpWanted(mindex, wanted);
    this.host.rtpWantedChanged(this.h, mindex, wanted);
  }
}
