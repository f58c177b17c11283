import type { JsonObject, SdpCodec } from '../../../core/plugin-api';
import type { RtpForwarder } from '../rtp/forwarder';
import type { SubscriberStream } from '../subscriber-stream';
import type { StreamRecording } from '../recording';

export type StreamType = 'audio' | 'video' | 'data';

/** One m-line a publisher sends (Janus's `janus_videoroom_publisher_stream`). */
export class PublisherStream {
  description?: string;
  /** Negotiated codec (lower-case name), with its payload type and clock. */
  codec?: SdpCodec;
  disabled = false;
  fec = false;
  dtx = false;
  stereo = false;
  h264Profile?: string;
  vp9Profile?: string;
  simulcast = false;
  /** How many simulcast encodings the publisher sends (rids or SIM SSRCs). */
  substreams = 0;
  svc = false;
  /** `moderate`: muted by the room's moderator (not forwarded). */
  muted = false;
  /** `configure` `send:false`: the publisher asked us not to relay it. */
  send = true;
  /** Subscriber m-lines fed by this stream: an array so the hot path iterates without allocating. */
  subscribers: SubscriberStream[] = [];
  /** `rtp_forward` targets (copy-on-write like `subscribers`). */
  forwarders: RtpForwarder[] = [];
  // talk detection (room audiolevel_event)
  talking = false;
  levelSum = 0;
  levelCount = 0;
  lastLevel = 0;
  minDelay = -1;
  maxDelay = -1;
  /** The stream's `.mjr` recording, while recorded. */
  rec?: StreamRecording;

  constructor(
    readonly type: StreamType,
    readonly mindex: number,
    readonly mid: string,
  ) {}

  get codecName(): string | undefined {
    return this.codec?.name;
  }

  get clockRate(): number {
    return this.codec?.clockRate ?? (this.type === 'audio' ? 48000 : 90000);
  }

  addSubscriber(s: SubscriberStream): void {
    if (!this.subscribers.includes(s)) this.subscribers = [...this.subscribers, s];
  }

  removeSubscriber(s: SubscriberStream): void {
    // copy-on-write: a forwarding loop in progress keeps its own array
    if (this.subscribers.includes(s)) this.subscribers = this.subscribers.filter((x) => x !== s);
  }

  /** The stream as listed in `publishers` / `joined`. */
  toJson(talkEvents: boolean): JsonObject {
    const j: JsonObject = { type: this.type, mindex: this.mindex, mid: this.mid };
    if (this.disabled) {
      j.disabled = true;
      return j;
    }
    if (this.description) j.description = this.description;
    if (this.type !== 'data' && this.codec) j.codec = this.codec.name;
    if (this.type === 'audio' && this.codec?.name === 'opus') {
      if (this.stereo) j.stereo = true;
      if (this.fec) j.fec = true;
      if (this.dtx) j.dtx = true;
    }
    if (this.h264Profile) j.h264_profile = this.h264Profile;
    if (this.vp9Profile) j.vp9_profile = this.vp9Profile;
    if (this.muted) j.moderated = true;
    if (this.simulcast) j.simulcast = true;
    if (this.svc) j.svc = true;
    if (this.type === 'audio' && talkEvents) j.talking = this.talking;
    return j;
  }
}
