/** A participant of a room: its mixing settings, talking state and how its mix reaches it. */
import type { JsonObject, PluginHandle } from '../../core/plugin-api';
import type { AbId } from './ids';
import { randomU32 } from './ids';
import type { LegSettings, MixCodec } from './mixer/protocol';
import type { PlainRtpLeg } from './plain-rtp';
import type { MjrWriter } from './mjr';
import type { MixerClient } from './mixer/client';
import type { RoomConfig } from './room-config';

/**
 * The room a participant is in, as reached through `p.room` (implemented by `AudioRoom`).
 * Declared here so that the participant does not import its room: the room owns its participants.
 */
export interface ParticipantRoom {
  readonly id: AbId;
  readonly key: string;
  readonly config: RoomConfig;
  readonly muted: boolean;
  readonly mixer: MixerClient;
  readonly participants: ReadonlyMap<string, Participant>;
  remove(p: Participant): boolean;
  sync(p: Participant): void;
  /** 1-based group index of a name, 0 when unknown. */
  groupIndex(name: string): number;
  groupName(index: number): string | undefined;
}

/**
 * The handle's session a participant belongs to, as reached through `p.session` (implemented by
 * `AbSession`, which owns the participant).
 */
export interface ParticipantSession {
  readonly handle: PluginHandle;
  /** PeerConnection up (`setupMedia`) until hangup. */
  readonly started: boolean;
  /** m-line of the audio we send and receive. */
  readonly audioMindex: number;
  readonly audioMid: string;
}

export class Participant {
  id: AbId = 0;
  display?: string;
  room?: ParticipantRoom;
  /** Index of this leg in the room's mixer (unique per room). */
  slot = 0;
  group = 0;
  admin = false;
  muted = false;
  volume = 100;
  spatial = 50;
  codec: MixCodec = 'opus';
  /** Payload type we send with (the negotiated one). */
  pt = 111;
  prebuffer = 6;
  bitrate = 0;
  complexity = 4;
  expectedLoss = 0;
  fec = false;
  /** Negotiated ssrc-audio-level id (0 = none): talking detection and silence skipping. */
  extmapId = 0;
  talking = false;
  levelSum = 0;
  levelCount = 0;
  dBov = 0;
  userActivePackets = 0;
  userLevelAverage = 0;
  readonly ssrc = randomU32();
  plain?: PlainRtpLeg;
  mjrBase?: string;
  mjr?: MjrWriter;

  constructor(readonly session: ParticipantSession) {}

  /** PeerConnection up, or a plain-RTP leg ready. */
  get setup(): boolean {
    return this.session.started;
  }

  legSettings(): LegSettings {
    return {
      muted: this.muted,
      volume: this.volume,
      spatial: this.spatial,
      send: this.setup && (!this.plain || this.plain.canSend),
      group: this.group,
      bitrate: this.bitrate,
      complexity: this.complexity,
      expectedLoss: this.expectedLoss,
      fec: this.fec,
      prebuffer: this.prebuffer,
      pt: this.codec === 'opus' ? this.pt : this.codec === 'pcma' ? 8 : 0,
      ssrc: this.ssrc,
    };
  }

  /** The participant as listed to others (`participants` arrays). */
  describe(withTalking: boolean, setupOverride?: boolean): JsonObject {
    const o: JsonObject = { id: this.id };
    if (this.display !== undefined) o.display = this.display;
    o.setup = setupOverride ?? this.setup;
    o.muted = this.muted;
    if (withTalking && this.extmapId > 0) o.talking = this.talking;
    if (this.room?.config.spatialAudio) o.spatial_position = this.spatial;
    return o;
  }

  resetTalking(): void {
    this.talking = false;
    this.levelSum = 0;
    this.levelCount = 0;
  }
}
