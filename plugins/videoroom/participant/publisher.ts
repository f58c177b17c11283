import type { JsonObject } from '../../../core/plugin-api';
import type { VrId } from '../ids';
import type { Room } from '../room';
import type { VrSession } from '../session';
import type { Subscriber } from '../subscriber';
import type { PublisherStream } from './publisher-stream';

/**
 * A participant of a room (Janus calls it a publisher even before it publishes): the handle that
 * joined with `ptype: publisher`. It becomes an active publisher once its PeerConnection is up.
 */
export class Publisher {
  display?: string;
  /** The offer was answered: streams are known. */
  negotiated = false;
  /** PeerConnection up: announced to the room, can be subscribed to. */
  active = false;
  streams: PublisherStream[] = [];
  /** Streams by m-line index (hot path lookup). */
  byMindex: Array<PublisherStream | undefined> = [];
  bitrate = 0;
  audioLevelAverage?: number;
  audioActivePackets?: number;
  /** Subscriptions made with this participant's private_id. */
  readonly subscriptions = new Set<Subscriber>();
  firTimer?: NodeJS.Timeout;
  /** Re-sends the bitrate cap (REMB) every second while active. */
  rembTimer?: NodeJS.Timeout;
  leaving = false;

  constructor(
    readonly room: Room,
    readonly session: VrSession,
    readonly id: VrId,
    readonly privateId: number,
  ) {}

  setStreams(streams: PublisherStream[]): void {
    this.streams = streams;
    this.byMindex = [];
    for (const s of streams) this.byMindex[s.mindex] = s;
  }

  stream(mid: string): PublisherStream | undefined {
    return this.streams.find((s) => s.mid === mid);
  }

  /** First audio/video codec: the 0.x summary fields kept by 1.x. */
  firstCodec(type: 'audio' | 'video'): string | undefined {
    return this.streams.find((s) => s.type === type && !s.disabled && s.codec)?.codec?.name;
  }

  /** Janus's PUB object in `joined` and `publishers`. */
  describe(): JsonObject {
    const talk = this.room.config.audiolevelEvent;
    const j: JsonObject = { id: this.id };
    if (this.display !== undefined) j.display = this.display;
    const ac = this.firstCodec('audio');
    const vc = this.firstCodec('video');
    if (ac) j.audio_codec = ac;
    if (vc) j.video_codec = vc;
    // 0.x clients read these flat flags
    if (this.streams.some((s) => s.type === 'audio' && s.muted)) j.audio_moderated = true;
    if (this.streams.some((s) => s.type === 'video' && s.muted)) j.video_moderated = true;
    if (this.streams.some((s) => s.type === 'data' && s.muted)) j.data_moderated = true;
    if (this.streams.some((s) => s.simulcast)) j.simulcast = true;
    j.streams = this.streams.map((s) => s.toJson(talk));
    if (talk) j.talking = this.streams.some((s) => s.type === 'audio' && s.talking);
    return j;
  }

  stopTimers(): void {
    if (this.firTimer) clearInterval(this.firTimer);
    this.firTimer = undefined;
    if (this.rembTimer) clearInterval(this.rembTimer);
    this.rembTimer = undefined;
  }
}
