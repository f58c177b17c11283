import { RTCPeerConnection, RtpPacket as WRtpPacket, type RTCDataChannel, type RTCRtpTransceiver, type MediaStreamTrack } from 'werift';
import type { AnswerMedia, DataPacket, MediaDirection, OfferMedia, RtcpPacket, RtpExtensions, RtpPacket, SdpCodec } from '../plugin-api';
import { JanusError } from '../plugin-api';
import { codecName, EXT, supportedCodecs, supportedExtensions } from './codecs';
import type { NatMapping } from './ice-config';
import { buildFir, buildPli, buildRemb } from './rtcp-build';
import type { ParsedSdp } from './sdp-parse';
import { guardSimulcastRouting, registerSsrcSimulcast } from './simulcast-routing';
import { RtpOut } from './rtp-out';
import { MediaStream } from './stream';
import { TwccGenerator } from './twcc';

type PeerConfig = NonNullable<ConstructorParameters<typeof RTCPeerConnection>[0]>;

/** What a peer reports to its owner (the werift media port, which knows the handle). */
export interface PeerListener {
  rtp(packet: RtpPacket): void;
  rtcp(packet: RtcpPacket): void;
  data(packet: DataPacket): void;
  dataReady(): void;
  webrtcUp(): void;
  /** The PeerConnection died on its own (ICE/DTLS): the owner hangs up with this Janus reason. */
  failed(reason: string): void;
  /** A local candidate (line without `candidate:`), or null at the end of gathering. */
  localCandidate(candidate: string | null, mid: string): void;
  /** First packet of an m-line/substream after silence. */
  mediaReceiving(stream: MediaStream, substream: number): void;
  /** Event-handler type 16 body (subtype 1..6). */
  webrtcEvent(subtype: number, body: Record<string, unknown>): void;
}

/** Janus's names for ICE states. */
const iceStateName: Record<string, string> = {
  new: 'disconnected', checking: 'connecting', connected: 'connected', completed: 'ready',
  failed: 'failed', disconnected: 'disconnected', closed: 'disconnected',
};
const dtlsStateName: Record<string, string> = { new: 'created', connecting: 'trying', connected: 'connected', failed: 'failed', closed: 'failed' };

const NO_EXTENSIONS: Array<{ id: number; payload: Buffer }> = [];

/** Time to wait for host candidates before sending an SDP without them (half-trickle). */
const GATHER_TIMEOUT_MS = 5000;

/**
 * One handle's PeerConnection (Janus's `janus_ice_handle` + `janus_ice_peerconnection`), on top
 * of werift. Owns negotiation (answer to the client's offer, or offer from a plugin's
 * description), the RTP/RTCP/data paths to and from the plugin, and the state the Admin API
 * shows. Never touches the Janus API: it talks to its listener.
 */
export class MediaPeer {
  readonly pc: RTCPeerConnection;
  readonly streams: MediaStream[] = [];
  readonly created = Date.now();
  /** Janus flags. */
  gotOffer = false;
  gotAnswer = false;
  negotiated = false;
  ready = false;
  alert = false;
  iceRestart = false;
  allTrickles = false;
  hasData = false;
  dataReadyFired = false;
  localSdp?: string;
  remoteSdp?: string;
  /** Offer/answer sent or received last (to reject an unexpected answer). */
  pendingLocalOffer = false;
  iceState = 'disconnected';
  dtlsState = 'created';
  selectedPair?: string;
  readonly localCandidates: string[] = [];
  readonly remoteCandidates: string[] = [];
  connectedAt?: number;
  private readonly channels = new Map<string, RTCDataChannel>();
  private readonly hooked = new WeakSet<MediaStreamTrack>();
  private closed = false;
  private firSeq = 0;
  private twcc?: TwccGenerator;
  /** m-lines of the last offer without any codec we support: answered with port 0. */
  private unsupported = new Set<number>();
  private ridOrderLowFirst = false;
  /** Reused for every packet handed to the plugin (plugins copy what they keep). */
  private readonly ext: RtpExtensions = {
    audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1,
  };
  private readonly rtpOut: RtpPacket = { mindex: 0, mid: '', video: false, buffer: Buffer.alloc(0), length: 0, substream: 0, extensions: this.ext };

