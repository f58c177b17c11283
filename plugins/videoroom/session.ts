import type { PluginHandle } from '../../core/plugin-api';
import type { Publisher } from './participant/publisher';
import type { Subscriber } from './subscriber';

/** One handle's VideoRoom state: nothing yet, a participant (publisher side) or a subscriber. */
export class VrSession {
  participant?: Publisher;
  subscriber?: Subscriber;
  /** Left or kicked: this handle cannot join again (Janus: "create a new handle"). */
  gone = false;
  destroyed = false;

  constructor(readonly handle: PluginHandle) {}
}
