import type { DataPacket, JsonObject, Recording, RtpPacket, SdpCodec, SimulcastContext } from '../../../core/plugin-api';
import type { RtpForwarder } from '../rtp-forward';
import type { StreamType } from '../stream-type';

export type { StreamType } from '../stream-type';

/**
 * Whatever takes a publisher stream's media: a subscriber m-line today (and, for remote
 * publishers, anything that relays it). The stream only knows this interface, so the fan-out
 * never imports the subscriber side.
 */
export interface PublisherStreamSink {
  /** One RTP packet of the stream; `now` is `performance.now()` taken once per packet. */
  relayRtp(packet: RtpPacket, now: number): void;
  relayData(packet: DataPacket): void;
  /** The stream's relaying state changed (mute, send, disabled): a routed sink updates its route. */
  sourceGateChanged(): void;
}

/** A stream's `.mjr` recording while recorded. */
export interface StreamRecording {
  rc: Recording;
  /** Simulcast senders: picks the best substream, with its own header rewriting. */
  sim?: SimulcastContext;
  /** The recording's own copy of the packet (the publisher's buffer is shared, never rewritten). */
  buf?: Buffer;
  /** SSRC of substream 0: Janus writes it (byte-swapped) in every packet of a simulcast recording. */
  ssrc0: number;
}

/** What an accepted audio/video m-line was negotiated with (negotiation.ts decides). */
export interface StreamNegotiation {
  codec: SdpCodec;
  simulcast: boolean;
  substreams: number;
  svc: boolean;
  fec?: boolean;
  stereo?: boolean;
  dtx?: boolean;
  h264Profile?: string;
  vp9Profile?: string;
}

/** One m-line a publisher sends (Janus's `janus_videoroom_publisher_stream`). */
export class PublisherStream {
  description?: string;
  /** Negotiated codec (lower-case name), with its payload type and clock. */
  codec?: SdpCodec;
  private isDisabled = false;
  fec = false;
  dtx = false;
  stereo = false;
  h264Profile?: string;
  vp9Profile?: string;
  simulcast = false;
  /** How many simulcast encodings the publisher sends (rids or SIM SSRCs). */
  substreams = 0;
  svc = false;
  private isMuted = false;
  private sendWanted = true;
  minDelay = -1;
  maxDelay = -1;
  private recording?: StreamRecording;
  /** Told when what this stream needs of the main thread changed (its publisher re-checks). */
  private watcher?: () => void;
  /** Sinks relayed here on the main thread: copy-on-write, so the hot path iterates without allocating. */
  private sinkList: PublisherStreamSink[] = [];
  /** Sinks fed by a core media route (the media plane relays to them, not the fan-out). */
  private routedList: PublisherStreamSink[] = [];
  /** `rtp_forward` targets (copy-on-write like the sinks). */
  private forwarderList: RtpForwarder[] = [];
  // talk detection (room audiolevel_event)
  private levelSum = 0;
  private levelCount = 0;
  talking = false;
  lastLevel = 0;
  /** Average of the last full window, when `talking` last flipped. */
  lastAverage = 0;

  constructor(
    readonly type: StreamType,
    readonly mindex: number,
    readonly mid: string,
  ) {}

  /** An offer (or renegotiation) accepted this m-line with these settings. */
  accept(n: StreamNegotiation): void {
    this.disabled = false;
    this.codec = { ...n.codec };
    this.simulcast = n.simulcast;
    this.substreams = n.simulcast ? n.substreams : 0;
    this.svc = n.svc;
    if (n.fec !== undefined) this.fec = n.fec;
    if (n.stereo !== undefined) this.stereo = n.stereo;
    if (n.dtx !== undefined) this.dtx = n.dtx;
    // present (even undefined) for H.264 / VP9: the profile of this negotiation, or none
    if ('h264Profile' in n) this.h264Profile = n.h264Profile;
    if ('vp9Profile' in n) this.vp9Profile = n.vp9Profile;
  }

  /** The data channel m-line was accepted. */
  acceptData(): void {
    this.disabled = false;
  }

