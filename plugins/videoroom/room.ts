import type { JsonObject } from '../../core/plugin-api';
import type { VrId } from './ids';
import type { Publisher, PublisherRoom } from './publisher/publisher';
import type { RoomConfig } from './room-config';
import type { Subscriber, SubscriberRoom } from './subscriber/subscriber';

/** A VideoRoom room: its properties, and it owns its participants and subscriptions. */
export class Room implements PublisherRoom, SubscriberRoom {
  private readonly byId = new Map<VrId, Publisher>();
  private readonly byPrivateId = new Map<number, Publisher>();
  private readonly subs = new Set<Subscriber>();
  /** `allowed` ACL: on when created with `allowed` or after `allowed enable`. */
  checkAllowed: boolean;
  readonly allowed: Set<string>;
  private isDestroyed = false;

  constructor(
    readonly id: VrId,
    readonly config: RoomConfig,
    /** Whether the room came from the config file or a `permanent` create. */
    public permanent = false,
  ) {
    this.checkAllowed = config.allowed !== undefined;
    this.allowed = new Set(config.allowed ?? []);
  }

  get destroyed(): boolean {
    return this.isDestroyed;
  }

  /** Destroyed: requests naming it fail, its participants are being removed. */
  destroy(): void {
    this.isDestroyed = true;
  }

  get description(): string {
    return this.config.description ?? `Room ${this.id}`;
  }

  /**
   * `edit` (and `enable_recording`): new room settings; participants follow a new bitrate cap
   * (unless they have their own) and a new keyframe interval at once.
   */
  edit(changes: Partial<RoomConfig>): void {
    const bitrate = changes.bitrate !== undefined && changes.bitrate !== this.config.bitrate;
    const fir = changes.firFreq !== undefined && changes.firFreq !== this.config.firFreq;
    const levels = changes.audiolevelEvent !== undefined && changes.audiolevelEvent !== this.config.audiolevelEvent;
    Object.assign(this.config, changes);
    for (const p of this.byId.values()) {
      if (bitrate && !p.bitrate) p.applyBitrate();
      if (fir) p.restartFir();
      if (levels) p.refreshIncomingRtp();
    }
  }

  /** The `allowed` request: the token ACL (kept in the config, so `permanent` saves it). */
  allow(action: 'enable' | 'disable' | 'add' | 'remove', tokens: readonly string[] = []): void {
    if (action === 'enable') this.checkAllowed = true;
    else if (action === 'disable') this.checkAllowed = false;
    else if (action === 'add') for (const t of tokens) this.allowed.add(t);
    else for (const t of tokens) this.allowed.delete(t);
    this.config.allowed = [...this.allowed];
  }

  /** Participants by ID (publishers, active or not). */
  get participants(): ReadonlyMap<VrId, Publisher> {
    return this.byId;
  }

  get subscribers(): ReadonlySet<Subscriber> {
    return this.subs;
  }

  participantByPrivateId(pvt: number): Publisher | undefined {
    return this.byPrivateId.get(pvt);
  }

  hasPrivateId(pvt: number): boolean {
    return this.byPrivateId.has(pvt);
  }

  addParticipant(p: Publisher): void {
    this.byId.set(p.id, p);
    this.byPrivateId.set(p.privateId, p);
  }

  /** Out of the room: its private_id no longer names the subscriptions made with it. */
  removeParticipant(p: Publisher): void {
    if (this.byId.get(p.id) === p) this.byId.delete(p.id);
    if (this.byPrivateId.get(p.privateId) === p) this.byPrivateId.delete(p.privateId);
    for (const s of this.subs) if (s.owner === p) s.owner = undefined;
  }

  addSubscriber(s: Subscriber): void {
    this.subs.add(s);
  }

  removeSubscriber(s: Subscriber): void {
    this.subs.delete(s);
  }

  /** Subscriptions made with a participant's private_id. */
  subscriptionsOf(p: Publisher): Subscriber[] {
    return [...this.subs].filter((s) => s.owner === p);
  }

  activePublishers(): Publisher[] {
    return [...this.byId.values()].filter((p) => p.active);
  }

  /** How many participants publish or are negotiating (max_publishers), `except` left out. */
  publishingCount(except?: Publisher): number {
    let n = 0;
    for (const p of this.byId.values()) if (p !== except && (p.negotiated || p.active)) n++;
    return n;
  }

  /** Send an event to every participant (publisher-side handles), except `skip`. */
  notify(data: JsonObject, skip?: Publisher): void {
    for (const p of this.byId.values()) {
      if (p === skip || !p.handle.alive) continue;
      p.handle.pushEvent(undefined, data).catch(() => undefined);
    }
  }

  /** The `list` entry, with the fields Janus 1.1.2 shows, in its order. */
  listEntry(): JsonObject {
    const c = this.config;
    const j: JsonObject = {
      room: this.id,
      description: this.description,
      pin_required: c.pin !== undefined,
      is_private: c.isPrivate,
      max_publishers: c.publishers,
      bitrate: c.bitrate,
    };
    if (c.bitrateCap) j.bitrate_cap = true;
    j.fir_freq = c.firFreq;
    j.require_pvtid = c.requirePvtid;
    j.require_e2ee = c.requireE2ee;
    j.dummy_publisher = c.dummyPublisher;
    j.notify_joining = c.notifyJoining;
    j.audiocodec = c.audiocodec.join(',');
    j.videocodec = c.videocodec.join(',');
    if (c.vp9Profile) j.vp9_profile = c.vp9Profile;
    if (c.h264Profile) j.h264_profile = c.h264Profile;
    if (c.audiocodec.includes('opus')) {
      j.opus_fec = c.opusFec;
      if (c.opusDtx) j.opus_dtx = true;
    }
    if (c.videoSvc) j.video_svc = true;
    j.record = c.record;
    if (c.recDir) j.rec_dir = c.recDir;
    j.lock_record = c.lockRecord;
    j.num_participants = this.byId.size;
    j.audiolevel_ext = c.audiolevelExt;
    j.audiolevel_event = c.audiolevelEvent;
    if (c.audiolevelEvent) {
      j.audio_active_packets = c.audioActivePackets;
      j.audio_level_average = c.audioLevelAverage;
    }
    j.videoorient_ext = c.videoorientExt;
    j.playoutdelay_ext = c.playoutdelayExt;
    j.transport_wide_cc_ext = c.transportWideCcExt;
    return j;
  }
}
