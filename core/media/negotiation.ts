import type { RTCPeerConnection, RTCRtpTransceiver } from 'werift';
import type { AnswerMedia, OfferMedia } from '../plugin-api';
import { JanusError } from '../plugin-api';
import { codecName, EXT, supportedCodecs, supportedExtensions } from './codecs';
import type { NatMapping } from './ice-config';
import { PeerStream } from './peer-stream';
import { andDirection, finishSdp, localSections, patchUnsupported, reverse, stripRidParameters } from './sdp-edit';
import type { ParsedSdp } from './sdp-parse';
import { registerSsrcSimulcast } from './simulcast-routing';
import { reprepareSender } from './werift-adapter/media';

/** The peer state negotiation reads and sets (Janus's handle flags and SDPs). */
export interface NegotiationHost {
  readonly pc: RTCPeerConnection;
  readonly streams: PeerStream[];
  gotOffer: boolean;
  gotAnswer: boolean;
  negotiated: boolean;
  iceRestart: boolean;
  pendingLocalOffer: boolean;
  hasData: boolean;
  localSdp?: string;
  remoteSdp?: string;
  /** Open our data channel (when we offer data). */
  openDataChannel(): void;
  /** Wait for candidates (unless full trickle). */
  gathered(): Promise<void>;
  /** Start ICE checks after an ICE restart (werift does not when DTLS is up). */
  restartChecks(): void;
  /** Hook every transceiver's packets (inbound chain, RTCP, NACKs). */
  hookAll(): void;
}

/**
 * Offer/answer for one PeerConnection: werift applies and writes the SDP; this decides per
 * m-line as the plugin asked (codec, extensions, direction, rejection), keeps the core's per-m-line
 * view (PeerStream) in step, and makes the text edits werift does not (sdp-edit.ts).
 */
export class Negotiation {
  /** m-lines of the last offer without any codec we support: answered with port 0. */
  private unsupported = new Set<number>();
  private ridOrderLowFirst = false;

  constructor(
    private readonly host: NegotiationHost,
    private readonly nat: NatMapping,
    private readonly twccPeriod: number,
  ) {}

  /** Apply the client's offer (first or renegotiation). Throws JanusError 465 when werift refuses it. */
  async remoteOffer(sdp: string, parsed: ParsedSdp, ridOrder?: string): Promise<void> {
    const h = this.host;
    this.ridOrderLowFirst = ridOrder === 'lmh';
    if (h.gotOffer && parsed.iceUfrag && h.pc.remoteDescription) {
      const old = /a=ice-ufrag:(\S+)/.exec(h.pc.remoteDescription.sdp)?.[1];
      h.iceRestart = old !== undefined && old !== parsed.iceUfrag;
    }
    const patched = patchUnsupported(sdp, parsed);
    this.unsupported = patched.unsupported;
    try {
      await h.pc.setRemoteDescription({ type: 'offer', sdp: stripRidParameters(patched.sdp) });
    } catch (err) {
      throw new JanusError(465, `Error processing SDP: ${(err as Error).message}`);
    }
    h.gotOffer = true;
    h.remoteSdp = sdp;
    this.syncStreams(parsed);
  }

  /** The client's answer to our offer. */
  async remoteAnswer(sdp: string, parsed: ParsedSdp): Promise<void> {
    const h = this.host;
    if (!h.pendingLocalOffer) throw new JanusError(469, 'Unexpected ANSWER (did we offer?)');
    try {
      await h.pc.setRemoteDescription({ type: 'answer', sdp });
    } catch (err) {
      throw new JanusError(465, `Error processing SDP: ${(err as Error).message}`);
    }
    h.pendingLocalOffer = false;
    h.gotAnswer = true;
    h.negotiated = true;
    h.remoteSdp = sdp;
    this.syncStreams(parsed);
    if (h.iceRestart) {
      h.iceRestart = false;
      h.restartChecks();
    }
  }

