import type { JsonObject } from '../../core/plugin-api';
import type { VrId } from './ids';
import type { Publisher } from './participant/publisher';
import type { RoomConfig } from './room-config';
import type { Subscriber } from './subscriber';

/** A VideoRoom room: its properties, participants and subscriptions. */
export class Room {
  readonly participants = new Map<VrId, Publisher>();
  readonly privateIds = new Map<number, Publisher>();
  readonly subscribers = new Set<Subscriber>();
  /** `allowed` ACL: on when created with `allowed` or after `allowed enable`. */
  checkAllowed: boolean;
  readonly allowed: Set<string>;
  destroyed = false;

  constructor(
    readonly id: VrId,
    public config: RoomConfig,
    /** Whether the room came from the config file or a `permanent` create. */
    public permanent = false,
  ) {
    this.checkAllowed = config.allowed !== undefined;
    this.allowed = new Set(config.allowed ?? []);
  }

  get description(): string {
    return this.config.description ?? `Room ${this.id}`;
  }

  activePublishers(): Publisher[] {
    return [...this.participants.values()].filter((p) => p.active);
  }

  /** Send an event to every participant (publisher-side handles), except `skip`. */
  notify(data: JsonObject, skip?: Publisher): void {
    for (const p of this.participants.values()) {
      if (p === skip || !p.session.handle.alive) continue;
      p.session.handle.pushEvent(undefined, data).catch(() => undefined);
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
    j.num_participants = this.participants.size;
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
