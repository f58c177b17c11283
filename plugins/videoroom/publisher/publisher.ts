import type { JsonObject, PluginHandle } from '../../../core/plugin-api';
import type { VrId } from '../ids';
import type { RoomConfig } from '../room-config';
import type { PublisherStream } from './publisher-stream';

/** What a publisher needs of its room (the room implements it; the publisher never imports it). */
export interface PublisherRoom {
  readonly id: VrId;
  readonly config: RoomConfig;
  readonly destroyed: boolean;
  /** Send an event to every participant of the room except `skip`. */
  notify(data: JsonObject, skip?: Publisher): void;
}

/** Per-publisher recording wishes (Janus's `recording_active`, `recording_base`). */
export interface PublisherRecordingWish {
  active: boolean;
  base?: string;
}

/** REMB re-send interval: as Janus, the cap is repeated about every second (a lost REMB, or a sender's estimate drifting up, never outlives it). */
const REMB_INTERVAL_MS = 1000;

/**
 * A participant of a room (Janus calls it a publisher even before it publishes): the handle that
 * joined with `ptype: publisher`. It becomes an active publisher once its PeerConnection is up.
 * It owns its streams, its keyframe/bitrate timers and its recording wishes.
 */
/** A participant with a handle, one fed from another instance (remote), or a room's dummy publisher. */
export type PublisherKind = 'local' | 'remote' | 'dummy';

export class Publisher {
  display?: string;
  kind: PublisherKind = 'local';
  private isNegotiated = false;
  private isActive = false;
  /** What `setIncomingRtp` was last told, by mindex (unset: the core's default, wanted). */
  private readonly rtpWanted: boolean[] = [];
  private streamList: PublisherStream[] = [];
  /** Streams by m-line index (hot path lookup). */
  private byMindexList: Array<PublisherStream | undefined> = [];
  /** The publisher's own bitrate cap (0: the room's). */
  bitrate = 0;
  audioLevelAverage?: number;
  audioActivePackets?: number;
  private isLeaving = false;
  readonly recording: PublisherRecordingWish = { active: false };
  private firTimer?: NodeJS.Timeout;
  /** Re-sends the bitrate cap (REMB) every second while active. */
  private rembTimer?: NodeJS.Timeout;

  constructor(
    readonly room: PublisherRoom,
    readonly handle: PluginHandle,
    readonly id: VrId,
    readonly privateId: number,
  ) {}

  /** The offer was answered: streams are known. */
  get negotiated(): boolean {
    return this.isNegotiated;
  }

  /** Leaving, kicked or its room destroyed: no request of its handle is served any more. */
  get leaving(): boolean {
    return this.isLeaving;
  }

  /** Start leaving the room; false when it already was (leaving is done once). */
  leave(): boolean {
    if (this.isLeaving) return false;
    this.isLeaving = true;
    return true;
  }

  /** PeerConnection up: announced to the room, can be subscribed to. Checked per packet. */
  get active(): boolean {
    return this.isActive;
  }

  get streams(): readonly PublisherStream[] {
    return this.streamList;
  }

  /** The stream of an m-line (hot path: an array index). */
  byMindex(mindex: number): PublisherStream | undefined {
    return this.byMindexList[mindex];
  }

  /** An offer was answered: these are the publisher's streams now (existing ones kept their state). */
  negotiate(streams: PublisherStream[]): void {
    this.setStreams(streams);
    this.isNegotiated = true;
  }

  private setStreams(streams: PublisherStream[]): void {
    this.streamList = streams;
    this.byMindexList = [];
    for (const s of streams) {
      this.byMindexList[s.mindex] = s;
      s.watch(() => this.refreshIncomingRtp());
    }
    this.refreshIncomingRtp();
  }

  /**
   * Ask the core for a stream's packets only while this thread needs them (main-thread sinks,
   * forwarders, recording, room talk detection): subscribers fed by media routes do not.
   */
  refreshIncomingRtp(): void {
    for (const s of this.streamList) {
      if (s.type === 'data') continue;
      const wanted = s.needsIncomingRtp || (s.type === 'audio' && this.room.config.audiolevelEvent);
      if (this.rtpWanted[s.mindex] === wanted) continue;
      this.rtpWanted[s.mindex] = wanted;
      this.handle.setIncomingRtp?.(s.mindex, wanted);
    }
  }

