import { inject, injectable } from 'tsyringe';
import { Settings } from './config/settings';
import { EventBus } from './events/event-bus';
import { Handle, handleEnvelope, type HandleHost } from './handle';
import { randomId53 } from './ids';
import { Faults } from './faults';
import { Logger } from './logger';
import type { MediaEvent } from './media-session';
import { MEDIA_PORT, type MediaPort } from './media/media-port';
import {
  EventType,
  JanusError,
  type JanusMessage,
  type JsonObject,
  type MediaRoute,
  type OutgoingJsep,
  type Plugin,
  type Recording,
  type RecordingOptions,
  type RouteListener,
  type RouteSinkSpec,
  transportInstanceId,
  type TransportClient,
} from './plugin-api';
import { monotonicMs } from './clock';
import { Session } from './session';
import { SessionMedia } from './session-media';
import { Recorder } from './recording/recorder';

/** How often idle sessions are looked for (Janus's watchdog period). */
const WATCHDOG_MS = 2000;

/**
 * Sessions and handles: their registry, lifecycle (create, claim, attach, detach, hangup,
 * destroy, timeout), the delivery of plugin events and (through `SessionMedia`) of media
 * events. The Janus and Admin API front-ends validate requests and drive this; for JSEP,
 * trickles and `handle_info` they also use the media port (`media`) directly.
 */
@injectable()
export class Sessions implements HandleHost {
  private readonly sessions = new Map<number, Session>();
  private watchdog?: NodeJS.Timeout;
  private readonly log;
  private readonly sessionMedia: SessionMedia;

  constructor(
    @inject(Settings) private readonly settings: Settings,
    @inject(EventBus) private readonly events: EventBus,
    @inject(MEDIA_PORT) readonly media: MediaPort,
    @inject(Logger) logger: Logger,
    @inject(Faults) readonly faults: Faults,
    @inject(Recorder) private readonly recorder: Recorder,
  ) {
    this.log = logger.child('sessions');
    this.sessionMedia = new SessionMedia(settings, events, media, faults, logger);
  }

  get(id: number): Session | undefined {
    return this.sessions.get(id);
  }

  ids(): number[] {
    return [...this.sessions.keys()];
  }

  get size(): number {
    return this.sessions.size;
  }

  /** `create`: a new session owned by `owner`. Throws 468 when `id` is taken. `instanceId`: see IncomingRequest. */
  create(owner: TransportClient, id?: number, instanceId?: string): Session {
    if (id !== undefined && id > 0 && this.sessions.has(id)) throw new JanusError(468, 'Session ID already in use');
    let sid = id && id > 0 ? id : randomId53();
    while (this.sessions.has(sid)) sid = randomId53();
    const session = new Session(sid, owner);
    this.sessions.set(sid, session);
    owner.sessionCreated?.(sid);
    this.log.info({ session: sid, transport: owner.transport.info.package }, 'Session created');
    if (this.events.wants(EventType.SESSION)) {
      this.events.emit({
        type: EventType.SESSION, sessionId: sid,
        event: {
          name: 'created',
          transport: { transport: owner.transport.info.package, id: instanceId ?? transportInstanceId(owner) },
        },
      });
    }
    return session;
  }

  /** `claim`: move ownership to `client`. */
  claim(session: Session, client: TransportClient): void {
    const old = session.owner;
    if (old === client) return;
    if (old) old.sessionOver?.(session.id, false, true);
    session.adopt(client);
    client.sessionClaimed?.(session.id);
    this.log.info({ session: session.id }, 'Session claimed');
  }

  /**
   * Destroy a session and everything in it. `reason` decides what the owner and event handlers
   * hear; the order of the session and handle events is the one real Janus 1.1.2 emits:
   * `destroy` request: session "destroyed", then each handle "detached";
   * idle timeout: each "detached", then session "timeout";
   * reclaim window over (`reclaim`): session "timeout", then each "detached";
   * transport gone (`gone`): only the handles' "detached";
   * `shutdown`: nothing (the bus is closed after the core shutdown event).
   */
  async destroy(session: Session, reason: 'destroy' | 'timeout' | 'reclaim' | 'gone' | 'shutdown'): Promise<void> {
    if (session.destroyed) return;
    if (reason === 'timeout') session.send({ janus: 'timeout', session_id: session.id });
    if (reason === 'destroy' || reason === 'reclaim') this.sessionEvent(session, reason === 'destroy' ? 'destroyed' : 'timeout');
    for (const handle of [...session.handles.values()]) await this.detach(handle, false);
    session.destroyed = true;
    this.sessions.delete(session.id);
    session.owner?.sessionOver?.(session.id, reason === 'timeout', false);
    this.log.info({ session: session.id, reason }, 'Session destroyed');
    if (reason === 'timeout') this.sessionEvent(session, 'timeout');
  }

