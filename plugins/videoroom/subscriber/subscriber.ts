import type { JsonObject, PluginHandle } from '../../../core/plugin-api';
import type { VrId } from '../ids';
import type { Publisher } from '../publisher/publisher';
import { SubscriberStream, type LayerChange, type SubscriberStreamOwner } from './subscriber-stream';
import type { StreamType } from '../stream-type';

/** What a subscription needs of its room (the room implements it). */
export interface SubscriberRoom {
  readonly id: VrId;
  readonly destroyed: boolean;
}

/**
 * A subscription: one handle, one PeerConnection, any number of m-lines fed by publishers of
 * the room (1.x multistream), or one publisher with the 0.x `feed` form. It owns its m-lines and
 * the negotiation state (`offerPending`/`updateQueued`).
 */
export class Subscriber implements SubscriberStreamOwner {
  private readonly streamList: SubscriberStream[] = [];
  /** `start` with the answer received: media may flow. */
  private started = false;
  private paused = false;
  private pendingOffer = false;
  private queuedUpdate = false;
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
  /** Kicked with its owner: the handle cannot join again. */
  revoked = false;

  constructor(
    readonly room: SubscriberRoom,
    readonly handle: PluginHandle,
    /** `media_routes`: the fan-out to this subscriber runs in the media plane (core routes). */
    readonly mediaRoutes = true,
  ) {}

  /** An offer was sent and not answered yet (renegotiations wait for it). */
  get offerPending(): boolean {
    return this.pendingOffer;
  }

  /** A subscribe/unsubscribe arrived while an offer was pending: offer again after the answer. */
  get updateQueued(): boolean {
    return this.queuedUpdate;
  }

  /**
   * An offer is about to be sent. False when one is still unanswered: with `queue` the update is
   * remembered for after the answer (`updating`), otherwise the caller refuses.
   */
  beginOffer(queue: boolean): boolean {
    if (this.pendingOffer) {
      if (queue) this.queuedUpdate = true;
      return false;
    }
    this.pendingOffer = true;
    this.queuedUpdate = false;
    return true;
  }

  /** The offer could not be sent (the core failed to make the SDP). */
  offerFailed(): void {
    this.pendingOffer = false;
  }

  get streams(): readonly SubscriberStream[] {
    return this.streamList;
  }

  get isStarted(): boolean {
    return this.started;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Relaying to this subscriber (checked per packet). */
  get forwarding(): boolean {
    return this.started && !this.paused;
  }

  /** A new m-line at the end of the offer. */
  addStream(type: StreamType): SubscriberStream {
    const n = this.streamList.length;
    const s = new SubscriberStream(this, type, n, String(n));
    this.streamList.push(s);
    return s;
  }

  streamByMid(mid: string): SubscriberStream | undefined {
    return this.streamList.find((s) => s.mid === mid);
  }

  /** The m-line at `mindex` (hot path: RTCP from the subscriber). */
  streamAt(mindex: number): SubscriberStream | undefined {
    return this.streamList[mindex];
  }

  dataStream(): SubscriberStream | undefined {
    return this.streamList.find((s) => s.type === 'data');
  }

  /** `start` (with or without an answer): media flows, every m-line starts a new segment. */
  start(answered: boolean): void {
    if (answered) this.pendingOffer = false;
    this.started = true;
    this.paused = false;
    for (const s of this.streamList) s.resume();
  }

  pause(): void {
    this.paused = true;
    for (const s of this.streamList) s.sourceGateChanged();
  }

  /** PeerConnection up: ask every source for a keyframe. */
  mediaUp(): void {
    this.ready = true;
    for (const s of this.streamList) s.requestKeyframe();
  }

  /** PeerConnection gone: back to before `start`, every m-line forgets its sequence state. */
  hangup(): void {
    this.started = false;
    this.ready = false;
    this.pendingOffer = false;
    this.queuedUpdate = false;
    for (const s of this.streamList) s.restart();
  }

  /** A publisher went away: its m-lines lose their source. True when any changed. */
  dropPublisher(p: Publisher): boolean {
    let changed = false;
    for (const s of this.streamList) if (s.dropPublisher(p)) changed = true;
    return changed;
  }

  /** Drop every source (leave, destroy): nothing is relayed any more. */
  end(): void {
    for (const s of this.streamList) s.close();
    this.started = false;
  }

  layerChanged(stream: SubscriberStream, change: LayerChange): void {
    this.handle.pushEvent(undefined, { videoroom: 'event', room: this.room.id, mid: stream.mid, [change.kind]: change.layer }).catch(() => undefined);
  }

  describeStreams(): JsonObject[] {
    return this.streamList.map((s) => s.toJson(this.ready));
  }
}