  stream(mid: string): PublisherStream | undefined {
    return this.streamList.find((s) => s.mid === mid);
  }

  /** First audio/video codec: the 0.x summary fields kept by 1.x. */
  firstCodec(type: 'audio' | 'video'): string | undefined {
    return this.streamList.find((s) => s.type === type && !s.disabled && s.codec)?.codec?.name;
  }

  /** Talking on any audio stream (room audiolevel_event). */
  get talking(): boolean {
    return this.streamList.some((s) => s.type === 'audio' && s.talking);
  }

  /**
   * The PeerConnection is up for a negotiated publisher: becomes active, starts the periodic
   * keyframe requests and the bitrate cap. False when it cannot (not negotiated, already active).
   */
  activate(): boolean {
    if (this.isActive || !this.negotiated || this.room.destroyed) return false;
    this.isActive = true;
    this.restartFir();
    this.applyBitrate();
    if (this.rembTimer) clearInterval(this.rembTimer);
    this.rembTimer = setInterval(() => {
      if (this.handle.alive) this.applyBitrate();
    }, REMB_INTERVAL_MS);
    this.rembTimer.unref();
    return true;
  }

  /**
   * Stop publishing: streams dropped (with their sinks and forwarders), timers stopped. Returns
   * the streams it had (their sinks are the subscribers to tell) and whether it was active.
   */
  deactivate(): { wasActive: boolean; streams: readonly PublisherStream[] } {
    const wasActive = this.isActive;
    const streams = this.streamList;
    this.isActive = false;
    this.isNegotiated = false;
    this.stopTimers();
    for (const s of streams) s.dropAll();
    this.setStreams([]);
    return { wasActive, streams };
  }

  /** Janus's bitrate cap per publisher: its own (capped by the room with bitrate_cap), else the room's. */
  setBitrate(b: number): void {
    const cap = this.room.config.bitrate;
    this.bitrate = this.room.config.bitrateCap && cap > 0 && b > cap ? cap : b;
  }

  /** REMB with the publisher's own cap, else the room's (0 = none). */
  applyBitrate(): void {
    const b = this.bitrate || this.room.config.bitrate;
    if (b > 0 && this.isActive) this.handle.sendRemb(b);
  }

  /** Periodic keyframe requests every `fir_freq` seconds (restarted when the room's changes). */
  restartFir(): void {
    if (this.firTimer) clearInterval(this.firTimer);
    this.firTimer = undefined;
    const freq = this.room.config.firFreq;
    if (!this.isActive || freq <= 0) return;
    this.firTimer = setInterval(() => {
      if (this.isActive && this.handle.alive) this.handle.sendPli();
    }, freq * 1000);
    this.firTimer.unref();
  }

  /** Ask the publisher for a keyframe on one m-line (or all) if it publishes. */
  requestKeyframe(mindex?: number): void {
    if (this.isActive) this.handle.sendPli(mindex);
  }

  stopTimers(): void {
    if (this.firTimer) clearInterval(this.firTimer);
    this.firTimer = undefined;
    if (this.rembTimer) clearInterval(this.rembTimer);
    this.rembTimer = undefined;
  }

  /** Janus's PUB object in `joined` and `publishers`. */
  describe(): JsonObject {
    const talk = this.room.config.audiolevelEvent;
    const j: JsonObject = { id: this.id };
    if (this.display !== undefined) j.display = this.display;
    if (this.kind === 'dummy') j.dummy = true;
    const ac = this.firstCodec('audio');
    const vc = this.firstCodec('video');
    if (ac) j.audio_codec = ac;
    if (vc) j.video_codec = vc;
    // 0.x clients read these flat flags
    const s = this.streamList;
    if (s.some((x) => x.type === 'audio' && x.muted)) j.audio_moderated = true;
    if (s.some((x) => x.type === 'video' && x.muted)) j.video_moderated = true;
    if (s.some((x) => x.type === 'data' && x.muted)) j.data_moderated = true;
    if (s.some((x) => x.simulcast)) j.simulcast = true;
    j.streams = s.map((x) => x.toJson(talk));
    if (talk) j.talking = this.talking;
    return j;
  }
}
