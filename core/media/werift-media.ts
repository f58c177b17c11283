import { inject, injectable } from 'tsyringe';
import { Settings } from '../config/settings';
import { EventBus } from '../events/event-bus';
import { coreHandleOf, type Handle } from '../handle';
import { Logger } from '../logger';
import {
  EventType,
  JanusError,
  type ClientJsep,
  type JsonObject,
  type MediaRoute,
  type OutgoingJsep,
  type PluginJsep,
  type RouteListener,
  type RouteSinkSpec,
} from '../plugin-api';
import { handleInfo } from './handle-info';
import { iceOptions, NatMapping, relaxConsentResponseTimeout, selectHostAddresses } from './ice-config';
import { jsepToAnswerMedia, jsepToOfferMedia } from './jsep-media';
import { WeriftMediaTotals } from '../metrics/media-snapshot';
import type { MediaPort } from './media-port';
import { MediaMonitor } from './monitor';
import { MediaPeer, type PeerListener } from './peer';
import { checkSdpBasics } from './sdp-check';
import { parseSdp } from './sdp-parse';
import type { PeerStream } from './peer-stream';
import { checkTrickleSize, splitTrickle, TrickleQueue, trickleToApply, type TrickleCandidate, type TrickleRequest } from './trickle';
import { configureNativeSrtp } from './outbound/native-send';
import { installWeriftAdapter } from './werift-adapter';
import { unappliedMediaSettings } from './werift-limits';
import { InThreadRoutes } from './routes/in-thread-routes';

/** The media state of one handle: its PeerConnection (if any) and what waits for it. */
interface HandleMedia {
  handle: Handle;
  peer?: MediaPeer;
  monitor?: MediaMonitor;
  /** Trickles that came before there was a remote description to apply them to. */
  queued: TrickleQueue;
}

/**
 * The WebRTC media stack (Janus's ice.c/dtls.c/rtcp.c role) on werift: one PeerConnection per
 * handle, created on the first JSEP. Hands packets to the handle's plugin, binds the handle's
 * outlet to the PeerConnection, and reports typed media events (`handle.media.emit`) that the
 * core's session layer turns into Janus messages; it emits only the state and stats events
 * (webrtc/media types) to event handlers itself. Runs in-thread or inside each media worker.
 */
@injectable()
export class WeriftMedia implements MediaPort {
  private readonly state = new Map<Handle, HandleMedia>();
  private readonly log;
  private readonly nat: NatMapping;
  private iceConfig?: ReturnType<typeof iceOptions>;
  private readonly totals = new WeriftMediaTotals();
  /** Media routes when this is the main thread's media (made at the first route: in a worker, the worker's table runs them). */
  private routes?: InThreadRoutes<Handle>;

  constructor(
    @inject(Settings) private readonly settings: Settings,
    @inject(EventBus) private readonly bus: EventBus,
    @inject(Logger) logger: Logger,
  ) {
    this.log = logger.child('media');
    // fails here, with what is missing, if werift is not the version whose internals we patch
    installWeriftAdapter();
    relaxConsentResponseTimeout(settings);
    const noNative = configureNativeSrtp(settings.nativeSrtp);
    if (noNative && settings.nativeSrtp) this.log.warn(`Outgoing SRTP through node:crypto and dgram (native stage unavailable: ${noNative})`);
    else this.log.debug(noNative ? 'Outgoing SRTP through node:crypto and dgram (media.native_srtp = false)' : 'Outgoing SRTP through the native stage');
    this.nat = new NatMapping(settings.nat11Mapping, settings.keepPrivateHost);
    // said once, at start-up: a setting werift cannot honour is never silently ignored
    for (const u of unappliedMediaSettings(settings)) this.log.warn({ key: u.key, value: u.value }, `media.${u.key} = ${u.value} is not applied: ${u.why}`);
  }

  /** ICE options, computed once (interfaces are read at the first PeerConnection). */
  private config() {
    if (!this.iceConfig) {
      const hosts = selectHostAddresses(this.settings);
      if (hosts.length === 0) this.log.warn('No usable address for ICE candidates (check ice_enforce_list/ice_ignore_list)');
      this.iceConfig = iceOptions(this.settings, hosts);
      this.log.info({ addresses: hosts.map((h) => h.address), portRange: this.settings.rtpPortRange }, 'ICE host addresses');
    }
    return this.iceConfig;
  }

  private get(handle: Handle): HandleMedia {
    let s = this.state.get(handle);
    if (!s) this.state.set(handle, (s = { handle, queued: new TrickleQueue(() => this.settings.candidatesTimeout) }));
    return s;
  }

