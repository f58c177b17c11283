import { RtpSwitchingContext, type PluginHandle, type PluginJsep } from '../../core/plugin-api';

/** Simulcast state of one video m-line the peer simulcasts on. */
export class SimulcastState {
  /** Substream and temporal layer the peer asked for (Janus defaults to the highest). */
  targetSubstream = 2;
  targetTemporal = 2;
  /** Substream currently echoed, -1 before the first keyframe. */
  substream = -1;
  /** When each substream last delivered a packet (ms), to fall back when one goes silent. */
  readonly lastSeen = [0, 0, 0];
  readonly context = new RtpSwitchingContext();
  /** Last keyframe request we made while waiting to switch (rate limit). */
  lastPli = 0;
  constructor(readonly substreams: number) {
    this.targetSubstream = Math.min(2, substreams - 1);
  }
}

/** One EchoTest handle (Janus's `janus_echotest_session`). */
export class EchoSession {
  audioActive = true;
  videoActive = true;
  dataActive = true;
  /** REMB cap asked by the user (bps), 0 = none. */
  bitrate = 0;
  /** Last REMB the peer sent us. */
  peerBitrate = 0;
  slowlinkCount = 0;
  audioCodec?: string;
  videoCodec?: string;
  /** Codec forced by the user for the next offer. */
  wantAudioCodec?: string;
  wantVideoCodec?: string;
  minDelay = -1;
  maxDelay = -1;
  fallbackUs = 250000;
  hasPc = false;
  hangingUp = false;
  destroyed = false;
  /** Simulcast per m-line index (only for m-lines the peer simulcasts). */
  readonly simulcast = new Map<number, SimulcastState>();
  /** Clock rate per m-line, for switching contexts. */
  readonly clockRate = new Map<number, number>();
  /** Per m-line video codec (for keyframe detection). */
  readonly codecOf = new Map<number, string>();
  lastJsep?: PluginJsep;

  constructor(readonly handle: PluginHandle) {}

  resetMedia(): void {
    this.hasPc = false;
    this.simulcast.clear();
    this.clockRate.clear();
    this.codecOf.clear();
    this.slowlinkCount = 0;
    this.peerBitrate = 0;
    this.audioCodec = undefined;
    this.videoCodec = undefined;
  }
}
