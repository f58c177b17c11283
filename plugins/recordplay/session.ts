import type { PluginHandle, Recording, SimulcastContext } from '../../core/plugin-api';
import type { RecordPlayRecording } from './catalogue';
import type { Playout } from './playout';

/** One Record&Play handle (Janus's `janus_recordplay_session`): a recorder, a player, or neither yet. */
export class RpSession {
  /** True once `record` made this a recorder. */
  recorder = false;
  recording?: RecordPlayRecording;
  arc?: Recording;
  vrc?: Recording;
  drc?: Recording;
  playout?: Playout;
  /** PeerConnection up. */
  active = false;
  hangingUp = false;
  destroyed = false;
  paused = false;
  /** `configure`: REMB cap and keyframe request interval while recording. */
  videoBitrate = 1024 * 1024;
  keyframeInterval = 15000;
  feedbackTimer?: NodeJS.Timeout;
  /** Simulcast recorder: the best substream only, under one SSRC. */
  simulcast?: SimulcastContext;
  simulcastMindex = -1;
  recVssrc = 0;
  e2ee = false;

  constructor(readonly handle: PluginHandle) {}

  stopFeedback(): void {
    if (this.feedbackTimer) clearInterval(this.feedbackTimer);
    this.feedbackTimer = undefined;
  }
}