  private newPeer(handle: Handle, hm: HandleMedia): MediaPeer {
    const peer = new MediaPeer(this.config(), this.listener(handle, hm), this.nat, this.settings.fullTrickle, this.settings.twccPeriod);
    hm.peer = peer;
    hm.monitor = new MediaMonitor(peer, this.settings, {
      noMedia: (s, sub, seconds) => this.mediaState(handle, s, sub, false, seconds),
      slowLink: (s, uplink, lost) => {
        if (!handle.detached) handle.media.emit({ type: 'slowLink', mid: s.mid, kind: s.kind, mindex: s.mindex, video: s.video, uplink, lost });
      },
      stats: (body) => {
        if (this.bus.wants(EventType.MEDIA)) this.bus.emit({ type: EventType.MEDIA, subtype: 3, sessionId: handle.session.id, handleId: handle.id, opaqueId: handle.opaqueId, event: body });
      },
    });
    // from now on the plugin's relays go straight to this PeerConnection
    handle.media.bind(peer);
    return peer;
  }

  async remoteJsep(handle: Handle, jsep: ClientJsep): Promise<PluginJsep> {
    checkSdpBasics(jsep.sdp);
    const parsed = parseSdp(jsep.sdp);
    if (!parsed.hasIce) throw new JanusError(465, 'Invalid SDP: missing ICE credentials (ice-ufrag/ice-pwd)');
    if (!parsed.hasFingerprint) throw new JanusError(465, 'Invalid SDP: missing DTLS fingerprint');
    const hm = this.get(handle);
    let peer = hm.peer && !hm.peer.isClosed ? hm.peer : undefined;
    const update = !!peer && (peer.gotOffer || peer.gotAnswer);
    if (jsep.type === 'answer') {
      if (!peer) throw new JanusError(469, 'Unexpected ANSWER (did we offer?)');
      await peer.remoteAnswer(jsep.sdp, parsed);
    } else {
      // as Janus: an offer while ours is still unanswered cannot set ICE up again; refused before
      // werift sees it, so the PeerConnection (and our offer) stay as they were
      if (peer?.pendingLocalOffer) throw new JanusError(490, 'Error setting ICE locally');
      if (!peer) peer = this.newPeer(handle, hm);
      try {
        await peer.remoteOffer(jsep.sdp, parsed, typeof jsep.rid_order === 'string' ? jsep.rid_order : undefined);
      } catch (err) {
        if (!update) this.dropPeer(hm);
        throw err;
      }
    }
    if (jsep.trickle === false) peer.allTrickles = true;
    this.flushQueued(hm);
    const out: PluginJsep = { type: jsep.type as 'offer' | 'answer', sdp: jsep.sdp, media: parsed.media };
    if (parsed.simulcast.length) out.simulcast = parsed.simulcast;
    if (Array.isArray(jsep.svc)) out.svc = jsep.svc;
    if (update) out.update = true;
    if (jsep.e2ee === true) out.e2ee = true;
    return out;
  }

  async localJsep(handle: Handle, jsep: OutgoingJsep): Promise<{ type: string; sdp: string } & JsonObject> {
    const hm = this.get(handle);
    let peer = hm.peer && !hm.peer.isClosed ? hm.peer : undefined;
    let sdp: string;
    if (jsep.type === 'answer') {
      if (!peer) throw new JanusError(465, 'No offer to answer');
      const media = jsep.media ?? (jsep.sdp ? jsepToAnswerMedia(jsep.sdp) : undefined);
      sdp = await peer.answer(media);
    } else if (jsep.type === 'offer') {
      if (!peer) peer = this.newPeer(handle, hm);
      const media = jsep.media ?? (jsep.sdp ? jsepToOfferMedia(jsep.sdp) : undefined);
      sdp = await peer.offer(media, jsep.restart === true);
    } else {
      throw new JanusError(465, `Unknown JSEP type '${(jsep as { type: string }).type}'`);
    }
    const out: { type: string; sdp: string } & JsonObject = { type: jsep.type, sdp };
    if (jsep.e2ee) out.e2ee = true;
    return out;
  }

  trickle(handle: Handle, request: TrickleRequest): void {
    const n = checkTrickleSize(request);
    const hm = this.get(handle);
    const peer = hm.peer && !hm.peer.isClosed ? hm.peer : undefined;
    // as Janus: before there is something to apply them to, candidates wait unchecked (but bounded)
    if (!peer || !peer.remoteSdp) return hm.queued.push(request, n);
    const { candidates, completed } = trickleToApply(request, peer.remoteCandidates.length);
    this.apply(peer, candidates, completed);
  }