  constructor(
    config: Partial<PeerConfig>,
    private readonly listener: PeerListener,
    private readonly nat: NatMapping,
    private readonly fullTrickle: boolean,
    /** Janus `twcc_period` (ms); 0 disables transport-wide congestion control. */
    private readonly twccPeriod = 200,
  ) {
    const twcc = twccPeriod > 0;
    this.pc = new RTCPeerConnection({ ...config, codecs: supportedCodecs(twcc), headerExtensions: supportedExtensions(twcc) });
    const pc = this.pc;
    guardSimulcastRouting(pc);
    pc.iceConnectionStateChange.subscribe((s) => {
      this.iceState = iceStateName[s] ?? s;
      listener.webrtcEvent(1, { ice: this.iceState, stream_id: 1, component_id: 1 });
      if (s === 'connected' || s === 'completed') this.noteSelectedPair();
      if (s === 'failed' && !this.closed) listener.failed('ICE failed');
    });
    pc.connectionStateChange.subscribe((s) => {
      if (s === 'connected' && !this.ready) {
        this.ready = true;
        this.connectedAt = Date.now();
        this.startTwcc();
        listener.webrtcUp();
      } else if (s === 'failed' && !this.closed) {
        listener.failed(this.dtlsState === 'failed' ? 'DTLS alert' : 'ICE failed');
      }
    });
    pc.onIceCandidate.subscribe((c) => {
      const mid = this.streams[0]?.mid ?? '0';
      if (!c) {
        listener.localCandidate(null, mid);
        return;
      }
      const line = c.candidate.replace(/^candidate:/, '');
      for (const l of this.nat.active ? this.nat.rewrite(line) : [line]) {
        this.localCandidates.push(l);
        listener.webrtcEvent(2, { 'local-candidate': l, stream_id: 1, component_id: 1 });
        listener.localCandidate(l, mid);
      }
    });
    pc.onDataChannel.subscribe((dc) => this.addChannel(dc));
    pc.onTransceiverAdded.subscribe((t) => this.hookTransceiver(t));
    pc.onRemoteTransceiverAdded.subscribe((t) => this.hookTransceiver(t));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // --- negotiation ---

  /** Apply the client's offer (first or renegotiation). Throws JanusError 465 when werift refuses it. */
  async remoteOffer(sdp: string, parsed: ParsedSdp, ridOrder?: string): Promise<void> {
    this.ridOrderLowFirst = ridOrder === 'lmh';
    if (this.gotOffer && parsed.iceUfrag && this.pc.remoteDescription) {
      const old = /a=ice-ufrag:(\S+)/.exec(this.pc.remoteDescription.sdp)?.[1];
      this.iceRestart = old !== undefined && old !== parsed.iceUfrag;
    }
    const patched = patchUnsupported(sdp, parsed);
    this.unsupported = patched.unsupported;
    try {
      // werift reads "a=rid:<id> <direction>" only: parameters would end up in the direction
      await this.pc.setRemoteDescription({ type: 'offer', sdp: patched.sdp.replace(/^a=rid:(\S+) (send|recv) [^\r\n]*/gm, 'a=rid:$1 $2') });
    } catch (err) {
      throw new JanusError(465, `Error processing SDP: ${(err as Error).message}`);
    }
    this.gotOffer = true;
    this.remoteSdp = sdp;
    this.syncStreams(parsed);
  }

  /** The client's answer to our offer. */
  async remoteAnswer(sdp: string, parsed: ParsedSdp): Promise<void> {
    if (!this.pendingLocalOffer) throw new JanusError(469, 'Unexpected ANSWER (did we offer?)');
    try {
      await this.pc.setRemoteDescription({ type: 'answer', sdp });
    } catch (err) {
      throw new JanusError(465, `Error processing SDP: ${(err as Error).message}`);
    }
    this.pendingLocalOffer = false;
    this.gotAnswer = true;
    this.negotiated = true;
    this.remoteSdp = sdp;
    this.syncStreams(parsed);
    if (this.iceRestart) this.restartChecks();
  }

  /**
   * werift skips ICE checks when DTLS is already up, so after an ICE restart nothing would
   * nominate a new pair: start the checks ourselves (DTLS and SRTP carry on over the new pair).
   */
  private restartChecks(): void {
    this.iceRestart = false;
    for (const d of this.pc.dtlsTransports) {
      const ice = d.iceTransport;
      const conn = (ice as unknown as { connection: { nominated?: unknown } }).connection;
      if (d.state === 'connected' && !conn.nominated) {
        ice.start().catch(() => this.listener.failed('ICE failed'));
      }
    }
  }

  /** Our answer to the client's last offer, m-line by m-line as the plugin decided. */
  async answer(choices: AnswerMedia[] | undefined): Promise<string> {
    if (!this.gotOffer || this.pc.signalingState !== 'have-remote-offer') throw new JanusError(465, 'No offer to answer');
    const rejected = new Set<number>();
    for (const s of this.streams) {
      const choice = choices?.find((c) => c.mindex === s.mindex);
      const t = s.transceiver;
      if ((choice && !choice.accept) || this.unsupported.has(s.mindex)) {
        rejected.add(s.mindex);
        s.disabled = true;
        s.direction = 'inactive';
        t?.setDirection('inactive');
        continue;
      }
      if (!t) continue;
      if (choice && !choice.accept) {
        t.setDirection('inactive');
        continue;
      }
      // extensions first: keepCodec prepares werift's sender with the transceiver's final lists
      if (choice?.extensions) {
        const wanted = new Set(choice.extensions);
        t.headerExtensions = t.headerExtensions.filter((e) => e.uri === EXT.mid || wanted.has(e.uri));
      }
      this.keepCodec(s, t, choice?.codecs);
      if (!s.codec) {
        rejected.add(s.mindex);
        t.setDirection('inactive');
        continue;
      }
      const offered = t.offerDirection; // the direction the remote offer implies for us
      const dir = choice?.direction ?? 'sendrecv';
      t.setDirection(dir);
      s.direction = andDirection(dir, offered);
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.negotiated = true;
    if (this.iceRestart) this.restartChecks();
    await this.gathered();
    const sdp = this.finishSdp(this.pc.localDescription!.sdp, rejected, undefined);
    this.localSdp = sdp;
    this.hookAll();
    return sdp;
  }

  /** An offer with the plugin's m-lines (subscribers) or a renegotiation/ICE restart. */
  async offer(media: OfferMedia[] | undefined, restart: boolean): Promise<string> {
    if (this.pc.signalingState === 'have-remote-offer') throw new JanusError(465, 'Cannot offer while an offer is pending');
    const disabled = new Set<number>();
    const msids = new Map<number, { stream: string; track: string }>();
    for (const m of media ?? []) {
      if (m.kind === 'application') {
        if (!this.hasData) {
          this.hasData = true;
          const dc = this.pc.createDataChannel('JanusDataChannel');
          this.addChannel(dc);
        }
        continue;
      }
      let t = m.mid !== undefined ? this.pc.getTransceivers().find((x) => x.mid === m.mid) : undefined;
      if (!t) t = this.pc.addTransceiver(m.kind, { direction: m.direction });
      else t.setDirection(m.direction);
      if (m.disabled) t.setDirection('inactive');
      t.codecs = this.offerCodecs(m);
      if (m.extensions) {
        const wanted = new Set(m.extensions);
        const all = supportedExtensions(this.twccPeriod > 0)[m.kind];
        t.headerExtensions = all.filter((e) => e.uri === EXT.mid || wanted.has(e.uri));
      }
      const idx = this.pc.getTransceivers().indexOf(t);
      if (m.disabled) disabled.add(idx);
      if (m.msid) msids.set(idx, m.msid);
    }
    const offer = await this.pc.createOffer({ iceRestart: restart });
    await this.pc.setLocalDescription(offer);
    if (restart) this.iceRestart = true;
    this.pendingLocalOffer = true;
    await this.gathered();
    const sdp = this.finishSdp(this.pc.localDescription!.sdp, disabled, msids);
    this.localSdp = sdp;
    // streams as we offered them; the answer refines directions
    this.syncStreamsFromLocal(sdp);
    this.hookAll();
    return sdp;
  }

  /** Trickled remote candidate; Janus applies only those of the bundle m-line. */
  async addRemoteCandidate(candidate: string, sdpMid?: string, sdpMLineIndex?: number): Promise<void> {
    const first = this.streams[0]?.mid;
    if (sdpMid !== undefined && first !== undefined && sdpMid !== first) return;
    if (sdpMid === undefined && sdpMLineIndex !== undefined && sdpMLineIndex > 0) return;
    const line = candidate.startsWith('candidate:') ? candidate : `candidate:${candidate}`;
    this.remoteCandidates.push(line.slice(10));
    this.listener.webrtcEvent(3, { 'remote-candidate': line.slice(10), stream_id: 1, component_id: 1 });
    await this.pc.addIceCandidate({ candidate: line, sdpMid: first ?? sdpMid, sdpMLineIndex: 0 });
  }

  async endOfCandidates(): Promise<void> {
    this.allTrickles = true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.twcc?.stop();
    for (const dc of this.channels.values()) dc.close();
    this.channels.clear();
    this.pc.close().catch(() => undefined);
  }

  // --- media to the peer ---

  relayRtp(packet: RtpPacket): void {
    const s = this.streams[packet.mindex];
    const t = s?.transceiver;
    if (!t || this.closed || !this.ready) return;
    if (s.direction !== 'sendrecv' && s.direction !== 'sendonly') return;
    s.out.packets++;
    s.out.bytes += packet.length;
    s.out.bytesSec += packet.length;
    // the lean path (rtp-out.ts); werift's RtpPacket path only for what it does not cover
    if (!s.rtpOut || s.rtpOut.sender !== t.sender) s.rtpOut = new RtpOut(t.sender);
    if (s.rtpOut.send(packet.buffer, packet.length, packet.extensions, t.headerExtensions)) return;
    const buf = packet.length === packet.buffer.length ? packet.buffer : packet.buffer.subarray(0, packet.length);
    let rtp: WRtpPacket;
    try {
      rtp = WRtpPacket.deSerialize(buf);
    } catch {
      return;
    }
    // werift keeps the packet for NACK retransmissions: the plugin's buffer must not be shared
    rtp.payload = Buffer.from(rtp.payload);
    // as Janus: extensions are the core's, never the source's (ids differ between PeerConnections).
    // werift adds mid, abs-send-time and transport-cc; we add what the plugin set in `extensions`.
    rtp.header.extensions = this.outExtensions(t, packet.extensions);
    rtp.header.extensionProfile = 0xbede;
    rtp.header.extension = rtp.header.extensions.length > 0;
    t.sender.sendRtp(rtp).catch(() => undefined);
  }

  private outExtensions(t: RTCRtpTransceiver, e: RtpExtensions): Array<{ id: number; payload: Buffer }> {
    // the common case allocates nothing (werift replaces the array, never mutates it)
    if (e.audioLevel < 0 && e.videoRotation < 0 && e.minDelay < 0 && e.maxDelay < 0) return NO_EXTENSIONS;
    const out: Array<{ id: number; payload: Buffer }> = [];
    for (const h of t.headerExtensions) {
      if (h.uri === EXT.audioLevel && e.audioLevel >= 0) {
        out.push({ id: h.id, payload: Buffer.from([(e.audioLevelVad ? 0x80 : 0) | (e.audioLevel & 0x7f)]) });
      } else if (h.uri === EXT.videoOrientation && e.videoRotation >= 0) {
        const r = Math.round(e.videoRotation / 90) & 0x03;
        out.push({ id: h.id, payload: Buffer.from([(e.videoBackCamera ? 0x08 : 0) | (e.videoFlipped ? 0x04 : 0) | r]) });
      } else if (h.uri === EXT.playoutDelay && (e.minDelay >= 0 || e.maxDelay >= 0)) {
        const min = Math.max(0, Math.min(4095, e.minDelay));
        const max = Math.max(0, Math.min(4095, e.maxDelay < 0 ? min : e.maxDelay));
        out.push({ id: h.id, payload: Buffer.from([(min >> 4) & 0xff, ((min & 0x0f) << 4) | ((max >> 8) & 0x0f), max & 0xff]) });
      }
    }
    return out;
  }

  relayRtcp(packet: RtcpPacket): void {
    // plugins relay feedback; the core owns SR/RR. Only keyframe requests and REMB pass, re-addressed.
    const s = this.streams[packet.mindex];
    if (!s || !this.ready) return;
    const b = packet.buffer;
    let off = 0;
    while (off + 4 <= packet.length) {
      const fmt = b[off] & 0x1f;
      const pt = b[off + 1];
      const len = (b.readUInt16BE(off + 2) + 1) * 4;
      if (off + len > packet.length) break;
      if (pt === 206 && (fmt === 1 || fmt === 4)) this.sendPli(s.mindex);
      else if (pt === 206 && fmt === 15 && len >= 20) {
        const exp = b[off + 17] >> 2;
        const mantissa = ((b[off + 17] & 0x03) << 16) | b.readUInt16BE(off + 18);
        this.sendRemb(mantissa * 2 ** exp);
      }
      off += len;
    }
  }

  relayData(packet: DataPacket): void {
    if (this.closed) return;
    let dc = this.channels.get(packet.label);
    if (!dc) {
      if (!this.hasData || !this.ready) return;
      dc = this.pc.createDataChannel(packet.label, packet.protocol ? { protocol: packet.protocol } : {});
      this.addChannel(dc);
    }
    const data = packet.buffer.subarray(0, packet.length);
    const send = () => dc!.send(packet.binary ? Buffer.from(data) : data.toString('utf8'));
    if (dc.readyState === 'open') send();
    else dc.stateChanged.once((st) => st === 'open' && send());
  }

  sendPli(mindex?: number): void {
    if (!this.ready) return;
    for (const s of this.streams) {
      if (!s.video || (mindex !== undefined && s.mindex !== mindex) || !s.transceiver) continue;
      const sender = s.transceiver.sender.ssrc;
      const pkts: Buffer[] = [];
      for (let i = 0; i < 3; i++) {
        if (!s.peerSsrc[i]) continue;
        // FIR for peers that only announced ccm fir, PLI otherwise (Janus sends both as needed)
        pkts.push(buildPli(sender, s.peerSsrc[i]));
        if (s.codec?.rtcpFb?.some((f) => f === 'ccm fir')) pkts.push(buildFir(sender, s.peerSsrc[i], this.firSeq++));
      }
      if (pkts.length) this.sendRtcpRaw(Buffer.concat(pkts));
    }
  }

  sendRemb(bitrate: number): void {
    if (!this.ready) return;
    const ssrcs: number[] = [];
    let sender = 1;
    for (const s of this.streams) {
      if (!s.video || !s.transceiver) continue;
      sender = s.transceiver.sender.ssrc;
      for (const x of s.peerSsrc) if (x) ssrcs.push(x);
    }
    if (ssrcs.length === 0) return;
    this.sendRtcpRaw(buildRemb(sender, bitrate, ssrcs));
  }

  /** TWCC feedback when the peer negotiated the transport-cc extension on any m-line. */
  private startTwcc(): void {
    if (this.twccPeriod <= 0 || this.twcc) return;
    const ts = this.pc.getTransceivers();
    if (!ts.some((t) => t.headerExtensions.some((e) => e.uri === EXT.twcc))) return;
    this.twcc = new TwccGenerator((b) => this.sendRtcpRaw(b), ts[0].sender.ssrc);
    this.twcc.start(this.twccPeriod);
  }

  private sendRtcpRaw(buf: Buffer): void {
    const dtls = this.pc.dtlsTransports[0];
    if (!dtls || dtls.state !== 'connected') return;
    dtls.sendRtcp([{ serialize: () => buf } as never]).catch(() => undefined);
  }

  // --- internals ---

  /** Keep one codec (the plugin's preference, else the offer's first) plus its RTX. */
  private keepCodec(s: MediaStream, t: RTCRtpTransceiver, prefs: string[] | undefined): void {
    const media = t.codecs.filter((c) => !['rtx', 'red', 'ulpfec', 'flexfec-03'].includes(codecName(c.mimeType)));
    let chosen = media[0];
    if (prefs?.length) {
      chosen = undefined as never;
      for (const p of prefs) {
        chosen = media.find((c) => codecName(c.mimeType) === p.toLowerCase()) as never;
        if (chosen) break;
      }
    }
    if (!chosen) {
      s.codec = undefined;
      return;
    }
    const rtx = t.codecs.find((c) => codecName(c.mimeType) === 'rtx' && (c.parameters ?? '').includes(`apt=${chosen.payloadType}`));
    // transport-cc only when we generate the feedback (see twcc.ts)
    if (this.twccPeriod <= 0) chosen.rtcpFeedback = chosen.rtcpFeedback.filter((f) => f.type !== 'transport-cc');
    t.codecs = rtx ? [chosen, rtx] : [chosen];
    // werift prepared the sender with every codec and extension of the offer on setRemoteDescription:
    // redo it with ours. prepareSend sets RED and RTX but never clears them, so clear them first:
    // a stale RED (Chrome offers red/48000 "111/111") made werift send RED blocks labelled as
    // Opus (PT 111), which Chrome's decoder rejects (nothing played); a stale RTX type is another codec's.
    const snd = t.sender as unknown as { redRedundantPayloadType?: number; rtxPayloadType?: number };
    snd.redRedundantPayloadType = undefined;
    snd.rtxPayloadType = undefined;
    const tm = (this.pc as unknown as { transceiverManager: { getLocalRtpParams(t: RTCRtpTransceiver): unknown } }).transceiverManager;
    t.sender.prepareSend(tm.getLocalRtpParams(t) as never);
    s.codec = {
      pt: chosen.payloadType!, name: codecName(chosen.mimeType), clockRate: chosen.clockRate, channels: chosen.channels,
      fmtp: chosen.parameters, rtcpFb: chosen.rtcpFeedback.map((f) => (f.parameter ? `${f.type} ${f.parameter}` : f.type)),
    };
    s.rtxPt = rtx?.payloadType;
  }

  private offerCodecs(m: OfferMedia) {
    const all = supportedCodecs(this.twccPeriod > 0)[m.kind as 'audio' | 'video'];
    const out = [];
    let nextPt = 96;
    const used = new Set<number>();
    for (const c of m.codecs) used.add(c.pt ?? -1);
    for (const want of m.codecs) {
      const base = all.find((c) => codecName(c.mimeType) === want.name.toLowerCase());
      if (!base) continue;
      let pt = want.pt ?? base.payloadType;
      if (pt === undefined) {
        while (used.has(nextPt)) nextPt++;
        pt = nextPt++;
      }
      used.add(pt);
      base.payloadType = pt;
      if (want.fmtp !== undefined) base.parameters = want.fmtp;
      if (want.clockRate) base.clockRate = want.clockRate;
      out.push(base);
    }
    if (out.length === 0) throw new JanusError(465, `No supported codec to offer for ${m.kind}`);
    return out;
  }

  /** Build our per-m-line view from the parsed remote SDP and werift's transceivers. */
  private syncStreams(parsed: ParsedSdp): void {
    const transceivers = this.pc.getTransceivers();
    for (const m of parsed.media) {
      let s = this.streams[m.mindex];
      if (!s || s.kind !== m.kind) {
        s = new MediaStream(m.mindex, m.mid, m.kind);
        this.streams[m.mindex] = s;
      }
      s.mid = m.mid;
      s.disabled = m.disabled;
      s.remoteMsid = m.msid;
      s.rids = m.simulcast?.rids ?? [];
      s.simSsrcs = m.simulcast?.ssrcs ?? [];
      s.rtxSsrcs = parsed.rtx.get(m.mindex) ?? new Map();
      s.ridLowFirst = this.ridOrderLowFirst;
      if (m.kind === 'application') {
        this.hasData = true;
        continue;
      }
      s.transceiver = transceivers.find((t) => t.mid === m.mid);
      if (s.transceiver && this.pendingLocalOffer === false && this.gotAnswer) {
        // answer to our offer: directions as answered
        s.direction = reverse(m.direction);
      }
      if (s.transceiver && !s.codec) {
        const c = s.transceiver.codecs.find((x) => !['rtx', 'red'].includes(codecName(x.mimeType)));
        if (c) s.codec = { pt: c.payloadType!, name: codecName(c.mimeType), clockRate: c.clockRate, channels: c.channels, fmtp: c.parameters };
      }
      if (s.simSsrcs.length > 1) registerSsrcSimulcast(this.pc, s);
    }
  }

  /** After our own offer: streams from the local SDP (mids werift assigned). */
  private syncStreamsFromLocal(sdp: string): void {
    const transceivers = this.pc.getTransceivers();
    const sections = sdp.split(/\r\nm=/).slice(1);
    sections.forEach((sec, mindex) => {
      const kind = sec.split(' ')[0] as 'audio' | 'video' | 'application';
      const mid = /a=mid:(\S+)/.exec(sec)?.[1] ?? String(mindex);
      let s = this.streams[mindex];
      if (!s || s.kind !== kind) this.streams[mindex] = s = new MediaStream(mindex, mid, kind);
      s.mid = mid;
      if (kind === 'application') return;
      s.transceiver = transceivers.find((t) => t.mid === mid);
      const dir = /a=(sendrecv|sendonly|recvonly|inactive)/.exec(sec)?.[1] as MediaDirection | undefined;
      s.direction = dir ?? 'sendrecv';
      const c = s.transceiver?.codecs[0];
      if (c) s.codec = { pt: c.payloadType!, name: codecName(c.mimeType), clockRate: c.clockRate, channels: c.channels, fmtp: c.parameters };
    });
  }

  private hookAll(): void {
    for (const t of this.pc.getTransceivers()) this.hookTransceiver(t);
  }

  private hookTransceiver(t: RTCRtpTransceiver): void {
    if ((t as unknown as { __janusHooked?: boolean }).__janusHooked) return;
    (t as unknown as { __janusHooked?: boolean }).__janusHooked = true;
    // werift's own TWCC feedback must never run: ours replaces it (twcc.ts)
    (t.receiver as unknown as { receiverTWCC: unknown }).receiverTWCC = { handleTWCC: () => undefined };
    t.onTrack.subscribe((track) => this.hookTrack(t, track));
    for (const track of t.receiver.tracks) this.hookTrack(t, track);
    this.hookTrack(t, t.receiver.track);
    t.sender.onRtcp.subscribe((rtcp) => this.incomingRtcp(t, rtcp));
    t.receiver.onRtcp.subscribe((rtcp) => this.incomingRtcp(t, rtcp));
    t.sender.onGenericNack.subscribe((nack) => {
      const s = this.streamOf(t);
      if (!s) return;
      s.out.nacks++;
      if (s.rtpOut && s.rtpOut.sender === t.sender) s.out.retransmissions += s.rtpOut.retransmit(nack.lost);
    });
    t.receiver.onPacketLost.subscribe(() => {
      const s = this.streamOf(t);
      if (s) s.in.nacks++;
    });
  }

  private streamOf(t: RTCRtpTransceiver): MediaStream | undefined {
    for (const s of this.streams) if (s && s.transceiver === t) return s;
    return undefined;
  }

  private hookTrack(t: RTCRtpTransceiver, track: MediaStreamTrack): void {
    if (this.hooked.has(track)) return;
    this.hooked.add(track);
    let stream: MediaStream | undefined;
    track.onReceiveRtp.subscribe((rtp, ext) => {
      if (this.closed) return;
      if (!stream || stream.transceiver !== t) stream = this.streamOf(t);
      if (!stream) return;
      this.incomingRtp(stream, rtp, ext as Record<string, unknown> | undefined, track.rid);
    });
  }

  private incomingRtp(s: MediaStream, rtp: WRtpPacket, ext: Record<string, unknown> | undefined, rid: string | undefined): void {
    const ssrc = rtp.header.ssrc;
    const sub = rid ? s.substreamOfRid(rid) : s.substreamOfSsrc(ssrc);
    s.peerSsrc[sub] = ssrc;
    const buf = rtp.serialize();
    s.in.packets++;
    s.in.bytes += buf.length;
    s.in.bytesSec += buf.length;
    s.lastRecv[sub] = Date.now();
    if (this.twcc && ext) {
      const tsn = ext[EXT.twcc];
      if (typeof tsn === 'number') this.twcc.record(tsn, performance.now() * 1000, ssrc);
    }
    if (!s.receiving[sub]) {
      s.receiving[sub] = true;
      this.listener.mediaReceiving(s, sub);
    }
    const e = this.ext;
    e.audioLevel = -1;
    e.audioLevelVad = false;
    e.videoRotation = -1;
    e.videoBackCamera = false;
    e.videoFlipped = false;
    e.minDelay = -1;
    e.maxDelay = -1;
    if (ext) {
      const al = ext[EXT.audioLevel] as { v: boolean; level: number } | undefined;
      if (al) {
        e.audioLevel = al.level;
        e.audioLevelVad = al.v;
      }
      const vo = ext[EXT.videoOrientation] as { c: number; f: number; r1: number; r0: number } | undefined;
      if (vo) {
        e.videoRotation = ((vo.r1 << 1) | vo.r0) * 90;
        e.videoBackCamera = vo.c === 1;
        e.videoFlipped = vo.f === 1;
      }
      const pd = ext[EXT.playoutDelay] as Buffer | undefined;
      if (pd && pd.length >= 3) {
        e.minDelay = (pd[0] << 4) | (pd[1] >> 4);
        e.maxDelay = ((pd[1] & 0x0f) << 8) | pd[2];
      }
    }
    const p = this.rtpOut;
    p.mindex = s.mindex;
    p.mid = s.mid;
    p.video = s.video;
    p.buffer = buf;
    p.length = buf.length;
    p.substream = sub;
    this.listener.rtp(p);
  }

  private incomingRtcp(t: RTCRtpTransceiver, rtcp: { serialize(): Buffer; type: number }): void {
    const s = this.streamOf(t);
    if (!s || this.closed) return;
    const r = rtcp as unknown as { type: number; reports?: Array<{ ssrc: number; packetsLost: number; jitter: number }>; feedback?: { bitrate?: bigint } };
    if (r.reports) {
      for (const rep of r.reports) {
        if (rep.ssrc === t.sender.ssrc) {
          s.lostByRemote = rep.packetsLost;
          s.jitterRemote = rep.jitter;
        }
      }
    }
    if (r.type === 206 && r.feedback?.bitrate !== undefined) s.rembBitrate = Number(r.feedback.bitrate);
    let buf: Buffer;
    try {
      buf = rtcp.serialize();
    } catch {
      return;
    }
    this.listener.rtcp({ mindex: s.mindex, video: s.video, buffer: buf, length: buf.length });
  }

  private addChannel(dc: RTCDataChannel): void {
    this.hasData = true;
    this.channels.set(dc.label, dc);
    dc.onMessage.subscribe((msg) => {
      if (this.closed) return;
      const binary = typeof msg !== 'string';
      const buffer = binary ? (msg as Buffer) : Buffer.from(msg as string, 'utf8');
      this.listener.data({ label: dc.label, protocol: dc.protocol || undefined, binary, buffer, length: buffer.length });
    });
    const opened = () => {
      if (!this.dataReadyFired) {
        this.dataReadyFired = true;
        this.listener.dataReady();
      }
    };
    if (dc.readyState === 'open') opened();
    dc.stateChanged.subscribe((st) => {
      if (st === 'open') opened();
      if (st === 'closed' && this.channels.get(dc.label) === dc) this.channels.delete(dc.label);
    });
    dc.bufferedAmountLow.subscribe(() => this.listener.dataReady());
  }

  /** Wait for candidates unless we trickle them ourselves (full_trickle). */
  private async gathered(): Promise<void> {
    const dtls = this.pc.dtlsTransports[0];
    if (dtls && !(dtls as unknown as { __janusDtls?: boolean }).__janusDtls) {
      (dtls as unknown as { __janusDtls?: boolean }).__janusDtls = true;
      dtls.onStateChange.subscribe((st) => {
        const wasConnected = this.dtlsState === 'connected';
        this.dtlsState = dtlsStateName[st] ?? st;
        this.listener.webrtcEvent(5, { dtls: this.dtlsState, stream_id: 1, component_id: 1, retransmissions: 0 });
        // the peer closed DTLS (close_notify alert, what browsers send on pc.close()) or it broke
        if ((st === 'failed' || (st === 'closed' && wasConnected)) && !this.closed) {
          this.alert = true;
          this.listener.failed('DTLS alert');
        }
      });
    }
    if (this.fullTrickle || this.pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, GATHER_TIMEOUT_MS);
      const sub = this.pc.iceGatheringStateChange.subscribe((st) => st === 'complete' && done());
      function done() {
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      }
      if (this.pc.iceGatheringState === 'complete') done();
    });
  }

