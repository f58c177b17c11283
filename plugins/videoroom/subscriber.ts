import type { JsonObject } from '../../core/plugin-api';
import type { Publisher } from './participant/publisher';
import type { Room } from './room';
import type { VrSession } from './session';
import type { SubscriberStream } from './subscriber-stream';

/**
 * A subscription: one handle, one PeerConnection, any number of m-lines fed by publishers of
 * the room (1.x multistream), or one publisher with the 0.x `feed` form.
 */
export class Subscriber {
  streams: SubscriberStream[] = [];
  /** `start` with the answer received: media may flow. */
  started = false;
  paused = false;
  /** An offer was sent and not answered yet (renegotiations wait for it). */
  offerPending = false;
  /** A subscribe/unsubscribe arrived while an offer was pending: offer again after the answer. */
  updateQueued = false;
  /** The participant whose private_id was given (its subscriptions). */
  owner?: Publisher;
  useMsid = false;
  autoupdate = true;
  /** Joined with the 0.x `feed` form. */
  legacy = false;
  /** 0.x `close_pc`: close the PeerConnection when the publisher goes away. */
  closePc = true;
  /** PeerConnection up. */
  ready = false;

  constructor(
    readonly room: Room,
    readonly session: VrSession,
  ) {}

  /** Relaying to this subscriber (checked per packet). */
  get forwarding(): boolean {
    return this.started && !this.paused;
  }

  streamByMid(mid: string): SubscriberStream | undefined {
    return this.streams.find((s) => s.mid === mid);
  }

  dataStream(): SubscriberStream | undefined {
    return this.streams.find((s) => s.type === 'data');
  }

  describeStreams(): JsonObject[] {
    return this.streams.map((s) => s.toJson(this.ready));
  }

  /** Drop every source (leave, destroy). */
  detachAll(): void {
    for (const s of this.streams) s.detachAll();
  }
}
