import { SimulcastContext, SvcContext, type PluginHandle, type Recording, type PluginJsep, type SimulcastSettings, type SvcSettings } from '../../core/plugin-api';

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
  hasPc = false;
  hangingUp = false;
  destroyed = false;
  /** Simulcast layer selection per m-line index (only for m-lines the peer simulcasts). */
  readonly simulcast = new Map<number, SimulcastContext>();
  /** VP9 SVC layer selection per m-line index (VP9 m-lines that are not simulcast). */
  readonly svc = new Map<number, SvcContext>();
  /** Layers the user asked for, kept for contexts made at the next offer. */
  readonly simulcastWanted: SimulcastSettings = {};
  readonly svcWanted: SvcSettings = {};
  /** Clock rate per m-line, for switching contexts. */
  readonly clockRate = new Map<number, number>();
  /** Per m-line video codec (for keyframe detection). */
  readonly codecOf = new Map<number, string>();
  lastJsep?: PluginJsep;
  /** Recordings (`record: true`): audio, video, data. */
  arc?: Recording;
  vrc?: Recording;
  drc?: Recording;
  /** Negotiated: a data channel, Opus RED payload type, video fmtp, end-to-end encryption. */
  hasData = false;
  opusRedPt = 0;
  videoFmtp?: string;
  e2ee = false;

  constructor(readonly handle: PluginHandle) {}

  resetMedia(): void {
    this.hasPc = false;
    this.simulcast.clear();
    this.svc.clear();
    this.clockRate.clear();
    this.codecOf.clear();
    this.slowlinkCount = 0;
    this.peerBitrate = 0;
    this.audioCodec = undefined;
    this.videoCodec = undefined;
    this.hasData = false;
  }
}
