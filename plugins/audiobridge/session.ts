import type { PluginHandle } from '../../core/plugin-api';
import type { Participant, ParticipantSession } from './participant';

/** One AudioBridge handle (Janus's `janus_audiobridge_session`). */
export class AbSession implements ParticipantSession {
  /** Set on the first join and kept after leave/hangup: the handle may join again. */
  participant?: Participant;
  /** PeerConnection up (`setupMedia`) until hangup. */
  started = false;
  /** The plugin made the offer (`generate_offer`): the client answers. */
  pluginOffer = false;
  destroyed = false;
  /** m-line of the audio we send and receive. */
  audioMindex = 0;
  audioMid = '0';

  constructor(readonly handle: PluginHandle) {}
}