  private sessionEvent(session: Session, name: 'destroyed' | 'timeout'): void {
    if (this.events.wants(EventType.SESSION)) this.events.emit({ type: EventType.SESSION, sessionId: session.id, event: { name } });
  }

  /** A transport client disappeared: its sessions go now, or wait for a claim during the reclaim window. */
  transportGone(client: TransportClient): void {
    for (const session of [...this.sessions.values()]) {
      if (session.owner !== client) continue;
      if (this.settings.reclaimSessionTimeout > 0) {
        session.ownerGone();
        this.log.info({ session: session.id }, 'Transport gone, session waiting to be reclaimed');
      } else {
        void this.destroy(session, 'gone');
      }
    }
  }

  /** `attach`: create a handle and the plugin's state for it. Throws 461 when the plugin refuses. */
  async attach(session: Session, plugin: Plugin, opaqueId?: string, token?: string): Promise<Handle> {
    let hid = randomId53();
    while (session.handles.has(hid)) hid = randomId53();
    const handle = new Handle(hid, session, plugin, opaqueId, token, this);
    session.handles.set(hid, handle);
    try {
      handle.pluginState = await this.faults.call(plugin.info.package, 'createSession', () => plugin.createSession(handle.pluginHandle));
      handle.attached = true;
    } catch (err) {
      session.handles.delete(hid);
      handle.detached = true;
      const code = err instanceof JanusError ? err.code : -1;
      throw new JanusError(461, `Couldn't attach to plugin: error '${code}'`);
    }
    if (session.destroyed) {
      // destroyed while the plugin was creating its state
      await this.detach(handle, false);
      throw new JanusError(458, `No such session ${session.id}`);
    }
    if (this.events.wants(EventType.HANDLE)) {
      this.events.emit({
        type: EventType.HANDLE, sessionId: session.id, handleId: hid, opaqueId,
        event: {
          name: 'attached',
          plugin: plugin.info.package,
          ...(opaqueId ? { opaque_id: opaqueId } : {}),
          ...(token ? { token } : {}),
        },
      });
    }
    return handle;
  }

  /** Detach a handle: close its PeerConnection, tell the plugin, remove it, push `detached`. */
  async detach(handle: Handle, notify = true): Promise<void> {
    if (handle.detached) return;
    handle.detached = true;
    const session = handle.session;
    this.sessionMedia.hangup(handle, { reason: 'Detach', detaching: true });
    this.media.destroy(handle);
    handle.media.unbind();
    try {
      if (handle.attached) await this.faults.call(handle.plugin.info.package, 'destroySession', () => handle.plugin.destroySession(handle.pluginState));
    } catch {
      // recorded (logged, counted) by `faults`: the handle goes anyway
    }
    handle.recordings.closeAll();
    session.handles.delete(handle.id);
    if (notify) session.send(this.envelope('detached', handle));
    if (this.events.wants(EventType.HANDLE)) {
      this.events.emit({
        type: EventType.HANDLE, sessionId: session.id, handleId: handle.id, opaqueId: handle.opaqueId,
        event: {
          name: 'detached',
          plugin: handle.plugin.info.package,
          ...(handle.opaqueId ? { opaque_id: handle.opaqueId } : {}),
          ...(handle.token ? { token: handle.token } : {}),
        },
      });
    }
  }

  /**
   * Close the handle's PeerConnection through the one hangup path (see SessionMedia): the
   * plugin's `hangupMedia`, then `hangup` to the client when there was one. `always`: tell the
   * plugin even without a PeerConnection (as Janus's API/Admin hangup does).
   */
  hangupMedia(handle: Handle, reason: string, always = false): boolean {
    return this.sessionMedia.hangup(handle, { reason, always });
  }

