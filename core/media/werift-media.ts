import { inject, injectable } from 'tsyringe';
import { Settings } from '../config/settings';
import { EventBus } from '../events/event-bus';
import type { Handle } from '../handle';
import { Logger } from '../logger';
import {
  EventType,
  JanusError,
  type ClientJsep,
  type DataPacket,
  type JanusMessage,
  type JsonObject,
  type OutgoingJsep,
  type PluginJsep,
  type RtcpPacket,
  type RtpPacket,
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
import {
  candidateCount,
  MAX_CANDIDATES_PER_TRICKLE,
  MAX_QUEUED_CANDIDATES,
  MAX_QUEUED_TRICKLES,
  MAX_REMOTE_CANDIDATES,
  splitTrickle,
  type TrickleRequest,
} from './trickle';
import { installWeriftAdapter } from './werift-adapter';
import { unappliedMediaSettings } from './werift-limits';

/** The media state of one handle: its PeerConnection (if any) and what waits for it. */
interface HandleMedia {
  peer?: MediaPeer;
  monitor?: MediaMonitor;
  /** Trickles that came before there was a remote description to apply them to. */
  queued: TrickleRequest[];
  /** Candidates in `queued` (bounded, see trickle.ts). */
  queuedCandidates: number;
}

/**
 * The WebRTC media stack (Janus's ice.c/dtls.c/rtcp.c role) on werift: one PeerConnection per
 * handle, created on the first JSEP. Produces the core events clients and event handlers get,
 * and hands packets to and from the handle's plugin.
 */
@injectable()
export class WeriftMedia implements MediaPort {
  private readonly state = new Map<Handle, HandleMedia>();
  private readonly log;
  private readonly nat: NatMapping;
  private iceConfig?: ReturnType<typeof iceOptions>;
  private readonly totals = new WeriftMediaTotals();

  constructor(
    @inject(Settings) private readonly settings: Settings,
    @inject(EventBus) private readonly bus: EventBus,
    @inject(Logger) logger: Logger,
  ) {
    this.log = logger.child('media');
    // fails here, with what is missing, if werift is not the version whose internals we patch
    installWeriftAdapter();
    relaxConsentResponseTimeout();
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
    if (!s) this.state.set(handle, (s = { queued: [], queuedCandidates: 0 }));
    return s;
  }

  private newPeer(handle: Handle, hm: HandleMedia): MediaPeer {
    const peer = new MediaPeer(this.config(), this.listener(handle, hm), this.nat, this.settings.fullTrickle, this.settings.twccPeriod);
    hm.peer = peer;
    hm.monitor = new MediaMonitor(peer, this.settings, {
      noMedia: (s, sub, seconds) => this.mediaEvent(handle, s, sub, false, seconds),
      slowLink: (s, uplink, lost) => this.slowLink(handle, s, uplink, lost),
      stats: (body) => {
        if (this.bus.wants(EventType.MEDIA)) this.bus.emit(EventType.MEDIA, 3, handle.session.id, handle.id, handle.opaqueId, body);
      },
    });
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
    const n = candidateCount(request);
    if (n > MAX_CANDIDATES_PER_TRICKLE) throw new JanusError(490, `Trickle error: too many candidates in one request (${n}, max ${MAX_CANDIDATES_PER_TRICKLE})`);
    const hm = this.get(handle);
    const peer = hm.peer && !hm.peer.isClosed ? hm.peer : undefined;
    if (!peer || !peer.remoteSdp) {
      // as Janus: before there is something to apply them to, candidates wait unchecked (but bounded)
      this.dropExpired(hm);
      if (hm.queued.length >= MAX_QUEUED_TRICKLES || hm.queuedCandidates + n > MAX_QUEUED_CANDIDATES) {
        throw new JanusError(490, `Trickle error: too many candidates queued before the PeerConnection (max ${MAX_QUEUED_TRICKLES} trickles, ${MAX_QUEUED_CANDIDATES} candidates)`);
      }
      hm.queued.push(request);
      hm.queuedCandidates += n;
      return;
    }
    const { candidates, completed, error } = splitTrickle(request);
    if (error) throw new JanusError(error.code, error.reason);
    if (peer.remoteCandidates.length + candidates.length > MAX_REMOTE_CANDIDATES) {
      throw new JanusError(490, `Trickle error: too many remote candidates for this PeerConnection (max ${MAX_REMOTE_CANDIDATES})`);
    }
    this.apply(peer, candidates, completed);
  }

  /** Queued trickles older than `candidates_timeout` would be skipped anyway: free them now. */
  private dropExpired(hm: HandleMedia): void {
    const oldest = Date.now() - this.settings.candidatesTimeout * 1000;
    if (hm.queued.length === 0 || hm.queued[0].received >= oldest) return;
    hm.queued = hm.queued.filter((r) => r.received >= oldest);
    hm.queuedCandidates = hm.queued.reduce((sum, r) => sum + candidateCount(r), 0);
  }

  private apply(peer: MediaPeer, candidates: ReturnType<typeof splitTrickle>['candidates'], completed: boolean): void {
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
    const oldest = Date.now() - this.settings.candidatesTimeout * 1000;
    const queued = hm.queued;
    hm.queued = [];
    hm.queuedCandidates = 0;
    for (const req of queued) {
      if (req.received < oldest) continue;
      const { candidates, completed } = splitTrickle(req); // errors in queued candidates are ignored, as in Janus
      this.apply(peer, candidates, completed);
    }
  }

  hangup(handle: Handle, reason: string): boolean {
    const hm = this.state.get(handle);
    if (hm) {
      // as Janus: pending trickles belong to the PeerConnection being closed
      hm.queued = [];
      hm.queuedCandidates = 0;
    }
    if (!hm?.peer) return false;
    this.dropPeer(hm);
    this.webrtcEvent(handle, 6, { connection: 'hangup', reason });
    return true;
  }

  private dropPeer(hm: HandleMedia): void {
    hm.monitor?.finalStats();
    hm.monitor?.stop();
    if (hm.peer) this.totals.retire(hm.peer);
    hm.peer?.close();
    hm.peer = undefined;
    hm.monitor = undefined;
  }

  destroy(handle: Handle): void {
    const hm = this.state.get(handle);
    if (!hm) return;
    this.dropPeer(hm);
    this.state.delete(handle);
  }

  info(handle: Handle): JsonObject | undefined {
    const hm = this.state.get(handle);
    return handleInfo(hm?.peer, handle.trickle, hm?.queued.length ?? 0, this.settings);
  }

  relayRtp(handle: Handle, packet: RtpPacket): void {
    this.state.get(handle)?.peer?.relayRtp(packet);
  }
  relayRtcp(handle: Handle, packet: RtcpPacket): void {
    this.state.get(handle)?.peer?.relayRtcp(packet);
  }
  relayData(handle: Handle, packet: DataPacket): void {
    this.state.get(handle)?.peer?.relayData(packet);
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

  private envelope(janus: string, handle: Handle): JanusMessage {
    const m: JanusMessage = { janus, session_id: handle.session.id, sender: handle.id };
    if (this.settings.opaqueIdInApi && handle.opaqueId) m.opaque_id = handle.opaqueId;
    return m;
  }

  private webrtcEvent(handle: Handle, subtype: number, body: JsonObject): void {
    if (this.bus.wants(EventType.WEBRTC)) this.bus.emit(EventType.WEBRTC, subtype, handle.session.id, handle.id, handle.opaqueId, body);
  }

  private mediaEvent(handle: Handle, s: PeerStream, sub: number, receiving: boolean, seconds?: number): void {
    if (handle.detached) return;
    const simulcast = s.rids.length > 0 || s.simSsrcs.length > 0;
    const m = this.envelope('media', handle);
    m.mid = s.mid;
    m.type = s.kind;
    if (simulcast) m.substream = sub;
    m.receiving = receiving;
    if (!receiving && seconds !== undefined && this.settings.noMediaTimer > 1) m.seconds = seconds;
    handle.send(m);
    if (this.bus.wants(EventType.MEDIA)) {
      const body: JsonObject = { media: s.kind, mid: s.mid };
      if (simulcast) body.substream = sub;
      body.receiving = receiving;
      if (!receiving && seconds !== undefined && this.settings.noMediaTimer > 1) body.seconds = seconds;
      this.bus.emit(EventType.MEDIA, 1, handle.session.id, handle.id, handle.opaqueId, body);
    }
  }

  private slowLink(handle: Handle, s: PeerStream, uplink: boolean, lost: number): void {
    if (handle.detached) return;
    const m = this.envelope('slowlink', handle);
    m.mid = s.mid;
    m.media = s.kind;
    m.uplink = uplink;
    m.lost = lost;
    handle.send(m);
    if (this.bus.wants(EventType.MEDIA)) {
      this.bus.emit(EventType.MEDIA, 2, handle.session.id, handle.id, handle.opaqueId, {
        mid: s.mid, media: s.kind, slow_link: uplink ? 'uplink' : 'downlink', lost_lastsec: lost,
      });
    }
    this.callPlugin(handle, 'slowLink', () => handle.plugin.slowLink?.(handle.pluginState, s.mindex, s.video, uplink));
  }

  /** Plugin callbacks from the media path: a throwing plugin never takes the stack down. */
  private callPlugin(handle: Handle, what: string, fn: () => void): void {
    if (!handle.attached || handle.detached) return;
    try {
      fn();
    } catch (err) {
      this.log.error({ err, handle: handle.id, callback: what }, 'Plugin failed in a media callback');
    }
  }

  private listener(handle: Handle, hm: HandleMedia): PeerListener {
    const plugin = handle.plugin;
    return {
      rtp: (p) => {
        if (!handle.attached || handle.detached || !plugin.incomingRtp) return;
        try {
          plugin.incomingRtp(handle.pluginState, p);
        } catch (err) {
          this.log.error({ err, handle: handle.id }, 'Plugin failed in incomingRtp');
        }
      },
      rtcp: (p) => this.callPlugin(handle, 'incomingRtcp', () => plugin.incomingRtcp?.(handle.pluginState, p)),
      data: (p) => this.callPlugin(handle, 'incomingData', () => plugin.incomingData?.(handle.pluginState, p)),
      dataReady: () => this.callPlugin(handle, 'dataReady', () => plugin.dataReady?.(handle.pluginState)),
      webrtcUp: () => {
        if (handle.detached) return;
        this.log.info({ handle: handle.id }, 'WebRTC media is now available');
        handle.send(this.envelope('webrtcup', handle));
        this.webrtcEvent(handle, 6, { connection: 'webrtcup' });
        hm.monitor?.start();
        this.callPlugin(handle, 'setupMedia', () => plugin.setupMedia?.(handle.pluginState));
      },
      failed: (reason) => {
        // the PeerConnection died on its own: same path as a hangup, with Janus's reason and
        // order (the plugin hears first, then the client gets `hangup`, as in Sessions.hangupMedia)
        setImmediate(() => {
          if (hm.peer === undefined || handle.detached) return;
          this.log.warn({ handle: handle.id, reason }, 'PeerConnection failed');
          this.hangup(handle, reason);
          this.callPlugin(handle, 'hangupMedia', () => plugin.hangupMedia?.(handle.pluginState));
          handle.send({ ...this.envelope('hangup', handle), reason });
        });
      },
      localCandidate: (candidate, mid) => {
        if (!this.settings.fullTrickle || handle.detached) return;
        const m = this.envelope('trickle', handle);
        m.candidate = candidate === null ? { completed: true } : { sdpMid: mid, sdpMLineIndex: 0, candidate: `candidate:${candidate}` };
        handle.send(m);
      },
      mediaReceiving: (s, sub) => this.mediaEvent(handle, s, sub, true),
      webrtcEvent: (subtype, body) => {
        this.totals.stateEvent(hm.peer, body as { ice?: unknown; dtls?: unknown });
        this.webrtcEvent(handle, subtype, body as JsonObject);
      },
    };
  }
}
