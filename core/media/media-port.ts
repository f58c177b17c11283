import type { ClientJsep, JsonObject, MediaRoute, OutgoingJsep, PluginJsep, RouteListener, RouteSinkSpec } from '../plugin-api';
import type { Handle } from '../handle';
import type { MediaMetricsSnapshot } from '../metrics/media-snapshot';
import type { TrickleRequest } from './trickle';

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
   * nothing to anyone but the event handlers' last stats: the caller (the session layer's one
   * hangup path) does. `closed` runs once those last stats are out (at once in-thread, on the
   * worker's confirmation with media workers), only when this returned true.
   */
  hangup(handle: Handle, reason: string, closed?: () => void): boolean;
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
  /** A media route into `sink`'s m-line (see plugin-api/media-route.ts); absent: no routes here. */
  openRoute?(sink: Handle, spec: RouteSinkSpec, listener: RouteListener): MediaRoute;
  /** The plugin's `setIncomingRtp` (in-thread the handle's media session applies it itself). */
  rtpWanted?(handle: Handle, mindex: number, wanted: boolean): void;
  /** Counters for the metrics endpoint, read at scrape time (never on the packet path). */
  metrics?(): MediaMetricsSnapshot;
  /** Shut down sockets at server stop. */
  close(): Promise<void>;
}

export const MEDIA_PORT = Symbol('MediaPort');