  /** Disabled by the publisher (port 0) or refused (no codec of the room): nothing is relayed. */
  disable(refused: boolean): void {
    this.disabled = true;
    if (refused) this.codec = undefined;
  }

  get codecName(): string | undefined {
    return this.codec?.name;
  }

  get clockRate(): number {
    return this.codec?.clockRate ?? (this.type === 'audio' ? 48000 : 90000);
  }

  /** Relayed at all (not muted by the moderator, not `send:false`)? Checked per packet. */
  get relaying(): boolean {
    return !this.muted && this.send;
  }

  get subscribers(): readonly PublisherStreamSink[] {
    return this.sinkList;
  }

  /** The stream's `.mjr` recording, while recorded. */
  get rec(): StreamRecording | undefined {
    return this.recording;
  }
  set rec(r: StreamRecording | undefined) {
    this.recording = r;
    this.watcher?.();
  }

  watch(fn: () => void): void {
    this.watcher = fn;
  }

  /** Its packets are needed on the main thread: main-thread sinks, forwarders or a recording. */
  get needsIncomingRtp(): boolean {
    return this.sinkList.length > 0 || this.forwarderList.length > 0 || this.recording !== undefined;
  }

  /** Sinks of every kind (main-thread relayed and routed). */
  get subscriberCount(): number {
    return this.sinkList.length + this.routedList.length;
  }

  addSubscriber(s: PublisherStreamSink, routed = false): void {
    this.removeSubscriber(s);
    if (routed) this.routedList = [...this.routedList, s];
    else this.sinkList = [...this.sinkList, s];
    this.watcher?.();
  }

  removeSubscriber(s: PublisherStreamSink): void {
    // copy-on-write: a forwarding loop in progress keeps its own array
    if (this.sinkList.includes(s)) this.sinkList = this.sinkList.filter((x) => x !== s);
    if (this.routedList.includes(s)) this.routedList = this.routedList.filter((x) => x !== s);
    this.watcher?.();
  }

  /** `moderate`: muted by the room's moderator (not forwarded). */
  get muted(): boolean {
    return this.isMuted;
  }
  set muted(v: boolean) {
    this.isMuted = v;
    this.gateChanged();
  }

  /** `configure` `send:false`: the publisher asked us not to relay it. */
  get send(): boolean {
    return this.sendWanted;
  }
  set send(v: boolean) {
    this.sendWanted = v;
    this.gateChanged();
  }

  get disabled(): boolean {
    return this.isDisabled;
  }
  set disabled(v: boolean) {
    this.isDisabled = v;
    this.gateChanged();
  }

  private gateChanged(): void {
    for (const s of this.routedList) s.sourceGateChanged();
  }

  get forwarders(): readonly RtpForwarder[] {
    return this.forwarderList;
  }

  addForwarder(f: RtpForwarder): void {
    this.forwarderList = [...this.forwarderList, f];
    this.watcher?.();
  }

  /** True when the stream had a forwarder with this ID. */
  removeForwarder(streamId: number): boolean {
    const before = this.forwarderList.length;
    this.forwarderList = this.forwarderList.filter((f) => f.streamId !== streamId);
    this.watcher?.();
    return this.forwarderList.length !== before;
  }

  /** Unpublished: nothing is fed from this stream any more. */
  dropAll(): void {
    this.sinkList = [];
    this.routedList = [];
    this.forwarderList = [];
    this.watcher?.();
  }

  /**
   * Room `audiolevel_event`: average the ssrc-audio-level over `window` packets; true when the
   * average crosses `threshold` (`talking` flipped, the average in `lastAverage`).
   */
  audioLevel(level: number, window: number, threshold: number): boolean {
    this.levelSum += level;
    this.levelCount++;
    this.lastLevel = level;
    if (this.levelCount < window) return false;
    const avg = this.levelSum / this.levelCount;
    this.levelSum = 0;
    this.levelCount = 0;
    const talking = avg <= threshold;
    if (talking === this.talking) return false;
    this.talking = talking;
    this.lastAverage = avg;
    return true;
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