  /** Final touches werift does not do: rejected m-lines, our msids, NAT 1:1 candidates. */
  private finishSdp(sdp: string, rejected: Set<number>, msids: Map<number, { stream: string; track: string }> | undefined): string {
    const parts = sdp.split(/\r\n(?=m=)/);
    for (let i = 1; i < parts.length; i++) {
      const mindex = i - 1;
      let sec = parts[i];
      if (rejected.has(mindex)) sec = sec.replace(/^m=(\S+) \d+/, 'm=$1 0');
      const msid = msids?.get(mindex);
      if (msid) {
        sec = sec.replace(/\r\na=msid:[^\r\n]*/g, '').replace(/\r\n$/, '');
        // no trailing CRLF here: the join below adds it, and an empty line is invalid SDP for browsers
        sec += `\r\na=msid:${msid.stream} ${msid.track}`;
      }
      if (this.nat.active) {
        sec = sec.replace(/a=candidate:([^\r\n]+)/g, (_m, c: string) => this.nat.rewrite(c).map((x) => `a=candidate:${x}`).join('\r\n'));
      }
      parts[i] = sec;
    }
    let out = parts.join('\r\n');
    if (!out.endsWith('\r\n')) out += '\r\n';
    return out;
  }

  private noteSelectedPair(): void {
    const ice = this.pc.iceTransports[0] as unknown as { connection?: { nominated?: { localCandidate: Cand; remoteCandidate: Cand } } };
    const pair = ice?.connection?.nominated;
    if (!pair) return;
    const l = pair.localCandidate;
    const r = pair.remoteCandidate;
    this.selectedPair = `${l.host}:${l.port} [${l.type},${l.transport.toLowerCase()}] <-> ${r.host}:${r.port} [${r.type},${r.transport.toLowerCase()}]`;
    const fam = (h: string) => (h.includes(':') ? 6 : 4);
    this.listener.webrtcEvent(4, {
      'selected-pair': this.selectedPair,
      candidates: {
        local: { address: l.host, port: l.port, type: l.type, transport: l.transport.toLowerCase(), family: fam(l.host) },
        remote: { address: r.host, port: r.port, type: r.type, transport: r.transport.toLowerCase(), family: fam(r.host) },
      },
      stream_id: 1,
      component_id: 1,
    });
  }
}

