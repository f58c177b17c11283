import type { Settings } from './config/settings';
import type { EventBus } from './events/event-bus';
import type { Faults } from './faults';
import { handleEnvelope, type Handle } from './handle';
import type { Logger } from './logger';
import type { MediaEvent } from './media-session';
import type { MediaPort } from './media/media-port';
import { EventType, type JsonObject } from './plugin-api';

/** Why a PeerConnection is closed, as the one hangup path needs to know it. */
export interface HangupCause {
  /** Janus's reason ("Janus API", "ICE failed", "DTLS alert", "Detach", ...). */
  reason: string;
  /** Tell the plugin even without a PeerConnection (Janus's API/Admin hangup does). */
  always?: boolean;
  /** The handle is being detached: the client hears `detached`, not `hangup` (as Janus). */
  detaching?: boolean;
}

/**
 * The session layer's end of the media layer: the only place that turns typed media events
 * into Janus messages (webrtcup, media, slowlink, trickle, hangup), event-handler events and
 * plugin callbacks, in Janus 1.1.2's order (ice.c): the plugin hears first, then the client,
 * then the event handlers. Every way a PeerConnection ends (client or Admin hangup, `closePc`,
 * ICE failure, DTLS alert, media worker death, detach, session destroy or timeout) goes through
 * `hangup`.
 */
export class SessionMedia {
  private readonly log;

  constructor(
    private readonly settings: Settings,
    private readonly bus: EventBus,
    private readonly media: MediaPort,
    private readonly faults: Faults,
    logger: Logger,
  ) {
    this.log = logger.child('sessions');
  }

  /**
   * The one hangup path: close the PeerConnection, then the plugin's `hangupMedia`, then the
   * client's `hangup` and the event handlers' `hangup` (neither when detaching: Janus stops the
   * handle first, so only `detached` follows). False when there was no PeerConnection.
   */
  hangup(handle: Handle, cause: HangupCause): boolean {
    // the event handlers' `hangup` follows the PeerConnection's last stats (Janus's order)
    let closed = false;
    let emitWhenClosed = false;
    const hadPc = this.media.hangup(handle, cause.reason, () => {
      closed = true;
      if (emitWhenClosed) this.webrtcState(handle, { connection: 'hangup', reason: cause.reason });
    });
    if (!hadPc && !cause.always) return false;
    if (handle.attached) {
      this.faults.callQuietly(handle.plugin.info.package, 'hangupMedia', () => handle.plugin.hangupMedia?.(handle.pluginState));
    }
    if (!hadPc || cause.detaching) return hadPc;
    handle.send({ ...this.envelope('hangup', handle), reason: cause.reason });
    if (closed) this.webrtcState(handle, { connection: 'hangup', reason: cause.reason });
    else emitWhenClosed = true;
    return true;
  }

  /** A media-layer event for `handle` (in-thread stack or a media worker, same types). */
  event(handle: Handle, ev: MediaEvent): void {
    if (handle.detached) return;
    switch (ev.type) {
      case 'webrtcUp':
        this.log.info({ handle: handle.id }, 'WebRTC media is now available');
        this.plugin(handle, 'setupMedia', () => handle.plugin.setupMedia?.(handle.pluginState));
        handle.send(this.envelope('webrtcup', handle));
        this.webrtcState(handle, { connection: 'webrtcup' });
        return;
      case 'failed':
        this.log.warn({ handle: handle.id, reason: ev.reason }, 'PeerConnection failed');
        this.hangup(handle, { reason: ev.reason });
        return;
      case 'mediaState':
        return this.mediaState(handle, ev);
      case 'slowLink':
        return this.slowLink(handle, ev);
      case 'localCandidate': {
        if (!this.settings.fullTrickle) return;
        const m = this.envelope('trickle', handle);
        m.candidate = ev.candidate === null ? { completed: true } : { sdpMid: ev.mid, sdpMLineIndex: 0, candidate: `candidate:${ev.candidate}` };
        handle.send(m);
        return;
      }
      case 'dataReady':
        this.plugin(handle, 'dataReady', () => handle.plugin.dataReady?.(handle.pluginState));
        return;
    }
  }

  envelope(janus: string, handle: Handle) {
    return handleEnvelope(janus, handle, this.settings.opaqueIdInApi);
  }

  private mediaState(handle: Handle, ev: Extract<MediaEvent, { type: 'mediaState' }>): void {
    // `seconds` only when the no-media timer is longer than a second, as Janus
    const seconds = !ev.receiving && ev.seconds !== undefined && this.settings.noMediaTimer > 1 ? ev.seconds : undefined;
    const m = this.envelope('media', handle);
    m.mid = ev.mid;
    m.type = ev.kind;
    if (ev.substream !== undefined) m.substream = ev.substream;
    m.receiving = ev.receiving;
    if (seconds !== undefined) m.seconds = seconds;
    handle.send(m);
    if (this.bus.wants(EventType.MEDIA)) {
      const body: JsonObject = { media: ev.kind, mid: ev.mid };
      if (ev.substream !== undefined) body.substream = ev.substream;
      body.receiving = ev.receiving;
      if (seconds !== undefined) body.seconds = seconds;
      this.bus.emit({ type: EventType.MEDIA, subtype: 1, sessionId: handle.session.id, handleId: handle.id, opaqueId: handle.opaqueId, event: body });
    }
  }

  private slowLink(handle: Handle, ev: Extract<MediaEvent, { type: 'slowLink' }>): void {
    this.plugin(handle, 'slowLink', () => handle.plugin.slowLink?.(handle.pluginState, ev.mindex, ev.video, ev.uplink));
    const m = this.envelope('slowlink', handle);
    m.mid = ev.mid;
    m.media = ev.kind;
    m.uplink = ev.uplink;
    m.lost = ev.lost;
    handle.send(m);
    if (this.bus.wants(EventType.MEDIA)) {
      this.bus.emit({ type: EventType.MEDIA, subtype: 2, sessionId: handle.session.id, handleId: handle.id, opaqueId: handle.opaqueId, event: {
        mid: ev.mid, media: ev.kind, slow_link: ev.uplink ? 'uplink' : 'downlink', lost_lastsec: ev.lost,
      } });
    }
  }

  private webrtcState(handle: Handle, body: JsonObject): void {
    if (this.bus.wants(EventType.WEBRTC)) this.bus.emit({ type: EventType.WEBRTC, subtype: 6, sessionId: handle.session.id, handleId: handle.id, opaqueId: handle.opaqueId, event: body });
  }

  /** Plugin callbacks from the media path: a throw is recorded and contained. */
  private plugin(handle: Handle, what: string, fn: () => unknown): void {
    if (handle.attached) this.faults.callQuietly(handle.plugin.info.package, what, fn);
  }
}
