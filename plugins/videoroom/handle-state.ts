import type { PluginHandle } from '../../core/plugin-api';
import type { Publisher } from './publisher/publisher';
import type { Room } from './room';
import type { Subscriber } from './subscriber/subscriber';

/**
 * What VideoRoom keeps per handle (Janus's `janus_videoroom_session`): nothing yet, a
 * participant (publisher side) or a subscription, and the room it joined.
 */
export class HandleState {
  private pub?: Publisher;
  private sub?: Subscriber;
  private joined?: Room;
  /** Left as a publisher: this handle cannot join again. */
  private left = false;
  destroyed = false;

  constructor(readonly handle: PluginHandle) {}

  get participant(): Publisher | undefined {
    return this.pub;
  }

  get subscriber(): Subscriber | undefined {
    return this.sub;
  }

  /** The room joined (the participant's or subscription's). */
  get room(): Room | undefined {
    return this.joined;
  }

  /** Joined `room` as a participant (publisher side). */
  setParticipant(room: Room, pub: Publisher): void {
    this.joined = room;
    this.pub = pub;
  }

  /** Joined `room` as a subscriber. */
  setSubscriber(room: Room, sub: Subscriber): void {
    this.joined = room;
    this.sub = sub;
  }

  /** Out of the room (`left`: a publisher's `leave`, after which the handle cannot join again). */
  clear(left: boolean): void {
    this.pub = undefined;
    this.sub = undefined;
    if (left) this.left = true;
  }

  /** Left, kicked or its room destroyed: Janus says "create a new handle". */
  get gone(): boolean {
    return this.left || this.participant?.leaving === true || this.subscriber?.revoked === true;
  }
}
