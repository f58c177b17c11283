import type { PluginHandle } from '../../core/plugin-api';
import type { Publisher } from './publisher/publisher';
import type { Room } from './room';
import type { Subscriber } from './subscriber/subscriber';

/**
 * What VideoRoom keeps per handle (Janus's `janus_videoroom_session`): nothing yet, a
 * participant (publisher side) or a subscription, and the room it joined.
 */
export class HandleState {
  participant?: Publisher;
  subscriber?: Subscriber;
  /** The room joined (the participant's or subscription's). */
  room?: Room;
  /** Left as a publisher: this handle cannot join again. */
  left = false;
  destroyed = false;

  constructor(readonly handle: PluginHandle) {}

  /** Left, kicked or its room destroyed: Janus says "create a new handle". */
  get gone(): boolean {
    return this.left || this.participant?.leaving === true || this.subscriber?.revoked === true;
  }
}
