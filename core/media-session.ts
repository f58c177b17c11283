import type { MediaEvent, MediaOutlet } from './media/media-port';
import { NO_MEDIA } from './media/media-port';
import type { DataPacket, Plugin, RtcpPacket, RtpPacket } from './plugin-api';

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

  constructor(
    private readonly owner: MediaSessionOwner,
    private readonly listener: (event: MediaEvent) => void,
    /** A plugin packet callback threw: recorded by the owner, the media path goes on. */
    private readonly fault: (callback: string, err: unknown) => void,
  ) {}

  // inbound: to the plugin (hot path), while attached; a throw is contained
  incomingRtp(packet: RtpPacket): void {
    const h = this.owner;
    if (!h.attached || h.detached || !h.plugin.incomingRtp) return;
    try {
      h.plugin.incomingRtp(h.pluginState, packet);
    } catch (err) {
      this.fault('incomingRtp', err);
    }
  }
  incomingRtcp(packet: RtcpPacket): void {
    const h = this.owner;
    if (!h.attached || h.detached || !h.plugin.incomingRtcp) return;
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
