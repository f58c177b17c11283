import { RTCPeerConnection, RtpPacket as WRtpPacket, type RTCRtpTransceiver, type MediaStreamTrack } from 'werift';
import type { AnswerMedia, DataPacket, OfferMedia, RtcpPacket, RtpExtensions, RtpPacket, SdpCodec } from '../plugin-api';
import { EXT, supportedCodecs, supportedExtensions } from './codecs';
import { DataChannels } from './data-channels';
import type { NatMapping } from './ice-config';
import { InboundChain } from './inbound/chain';
import { Negotiation } from './negotiation';
import type { PeerListener } from './peer-listener';
import { PeerRtcp } from './peer-rtcp';
import type { PeerStream } from './peer-stream';
import { PeerTransport } from './peer-transport';
import { RtpOut } from './rtp-out';
import type { ParsedSdp } from './sdp-parse';
import { guardSimulcastRouting } from './simulcast-routing';
import type { TwccGenerator } from './twcc';
import { takeOverWeriftTwcc } from './werift-adapter/media';

export type { PeerListener } from './peer-listener';

type PeerConfig = NonNullable<ConstructorParameters<typeof RTCPeerConnection>[0]>;

const NO_EXTENSIONS: Array<{ id: number; payload: Buffer }> = [];

/**
 * One handle's PeerConnection (Janus's `janus_ice_handle` + `janus_ice_peerconnection`), on top
 * of werift. It holds the state the Admin API shows and wires the units that do the work:
 * negotiation.ts (offer/answer), inbound/ (packets to the plugin), rtp-out.ts + outbound/
 * (packets from the plugin), peer-rtcp.ts, data-channels.ts, peer-transport.ts (ICE/DTLS).
 * Never touches the Janus API: it talks to its listener.
 */
export class MediaPeer {
  readonly pc: RTCPeerConnection;
  readonly streams: PeerStream[] = [];
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
  private closed = false;
  private readonly hooked = new WeakSet<RTCRtpTransceiver>();
  private readonly negotiation: Negotiation;
  private readonly transport: PeerTransport;
  private readonly inbound: InboundChain;
  private readonly rtcp: PeerRtcp;
  private readonly data: DataChannels;