  /** Our answer to the client's last offer, m-line by m-line as the plugin decided. */
  async answer(choices: AnswerMedia[] | undefined): Promise<string> {
    const h = this.host;
    if (!h.gotOffer || h.pc.signalingState !== 'have-remote-offer') throw new JanusError(465, 'No offer to answer');
    const rejected = new Set<number>();
    for (const s of h.streams) {
      if (!s) continue;
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
    const answer = await h.pc.createAnswer();
    await h.pc.setLocalDescription(answer);
    h.negotiated = true;
    if (h.iceRestart) {
      h.iceRestart = false;
      h.restartChecks();
    }
    await h.gathered();
    const sdp = finishSdp(h.pc.localDescription!.sdp, rejected, undefined, this.nat);
    h.localSdp = sdp;
    h.hookAll();
    return sdp;
  }

  /** An offer with the plugin's m-lines (subscribers) or a renegotiation/ICE restart. */
  async offer(media: OfferMedia[] | undefined, restart: boolean): Promise<string> {
    const h = this.host;
    const pc = h.pc;
    if (pc.signalingState === 'have-remote-offer') throw new JanusError(465, 'Cannot offer while an offer is pending');
    const disabled = new Set<number>();
    const msids = new Map<number, { stream: string; track: string }>();
    for (const m of media ?? []) {
      if (m.kind === 'application') {
        if (!h.hasData) h.openDataChannel();
        continue;
      }
      let t = m.mid !== undefined ? pc.getTransceivers().find((x) => x.mid === m.mid) : undefined;
      if (!t) t = pc.addTransceiver(m.kind, { direction: m.direction });
      else t.setDirection(m.direction);
      if (m.disabled) t.setDirection('inactive');
      t.codecs = this.offerCodecs(m);
      if (m.extensions) {
        const wanted = new Set(m.extensions);
        const all = supportedExtensions(this.twccPeriod > 0)[m.kind];
        t.headerExtensions = all.filter((e) => e.uri === EXT.mid || wanted.has(e.uri));
      }
      const idx = pc.getTransceivers().indexOf(t);
      if (m.disabled) disabled.add(idx);
      if (m.msid) msids.set(idx, m.msid);
    }
    const offer = await pc.createOffer({ iceRestart: restart });
    await pc.setLocalDescription(offer);
    if (restart) h.iceRestart = true;
    h.pendingLocalOffer = true;
    await h.gathered();
    const sdp = finishSdp(pc.localDescription!.sdp, disabled, msids, this.nat);
    h.localSdp = sdp;
    // streams as we offered them; the answer refines directions
    this.syncStreamsFromLocal(sdp);
    h.hookAll();
    return sdp;
  }

  /** Keep one codec (the plugin's preference, else the offer's first) plus its RTX. */
  private keepCodec(s: PeerStream, t: RTCRtpTransceiver, prefs: string[] | undefined): void {
    const media = t.codecs.filter((c) => !['rtx', 'red', 'ulpfec', 'flexfec-03'].includes(codecName(c.mimeType)));
    let chosen = prefs?.length ? undefined : media[0];
    for (const p of prefs ?? []) {
      chosen = media.find((c) => codecName(c.mimeType) === p.toLowerCase());
      if (chosen) break;
    }
    if (!chosen) {
      s.codec = undefined;
      return;
    }
    const pt = chosen.payloadType;
    const rtx = t.codecs.find((c) => codecName(c.mimeType) === 'rtx' && (c.parameters ?? '').includes(`apt=${pt}`));
    // transport-cc only when we generate the feedback (see twcc.ts)
    if (this.twccPeriod <= 0) chosen.rtcpFeedback = chosen.rtcpFeedback.filter((f) => f.type !== 'transport-cc');
    t.codecs = rtx ? [chosen, rtx] : [chosen];
    reprepareSender(this.host.pc, t);
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
    const h = this.host;
    const transceivers = h.pc.getTransceivers();
    for (const m of parsed.media) {
      let s = h.streams[m.mindex];
      if (!s || s.kind !== m.kind) {
        s = new PeerStream(m.mindex, m.mid, m.kind);
        h.streams[m.mindex] = s;
      }
      s.mid = m.mid;
      s.disabled = m.disabled;
      s.remoteMsid = m.msid;
      s.rids = m.simulcast?.rids ?? [];
      s.simSsrcs = m.simulcast?.ssrcs ?? [];
      s.rtxSsrcs = parsed.rtx.get(m.mindex) ?? new Map();
      s.ridLowFirst = this.ridOrderLowFirst;
      if (m.kind === 'application') {
        h.hasData = true;
        continue;
      }
      s.transceiver = transceivers.find((t) => t.mid === m.mid);
      if (s.transceiver && h.pendingLocalOffer === false && h.gotAnswer) {
        // answer to our offer: directions as answered
        s.direction = reverse(m.direction);
      }
      if (s.transceiver && !s.codec) {
        const c = s.transceiver.codecs.find((x) => !['rtx', 'red'].includes(codecName(x.mimeType)));
        if (c) s.codec = { pt: c.payloadType!, name: codecName(c.mimeType), clockRate: c.clockRate, channels: c.channels, fmtp: c.parameters };
      }
      if (s.simSsrcs.length > 1) registerSsrcSimulcast(h.pc, s);
    }
  }

  /** After our own offer: streams from the local SDP (mids werift assigned). */
  private syncStreamsFromLocal(sdp: string): void {
    const h = this.host;
    const transceivers = h.pc.getTransceivers();
    localSections(sdp).forEach(({ kind, mid, direction }, mindex) => {
      let s = h.streams[mindex];
      if (!s || s.kind !== kind) h.streams[mindex] = s = new PeerStream(mindex, mid, kind);
      s.mid = mid;
      if (kind === 'application') return;
      s.transceiver = transceivers.find((t) => t.mid === mid);
      s.direction = direction ?? 'sendrecv';
      const c = s.transceiver?.codecs[0];
      if (c) s.codec = { pt: c.payloadType!, name: codecName(c.mimeType), clockRate: c.clockRate, channels: c.channels, fmtp: c.parameters };
    });
  }
}
