import type { Handle } from '../handle';
import type { MediaOutlet } from '../media-session';
import type { TrickleQueue } from '../media/trickle';
import type { MediaWorker } from './media-worker';

/** A handle's place in the media workers. */
export interface Placement {
  key: number;
  handle: Handle;
  worker?: MediaWorker;
  /** The handle's outbound side: the ring into its worker, tagged with its key (bound while `hasPeer`). */
  outlet?: MediaOutlet;
  /** The affinity group it counts in (see `place`). */
  affinity?: string;
  /** The worker has a PeerConnection for it (so a hangup is due). */
  hasPeer: boolean;
  /** A remote description was applied: trickles are checked at once, as in-thread. */
  remoteApplied: boolean;
  /** Trickles sent before that: the worker's queue, mirrored for its bounds. */
  queued: TrickleQueue;
  /** Candidates applied to the current PeerConnection. */
  remoteCandidates: number;
  /** `hangup` callbacks waiting for the worker's confirmation, in order. */
  closing: Array<() => void>;
}