  /** Find sessions idle past their timeout, or unclaimed past the reclaim window. */
  checkTimeouts(): void {
    const now = monotonicMs();
    for (const session of [...this.sessions.values()]) {
      const timeout = session.timeoutOverride >= 0 ? session.timeoutOverride : this.settings.sessionTimeout;
      if (timeout > 0 && now - session.lastActivity >= timeout * 1000) {
        this.log.info({ session: session.id }, 'Session timed out');
        void this.destroy(session, 'timeout');
        continue;
      }
      const reclaim = this.settings.reclaimSessionTimeout;
      if (session.ownerGoneAt !== undefined && (reclaim <= 0 || now - session.lastActivity >= reclaim * 1000)) {
        void this.destroy(session, 'reclaim');
      }
    }
  }

  startWatchdog(): void {
    this.watchdog ??= setInterval(() => this.checkTimeouts(), WATCHDOG_MS);
    this.watchdog.unref();
  }

  async shutdown(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    for (const s of [...this.sessions.values()]) await this.destroy(s, 'shutdown');
  }

  /** `{janus, session_id, sender}` (+ opaque_id when enabled) for core events about a handle. */
  private envelope(janus: string, handle: Handle): JanusMessage {
    return handleEnvelope(janus, handle, this.settings.opaqueIdInApi);
  }

  // --- HandleHost: what plugins reach through their PluginHandle ---

  async pushEvent(handle: Handle, transaction: string | undefined, data: JsonObject, jsep?: OutgoingJsep): Promise<void> {
    // as documented: calls on a handle that is gone are ignored (the plugin may not have heard yet)
    if (handle.detached || handle.session.destroyed) return;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new JanusError(455, 'Message is not an object');
    // Janus's key order: janus, session_id, transaction, sender, (opaque_id), plugindata, jsep
    const event: JanusMessage = { janus: 'event', session_id: handle.session.id };
    if (transaction !== undefined) event.transaction = transaction;
    event.sender = handle.id;
    if (this.settings.opaqueIdInApi && handle.opaqueId) event.opaque_id = handle.opaqueId;
    event.plugindata = { plugin: handle.plugin.info.package, data };
    if (jsep) {
      const local = await this.media.localJsep(handle, jsep);
      event.jsep = local;
      if (this.events.wants(EventType.JSEP)) {
        this.events.emit({
          type: EventType.JSEP, sessionId: handle.session.id, handleId: handle.id, opaqueId: handle.opaqueId,
          event: {
            owner: 'local',
            jsep: { type: local.type, sdp: local.sdp },
          },
        });
      }
    }
    handle.send(event);
  }

  mediaEvent(handle: Handle, event: MediaEvent): void {
    this.sessionMedia.event(handle, event);
  }
  pluginFault(handle: Handle, callback: string, err: unknown): void {
    this.faults.record(handle.plugin.info.package, callback, err);
  }
  sendPli(handle: Handle, mindex?: number): void {
    this.media.sendPli(handle, mindex);
  }
  sendRemb(handle: Handle, bitrate: number): void {
    this.media.sendRemb(handle, bitrate);
  }
  openRoute(handle: Handle, spec: RouteSinkSpec, listener: RouteListener): MediaRoute | undefined {
    return this.media.openRoute?.(handle, spec, listener);
  }
  rtpWantedChanged(handle: Handle, mindex: number, wanted: boolean): void {
    this.media.rtpWanted?.(handle, mindex, wanted);
  }
  closePc(handle: Handle): void {
    this.hangupMedia(handle, 'Close PC');
  }
  endSession(handle: Handle): void {
    // deferred: the plugin may call this from inside one of its own callbacks
    setImmediate(() => void this.detach(handle, true));
  }
  notifyPluginEvent(handle: Handle, event: JsonObject): void {
    if (!this.events.wants(EventType.PLUGIN)) return;
    this.events.emit({
      type: EventType.PLUGIN, sessionId: handle.session.id, handleId: handle.id, opaqueId: handle.opaqueId,
      event: {
        plugin: handle.plugin.info.package,
        data: event,
      },
    });
  }
  startRecording(handle: Handle, options: RecordingOptions): Recording {
    return handle.recordings.start(this.recorder, {
      plugin: handle.plugin.info.package,
      get alive() {
        return !handle.detached;
      },
      pushEvent: (data) => void this.pushEvent(handle, undefined, data).catch(() => undefined),
      notifyEvent: (data) => this.notifyPluginEvent(handle, data),
    }, options);
  }
}
