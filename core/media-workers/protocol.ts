import type { LoggerOptions } from '../logger';
import type { JsonObject } from '../plugin-api';
import type { MediaEvent } from '../media-session';
import type { TrickleRequest } from '../media/trickle';
import type { MediaMetricsSnapshot } from '../metrics/media-snapshot';
import type { LoopHealth } from './loop-health';
import type { MessagePort } from 'node:worker_threads';
import type { RouteNote, RouteState } from '../media/routes/route-sink';

/** What a media worker starts with (workerData). */
export interface WorkerBoot {
  index: number;
  /** Plain copy of the core's Settings. */
  settings: Record<string, unknown>;
  logger: LoggerOptions;
  /** main → worker packets, worker → main packets and events. */
  toWorker: SharedArrayBuffer;
  toMain: SharedArrayBuffer;
  /** Process-wide UDP drop counters (udp-guard.ts), counted by every thread. */
  udpDrops: SharedArrayBuffer;
  /** Event types the core's event handlers want (EventBus.wants), refreshed with `bus`. */
  wanted: number[];
}

/** The handle a worker serves, as the media stack needs to see it. */
export interface HandleRef {
  key: number;
  sessionId: number;
  handleId: number;
  opaqueId?: string;
  /** Plugin callbacks the worker should report (the others are never sent). */
  wants: { rtp: boolean; rtcp: boolean; rtcpKinds?: 'all' | 'feedback'; data: boolean };
  /** M-lines whose RTP the plugin does not want now (`setIncomingRtp`). */
  rtpOff: number[];
}

export type CallOp = 'remoteJsep' | 'localJsep' | 'info';

/** Media route control, main → worker (core/media-workers/worker-routes.ts). */
export type RouteMessage =
  | { t: 'route'; state: RouteState }
  | { t: 'routeCmd'; id: number; cmd: 'reset' | 'restart' }
  | { t: 'routeClose'; id: number }
  /** The other workers a local source's m-line is copied to (the whole list). */
  | { t: 'fan'; srcKey: number; mindex: number; workers: number[] }
  /** A ring to worker `peer` (we write), with the port its wake-ups go to. */
  | { t: 'peerOut'; peer: number; memory: SharedArrayBuffer; port: MessagePort }
  /** A ring from worker `peer` (we read), with the port its wake-ups come from. */
  | { t: 'peerIn'; peer: number; memory: SharedArrayBuffer; port: MessagePort }
  /** Worker `peer` is gone: drop the rings with it. */
  | { t: 'peerGone'; peer: number };

/** Control messages, main → worker (postMessage; never per packet). */
export type ToWorker =
  | RouteMessage
  | { t: 'attach'; handle: HandleRef }
  | { t: 'call'; id: number; key: number; op: CallOp; arg?: unknown; trickle: boolean }
  | { t: 'trickle'; key: number; request: TrickleRequest }
  | { t: 'hangup'; key: number; reason: string }
  | { t: 'destroy'; key: number }
  | { t: 'pli'; key: number; mindex?: number }
  | { t: 'remb'; key: number; bitrate: number }
  | { t: 'rtpWanted'; key: number; mindex: number; wanted: boolean }
  | { t: 'wanted'; wanted: number[] }
  | { t: 'settings'; settings: Record<string, unknown> }
  | { t: 'crash' }
  /** For tests: block the thread `ms` (as a long pause or a stuck computation would). */
  | { t: 'stall'; ms: number }
  /** Records wait on the main → worker ring and the worker was idle. */
  | { t: 'wake' };

/** A worker's media routes: sinks, source fans, packets dropped on full rings to other workers. */
export interface RouteCounts {
  sinks: number;
  fans: number;
  ringDrops: number;
}

/** Control messages, worker → main. */
export type ToMain =
  | { t: 'reply'; id: number; ok: true; value: unknown }
  | { t: 'reply'; id: number; ok: false; code?: number; reason: string }
  /** `relayStale`: the plugin's RTP relays dropped for waiting past RELAY_MAX_AGE_MS. */
  | { t: 'health'; loop: LoopHealth; peers: number; faults: number; metrics: MediaMetricsSnapshot; routes: RouteCounts; relayStale: number }
  | { t: 'wake' }
  /** A route sink's note (layer changed, keyframe needed). */
  | { t: 'routeNote'; note: RouteNote }
  /** An event that did not fit in the ring (rare). */
  | { t: 'event'; key: number; event: WorkerEvent };

/** Events a worker reports for a handle, in order with its packets (on the ring). */
export type WorkerEvent =
  /** A typed media event, for the core's session layer (the same as in-thread). */
  | { e: 'media'; ev: MediaEvent }
  /** A state or stats event for event handlers. */
  | { e: 'bus'; type: number; subtype: number; body: JsonObject }
  /** A `hangup` was carried out (after the PeerConnection's last stats, if it had one). */
  | { e: 'closed' };