  constructor(
    config: Partial<PeerConfig>,
    private readonly listener: PeerListener,
    nat: NatMapping,
    fullTrickle: boolean,
    /** Janus `twcc_period` (ms); 0 disables transport-wide congestion control. */
    twccPeriod = 200,
  ) {
    const twcc = twccPeriod > 0;
    this.pc = new RTCPeerConnection({ ...config, codecs: supportedCodecs(twcc), headerExtensions: supportedExtensions(twcc) });
    guardSimulcastRouting(this.pc);
    this.rtcp = new PeerRtcp(this, listener, twccPeriod);
    this.data = new DataChannels(this, listener);
    this.negotiation = new Negotiation(this, nat, twccPeriod);
    this.transport = new PeerTransport(this, listener, nat, fullTrickle, () => this.rtcp.startTwcc());
    const rtcp = this.rtcp;
    this.inbound = new InboundChain({
      streamOf: (t) => this.streamOf(t),
      twcc: (): TwccGenerator | undefined => rtcp.twcc,
      mediaReceiving: (s, sub) => listener.mediaReceiving(s, sub),
      rtp: (p) => listener.rtp(p),
      closed: () => this.closed,
    });
    this.pc.onDataChannel.subscribe((dc) => this.data.add(dc));
    this.pc.onTransceiverAdded.subscribe((t) => this.hookTransceiver(t));
    this.pc.onRemoteTransceiverAdded.subscribe((t) => this.hookTransceiver(t));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // --- negotiation (negotiation.ts) ---

  /** Apply the client's offer (first or renegotiation). Throws JanusError 465 when werift refuses it. */
  remoteOffer(sdp: string, parsed: ParsedSdp, ridOrder?: string): Promise<void> {
    return this.negotiation.remoteOffer(sdp, parsed, ridOrder);
  }

  /** The client's answer to our offer. */
  remoteAnswer(sdp: string, parsed: ParsedSdp): Promise<void> {
    return this.negotiation.remoteAnswer(sdp, parsed);
  }

  /** Our answer to the client's last offer, m-line by m-line as the plugin decided. */
  answer(choices: AnswerMedia[] | undefined): Promise<string> {
    return this.negotiation.answer(choices);
  }

  /** An offer with the plugin's m-lines (subscribers) or a renegotiation/ICE restart. */
  offer(media: OfferMedia[] | undefined, restart: boolean): Promise<string> {
    return this.negotiation.offer(media, restart);
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
    this.rtcp.stop();
    this.data.close();
    this.pc.close().catch(() => undefined);
  }

  // --- media to the peer ---

  /**
   * A packet from the plugin (the outbound chain, rtp-out.ts). The plugin's buffer is read during
   * this call only, and its sequence number and timestamp are sent as they are.
   */
  relayRtp(packet: RtpPacket): void {
    const s = this.streams[packet.mindex];
    const t = s?.transceiver;
    if (!t || this.closed || !this.ready) return;
    if (s.direction !== 'sendrecv' && s.direction !== 'sendonly') return;
    s.out.packets++;
    s.out.bytes += packet.length;
    s.out.bytesSec += packet.length;
    if (!s.rtpOut || s.rtpOut.sender !== t.sender) s.rtpOut = new RtpOut(t.sender);
    if (s.rtpOut.send(packet.buffer, packet.length, packet.extensions, t.headerExtensions)) return;
    this.relayThroughWerift(t, packet);
  }

  /** What the outbound chain does not cover (another SRTP profile, RED, two-byte extension ids). */
  private relayThroughWerift(t: RTCRtpTransceiver, packet: RtpPacket): void {
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
    rtp.header.extensions = outExtensions(t, packet.extensions);
    rtp.header.extensionProfile = 0xbede;
    rtp.header.extension = rtp.header.extensions.length > 0;
    t.sender.sendRtp(rtp).catch(() => undefined);
  }

  relayRtcp(packet: RtcpPacket): void {
    this.rtcp.relay(packet);
  }

  relayData(packet: DataPacket): void {
    this.data.relay(packet);
  }

  sendPli(mindex?: number): void {
    this.rtcp.sendPli(mindex);
  }

  sendRemb(bitrate: number): void {
    this.rtcp.sendRemb(bitrate);
  }

  // --- for the units (NegotiationHost, RtcpHost, ...) ---

  openDataChannel(): void {
    this.data.open('JanusDataChannel');
  }

  gathered(): Promise<void> {
    return this.transport.gathered();
  }

  restartChecks(): void {
    this.transport.restartChecks();
  }

  hookAll(): void {
    for (const t of this.pc.getTransceivers()) this.hookTransceiver(t);
  }

  streamOf(t: RTCRtpTransceiver): PeerStream | undefined {
    for (const s of this.streams) if (s && s.transceiver === t) return s;
    return undefined;
  }

  private hookTransceiver(t: RTCRtpTransceiver): void {
    if (this.hooked.has(t)) return;
    this.hooked.add(t);
    // werift's own TWCC feedback must never run: ours replaces it (twcc.ts), fed from werift's hook
    takeOverWeriftTwcc(t, (seq) => this.rtcp.twcc?.record(seq, performance.now() * 1000));
    const track = (tr: MediaStreamTrack) => this.inbound.attach(t, tr);
    t.onTrack.subscribe(track);
    for (const tr of t.receiver.tracks) track(tr);
    track(t.receiver.track);
    t.sender.onRtcp.subscribe((rtcp) => this.rtcp.incoming(t, rtcp));
    t.receiver.onRtcp.subscribe((rtcp) => this.rtcp.incoming(t, rtcp));
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
}

/** The plugin's extensions for werift's path (allocates: not the common path). */
function outExtensions(t: RTCRtpTransceiver, e: RtpExtensions): Array<{ id: number; payload: Buffer }> {
  // werift replaces the array, never mutates it
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

export type { SdpCodec };
