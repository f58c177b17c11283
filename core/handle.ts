import { monotonicMicros } from './clock';
import type { Session } from './session';
import { HandleRecordings } from './recording/handle-recordings';
import type {
  DataPacket,
  JanusMessage,
  JsonObject,
  OutgoingJsep,
  Plugin,
  PluginHandle,
  RtcpPacket,
  RtpPacket,
  Recording,
  RecordingOptions,
} from './plugin-api';

/** What a handle needs from the core to serve its plugin (implemented by `Sessions`). */
export interface HandleHost {
  pushEvent(handle: Handle, transaction: string | undefined, data: JsonObject, jsep?: OutgoingJsep): Promise<void>;
  relayRtp(handle: Handle, packet: RtpPacket): void;
  relayRtcp(handle: Handle, packet: RtcpPacket): void;
  relayData(handle: Handle, packet: DataPacket): void;
  sendPli(handle: Handle, mindex?: number): void;
  sendRemb(handle: Handle, bitrate: number): void;
  closePc(handle: Handle): void;
  endSession(handle: Handle): void;
  notifyPluginEvent(handle: Handle, event: JsonObject): void;
  startRecording(handle: Handle, options: RecordingOptions): Recording;
}

/** A Janus handle: one attachment of a session to a plugin, with the plugin's per-handle state. */
export class Handle {
  readonly created = monotonicMicros();
  pluginState: unknown;
  /** False until the plugin's `createSession` returned. */
  attached = false;
  detached = false;
  /** Set by the media stack when the client trickles: Janus's "trickle" flag. */
  trickle = false;
  /** While > 0, events wait so the reply of the request being processed goes out first. */
  private gateDepth = 0;
  private held: JanusMessage[] = [];
  readonly pluginHandle: PluginHandle;
  /** `.mjr` recordings the plugin opened for this handle (Admin `handle_info` → `recordings`). */
  readonly recordings = new HandleRecordings();

  constructor(
    readonly id: number,
    readonly session: Session,
    readonly plugin: Plugin,
    readonly opaqueId: string | undefined,
    readonly token: string | undefined,
    host: HandleHost,
  ) {
    this.pluginHandle = new CorePluginHandle(this, host);
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
    for (const m of held) this.session.send(m);
  }

  /** An async event for this handle's client. */
  send(message: JanusMessage): void {
    if (this.gateDepth > 0) this.held.push(message);
    else this.session.send(message);
  }
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
  relayRtp(packet: RtpPacket): void {
    if (!this.h.detached) this.host.relayRtp(this.h, packet);
  }
  relayRtcp(packet: RtcpPacket): void {
    if (!this.h.detached) this.host.relayRtcp(this.h, packet);
  }
  relayData(packet: DataPacket): void {
    if (!this.h.detached) this.host.relayData(this.h, packet);
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
}