  private apply(peer: MediaPeer, candidates: TrickleCandidate[], completed: boolean): void {
    for (const c of candidates) {
      peer.addRemoteCandidate(c.candidate, c.sdpMid, c.sdpMLineIndex).catch((err) => {
        this.log.debug({ err: (err as Error).message }, 'Remote candidate refused');
      });
    }
    if (completed) void peer.endOfCandidates();
  }

  private flushQueued(hm: HandleMedia): void {
    const peer = hm.peer;
    if (!peer || hm.queued.length === 0) return;
    for (const req of hm.queued.take()) {
      const { candidates, completed } = splitTrickle(req); // errors in queued candidates are ignored, as in Janus
      this.apply(peer, candidates, completed);
    }
  }

  hangup(handle: Handle, _reason: string, closed?: () => void): boolean {
    const hm = this.state.get(handle);
    // as Janus: pending trickles belong to the PeerConnection being closed
    hm?.queued.clear();
    if (!hm?.peer) return false;
    this.dropPeer(hm);
    closed?.();
    return true;
  }

  private dropPeer(hm: HandleMedia): void {
    if (hm.peer) hm.handle.media.unbind(hm.peer);
    hm.monitor?.finalStats();
    hm.monitor?.stop();
    if (hm.peer) this.totals.retire(hm.peer);
    hm.peer?.close();
    hm.peer = undefined;
    hm.monitor = undefined;
  }

  openRoute(sink: Handle, spec: RouteSinkSpec, listener: RouteListener): MediaRoute {
    this.routes ??= new InThreadRoutes<Handle>(coreHandleOf);
    return this.routes.open(sink, spec, listener);
  }

  destroy(handle: Handle): void {
    this.routes?.forget(handle);
    const hm = this.state.get(handle);
    if (!hm) return;
    this.dropPeer(hm);
    this.state.delete(handle);
  }

  info(handle: Handle): JsonObject | undefined {
    const hm = this.state.get(handle);
    return handleInfo(hm?.peer, handle.trickle, hm?.queued.length ?? 0, this.settings);
  }

  sendPli(handle: Handle, mindex?: number): void {
    this.totals.pliRequests++;
    this.state.get(handle)?.peer?.sendPli(mindex);
  }
  sendRemb(handle: Handle, bitrate: number): void {
    this.state.get(handle)?.peer?.sendRemb(bitrate);
  }

  activePeerConnections(): number {
    let n = 0;
    for (const hm of this.state.values()) if (hm.peer) n++;
    return n;
  }

  metrics() {
    return this.totals.snapshot([...this.state.values()].map((hm) => hm.peer));
  }

  async close(): Promise<void> {
    for (const hm of this.state.values()) this.dropPeer(hm);
    this.state.clear();
  }

  // --- events ---

  private webrtcEvent(handle: Handle, subtype: number, body: JsonObject): void {
    if (this.bus.wants(EventType.WEBRTC)) this.bus.emit({ type: EventType.WEBRTC, subtype, sessionId: handle.session.id, handleId: handle.id, opaqueId: handle.opaqueId, event: body });
  }

  private mediaState(handle: Handle, s: PeerStream, sub: number, receiving: boolean, seconds?: number): void {
    if (handle.detached) return;
    const simulcast = s.rids.length > 0 || s.simSsrcs.length > 0;
    handle.media.emit({ type: 'mediaState', mid: s.mid, kind: s.kind, substream: simulcast ? sub : undefined, receiving, seconds });
  }

  private listener(handle: Handle, hm: HandleMedia): PeerListener {
    const media = handle.media;
    return {
      rtp: (p) => media.incomingRtp(p),
      rtcp: (p) => media.incomingRtcp(p),
      wantsRtcp: (type) => media.wantsRtcp(type),
      data: (p) => media.incomingData(p),
      dataReady: () => {
        if (!handle.detached) media.emit({ type: 'dataReady' });
      },
      webrtcUp: () => {
        if (handle.detached) return;
        hm.monitor?.start();
        media.emit({ type: 'webrtcUp' });
      },
      failed: (reason) => {
        // the PeerConnection died on its own; the session layer hangs up (deferred: we are inside werift)
        const peer = hm.peer;
        setImmediate(() => {
          if (peer === undefined || hm.peer !== peer || handle.detached) return;
          media.emit({ type: 'failed', reason });
        });
      },
      localCandidate: (candidate, mid) => {
        if (this.settings.fullTrickle && !handle.detached) media.emit({ type: 'localCandidate', candidate, mid });
      },
      mediaReceiving: (s, sub) => this.mediaState(handle, s, sub, true),
      webrtcEvent: (subtype, body) => {
        this.totals.stateEvent(hm.peer, body as { ice?: unknown; dtls?: unknown });
        this.webrtcEvent(handle, subtype, body as JsonObject);
      },
    };
  }
}
