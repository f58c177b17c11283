import type { ClientJsep, DataPacket, JsonObject, OutgoingJsep, PluginJsep, RtcpPacket, RtpPacket } from '../plugin-api';
import type { Handle } from '../handle';
import type { MediaMetricsSnapshot } from '../metrics/media-snapshot';
import type { TrickleRequest } from './trickle';

/** One trickled candidate as the client sent it (already validated). */
export interface TrickleCandidate {
  candidate: string;
  sdpMid?: string;
  sdpMLineIndex?: number;
}

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

/**
 * The seam between the Janus API core and the WebRTC media stack. The core calls it for JSEP,
 * trickle and hangups; the media stack owns each handle's PeerConnection, binds the handle's
 * outlet (`handle.media.bind`) while one exists and reports through `handle.media.emit`.
 * Swapping the implementation (signalling-only, werift, media workers) never touches the API code.
 */
export interface MediaPort {
  /** A client's JSEP arrived with `message`: validate and apply it, return what the plugin sees. Throws JanusError (464/465/469/471). */
  remoteJsep(handle: Handle, jsep: ClientJsep): Promise<PluginJsep>;
  /** A plugin attached JSEP to an event: produce the SDP the client gets. Throws JanusError (465). */
  localJsep(handle: Handle, jsep: OutgoingJsep): Promise<{ type: string; sdp: string } & JsonObject>;
  /**
   * A `trickle` request (already acked by shape). Queued while there is no PeerConnection;
   * applied at once otherwise, then a bad single candidate throws JanusError (see `splitTrickle`).
   */
  trickle(handle: Handle, request: TrickleRequest): void;
  /**
   * Close the handle's PeerConnection and unbind its outlet; false when there was none. Says
   * nothing to anyone: the caller (the session layer's one hangup path) does.
   */
  hangup(handle: Handle, reason: string): boolean;
  /** The handle is going away: free everything. */
  destroy(handle: Handle): void;
  /** `handle_info` WebRTC part (flags, sdps, webrtc); undefined when nothing to show. */
  info(handle: Handle): JsonObject | undefined;
  /** `info` for stacks that must ask another thread (media workers); preferred when present. */
  infoAsync?(handle: Handle): Promise<JsonObject | undefined>;
  /** PeerConnections that exist now (exact, synchronous: graceful drain waits for 0). */
  activePeerConnections?(): number;
  /** Event-loop delay/utilisation per thread (Admin `loop_health`), when the stack tracks it. */
  loopHealth?(): JsonObject;
  sendPli(handle: Handle, mindex?: number): void;
  sendRemb(handle: Handle, bitrate: number): void;
  /** Counters for the metrics endpoint, read at scrape time (never on the packet path). */
  metrics?(): MediaMetricsSnapshot;
  /** Shut down sockets at server stop. */
  close(): Promise<void>;
}

export const MEDIA_PORT = Symbol('MediaPort');
