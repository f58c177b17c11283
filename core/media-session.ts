import { isRtcpFeedbackType, rtcpHasFeedback, type DataPacket, type Plugin, type RtcpPacket, type RtpPacket } from './plugin-api';

/** An m-line's kind, as SDP names it. */
export type StreamKind = 'audio' | 'video' | 'application';

/**
 * What the media layer tells the core about a handle's PeerConnection (mediasoup style: typed,
 * never a Janus message). The same events come from the in-thread stack and from the media
 * workers; only the core's session layer (core/session-media.ts) turns them into Janus messages,
 * event-handler events and plugin callbacks.
 */
export type MediaEvent =
  /** ICE and DTLS are done: media can flow. */
  | { readonly type: 'webrtcUp' }
  /** The PeerConnection died on its own (ICE failure, DTLS alert, its worker died); `reason` is Janus's. */
  | { readonly type: 'failed'; readonly reason: string }
  /** Media on an m-line (or one simulcast substream) started, or stopped for `seconds`. */
  | {
      readonly type: 'mediaState';
      readonly mid: string;
      readonly kind: StreamKind;
      /** Set for simulcast m-lines only. */
      readonly substream?: number;
      readonly receiving: boolean;
      readonly seconds?: number;
    }
  /** Losses over the slow-link threshold in the last second. */
  | {
      readonly type: 'slowLink';
      readonly mid: string;
      readonly kind: StreamKind;
      readonly mindex: number;
      readonly video: boolean;
      readonly uplink: boolean;
      readonly lost: number;
    }
  /** A local candidate (line without `candidate:`), or null once gathering is complete. */
  | { readonly type: 'localCandidate'; readonly candidate: string | null; readonly mid: string }
  /** The data channel is writable (first time and after its buffer drained). */
  | { readonly type: 'dataReady' };

/**
 * The outbound side of a handle's media: what `PluginHandle.relayRtp/relayRtcp/relayData` call,
 * bound once media exists (in-thread the PeerConnection itself, with workers the ring writer for
 * the handle's worker slot), so a relayed packet costs one call and no lookup.
 */
export interface MediaOutlet {
  relayRtp(packet: RtpPacket): void;
  relayRtcp(packet: RtcpPacket): void;
  relayData(packet: DataPacket): void;
}

/** The outlet of a handle without media: packets go nowhere (as Janus, before or after a PeerConnection). */
export const NO_MEDIA: MediaOutlet = {
  relayRtp() {},
  relayRtcp() {},
  relayData() {},
};

/** Routes fed by one m-line of this handle (core/media/routes): run before the plugin sees the packet. */
export interface PacketFan {
  relay(packet: RtpPacket): void;
}

/** The handle a media session serves (the core's Handle, or a media worker's stand-in). */
export interface MediaSessionOwner {
  readonly attached: boolean;
  readonly detached: boolean;
  readonly plugin: Partial<Plugin>;
  readonly pluginState: unknown;
}

/**
 * A handle's media session, the core's side of its PeerConnection: the outbound side the
 * plugin's `relayRtp/relayRtcp/relayData` go straight to (bound by the media stack while a
 * PeerConnection exists), the inbound side that hands packets to the plugin, the affinity hint
 * the media stack places the handle by, and the one way the media layer reports on it (`emit`,
 * typed events for the session layer).
 */
export class MediaSession {
  /** Where relayed packets go now; `NO_MEDIA` while there is no PeerConnection. */
  out: MediaOutlet = NO_MEDIA;
  /** Plugin hint: handles with the same key share a media worker when they can (e.g. a room). */
  affinity?: string;
  /** Media routes fed by this handle's m-lines, by mindex (set by the route table of this thread). */
  fans?: Array<PacketFan | undefined>;
  /** M-lines whose RTP the plugin does not want now (`setIncomingRtp`), by mindex. */
  private rtpOff?: boolean[];

  constructor(
    private readonly owner: MediaSessionOwner,
    private readonly listener: (event: MediaEvent) => void,
    /** A plugin packet callback threw: recorded by the owner, the media path goes on. */
    private readonly fault: (callback: string, err: unknown) => void,
  ) {}

  // inbound: to the plugin (hot path), while attached; a throw is contained
  incomingRtp(packet: RtpPacket): void {
    const fan = this.fans?.[packet.mindex];
    if (fan !== undefined) fan.relay(packet);
    if (this.rtpOff !== undefined && this.rtpOff[packet.mindex] === true) return;
    const h = this.owner;
    if (!h.attached || h.detached || !h.plugin.incomingRtp) return;
    try {
      h.plugin.incomingRtp(h.pluginState, packet);
    } catch (err) {
      this.fault('incomingRtp', err);
    }
  }
  /**
   * Whether a parsed RTCP packet of this type (RFC 3550/4585 packet type) can reach the plugin:
   * the media layer then skips re-serialising reports for a plugin that takes only feedback.
   */
  wantsRtcp(type: number): boolean {
    const h = this.owner;
    if (!h.attached || h.detached || !h.plugin.incomingRtcp) return false;
    return h.plugin.incomingRtcpKinds !== 'feedback' || isRtcpFeedbackType(type);
  }
  incomingRtcp(packet: RtcpPacket): void {
    const h = this.owner;
    if (!h.attached || h.detached || !h.plugin.incomingRtcp) return;
    if (h.plugin.incomingRtcpKinds === 'feedback' && !rtcpHasFeedback(packet.buffer, packet.length)) return;
    try {
      h.plugin.incomingRtcp(h.pluginState, packet);
    } catch (err) {
      this.fault('incomingRtcp', err);
    }
  }
  incomingData(packet: DataPacket): void {
    const h = this.owner;
    if (!h.attached || h.detached || !h.plugin.incomingData) return;
    try {
      h.plugin.incomingData(h.pluginState, packet);
    } catch (err) {
      this.fault('incomingData', err);
    }
  }

  setRtpWanted(mindex: number, wanted: boolean): void {
    if (!this.rtpOff) this.rtpOff = [];
    this.rtpOff[mindex] = !wanted;
  }

  /** The m-lines whose RTP the plugin turned off (to place the handle on a new worker). */
  rtpOffList(): number[] {
    const out: number[] = [];
    this.rtpOff?.forEach((off, mindex) => off && out.push(mindex));
    return out;
  }

  /** The media stack has a PeerConnection for this handle: relays go to `out` from now on. */
  bind(out: MediaOutlet): void {
    this.out = out;
  }

  /** The PeerConnection (or its worker) is gone; only unbinds `out` when given and still bound. */
  unbind(out?: MediaOutlet): void {
    if (out === undefined || this.out === out) this.out = NO_MEDIA;
  }

  get bound(): boolean {
    return this.out !== NO_MEDIA;
  }

  /** A media-layer event for the session layer. */
  emit(event: MediaEvent): void {
    this.listener(event);
  }
}
