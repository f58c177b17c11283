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

/**
 * The seam between the Janus API core and the WebRTC media stack. The core calls it for JSEP,
 * trickle and hangups; the media stack owns each handle's PeerConnection. Swapping the
 * implementation (signalling-only, werift) never touches the API code.
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
  /** Close the handle's PeerConnection; false when there was none. */
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
  relayRtp(handle: Handle, packet: RtpPacket): void;
  relayRtcp(handle: Handle, packet: RtcpPacket): void;
  relayData(handle: Handle, packet: DataPacket): void;
  sendPli(handle: Handle, mindex?: number): void;
  sendRemb(handle: Handle, bitrate: number): void;
  /** Counters for the metrics endpoint, read at scrape time (never on the packet path). */
  metrics?(): MediaMetricsSnapshot;
  /** Shut down sockets at server stop. */
  close(): Promise<void>;
}

export const MEDIA_PORT = Symbol('MediaPort');