interface Cand {
  host: string;
  port: number;
  type: string;
  transport: string;
}

const known = { audio: new Set(['opus', 'pcmu', 'pcma', 'g722']), video: new Set(['vp8', 'vp9', 'h264', 'av1', 'h265']) };

/**
 * werift refuses a whole offer when one m-line has no codec it knows; Janus rejects just that
 * m-line. So werift gets a placeholder codec there (inactive), and the answer says port 0.
 */
export function patchUnsupported(sdp: string, parsed: ParsedSdp): { sdp: string; unsupported: Set<number> } {
  const unsupported = new Set<number>();
  for (const m of parsed.media) {
    if (m.kind === 'application') continue;
    if (!m.codecs.some((c) => known[m.kind as 'audio' | 'video'].has(c.name))) unsupported.add(m.mindex);
  }
  if (unsupported.size === 0) return { sdp, unsupported };
  const parts = sdp.split(/\r?\n(?=m=)/);
  for (let i = 1; i < parts.length; i++) {
    if (!unsupported.has(i - 1)) continue;
    const video = parts[i].startsWith('m=video');
    const pt = video ? 96 : 0;
    let sec = parts[i].replace(/^(m=\S+ \d+(?:\/\d+)? \S+).*$/m, `$1 ${pt}`);
    sec = sec.replace(/\r?\na=(rtpmap|fmtp|rtcp-fb|sendrecv|sendonly|recvonly|inactive|rid|simulcast|ssrc-group)[^\r\n]*/g, '');
    sec = sec.replace(/\r?\n*$/, '');
    sec += `\r\na=rtpmap:${pt} ${video ? 'VP8/90000' : 'PCMU/8000'}\r\na=inactive${i === parts.length - 1 ? '\r\n' : ''}`;
    parts[i] = sec;
  }
  return { sdp: parts.join('\r\n'), unsupported };
}

function reverse(d: MediaDirection): MediaDirection {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

/** Our direction given what we want and what the offer allows. */
function andDirection(want: MediaDirection, allowed: MediaDirection): MediaDirection {
  const send = (want === 'sendrecv' || want === 'sendonly') && (allowed === 'sendrecv' || allowed === 'sendonly');
  const recv = (want === 'sendrecv' || want === 'recvonly') && (allowed === 'sendrecv' || allowed === 'recvonly');
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

export type { SdpCodec };
