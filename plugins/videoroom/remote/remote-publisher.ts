/**
 * A remote publisher (Janus 1.1 `add_remote_publisher`): a participant of a room on this instance
 * whose media is published on another instance and arrives over plain RTP (RemoteFeed). Its
 * subscribers, events and forwarders are those of any publisher; it has a VirtualHandle, so a
 * keyframe request for it becomes an RTCP PLI back to the source.
 *
 * Ours, not Janus's: `remote_publisher_timeout` (plugin `general`, seconds; 0 = never). Once RTP
 * has flowed, a remote publisher that receives none for that long is unpublished (participants
 * hear `unpublished`, its subscribers get an `updated` offer without it); it publishes again when
 * RTP comes back. It stays a participant until `remove_remote_publisher`.
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { forwardData, forwardRtp } from '../fanout';
import type { VrId } from '../ids';
import { publisherUp, removeParticipant, unpublish } from '../lifecycle';
import { Publisher } from '../publisher/publisher';
import { PublisherStream } from '../publisher/publisher-stream';
import { recordData, recordRtp } from '../publisher/recording';
import type { Room } from '../room';
import type { VideoRoomState } from '../state';
import { codecFor } from './codecs';
import { RemoteFeed, type FeedOptions, type FeedStream } from './remote-feed';
import { VirtualHandle } from './virtual-handle';

/** One stream as `add_remote_publisher` / `update_remote_publisher` describe it. */
export interface RemoteStreamSpec {
  type: 'audio' | 'video' | 'data';
  mindex: number;
  mid: string;
  codec?: string;
  description?: string;
  disabled: boolean;
  stereo: boolean;
  fec: boolean;
  dtx: boolean;
  h264Profile?: string;
  vp9Profile?: string;
  simulcast: boolean;
  svc: boolean;
  audioLevelExt: number;
  /** `disabled` was in the request (update only changes it then). */
  disabledGiven: boolean;
}

/** How a remote publisher's ports are opened: what its feed binds. */
export type RemoteOptions = FeedOptions;

/** Liveness and timeout checks run this often. */
const TICK_MS = 500;

/** Remote publishers per plugin instance (closed with it), and per Publisher object. */
const byState = new WeakMap<VideoRoomState, Set<RemotePublisher>>();
const byPublisher = new WeakMap<Publisher, RemotePublisher>();

export function remoteOf(pub: Publisher): RemotePublisher | undefined {
  return byPublisher.get(pub);
}

/** Plugin teardown: every remote publisher's ports closed. */
export function closeRemotePublishers(vr: VideoRoomState): void {
  for (const r of byState.get(vr) ?? []) r.close();
  byState.delete(vr);
}

/** `remote_publisher_timeout` in ms (0: off). */
function timeoutMs(vr: VideoRoomState): number {
  const s = vr.ctx.config.getInt('general', 'remote_publisher_timeout');
  return s !== undefined && s > 0 ? s * 1000 : s === 0 ? 0 : 10_000;
}

export class RemotePublisher {
  readonly pub: Publisher;
  readonly feed: RemoteFeed;
  private readonly handle: VirtualHandle;
  /** The streams as described, by position; rebuilt into PublisherStreams on (re)publish. */
  specs: RemoteStreamSpec[];
  /** The current PublisherStreams by m-line (also while unpublished by the timeout). */
  private streamsByMindex: Array<PublisherStream | undefined> = [];
  private tick?: NodeJS.Timeout;
  private closed = false;
  private readonly timeout: number;

  private constructor(
    private readonly vr: VideoRoomState,
    readonly room: Room,
    id: VrId,
    display: string | undefined,
    specs: RemoteStreamSpec[],
    opts: RemoteOptions,
  ) {
    this.specs = specs;
    this.timeout = timeoutMs(vr);
    this.handle = new VirtualHandle(vr.ctx, (mindex) => this.requestKeyframe(mindex));
    let pvt: number;
    do pvt = randomInt(1, 2 ** 32 - 1);
    while (room.hasPrivateId(pvt));
    this.pub = new Publisher(room, this.handle, id, pvt);
    this.pub.kind = 'remote';
    if (display !== undefined) this.pub.display = display;
    const self = this;
    this.feed = new RemoteFeed(
      {
        stream(mindex: number): FeedStream | undefined {
          return self.streamsByMindex[mindex];
        },
        rtp(packet) {
          const pub = self.pub;
          if (!pub.active) self.republish();
          recordRtp(pub, packet);
          forwardRtp(self.vr, pub, packet);
        },
        data(packet) {
          const pub = self.pub;
          if (!pub.active) self.republish();
          recordData(pub, packet);
          forwardData(pub, packet);
        },
      },
      opts,
    );
  }

  /** Open the ports, join the room and announce it (as Janus: at once, before any media). */
  static async create(vr: VideoRoomState, room: Room, id: VrId, display: string | undefined, specs: RemoteStreamSpec[], opts: RemoteOptions): Promise<RemotePublisher> {
    const r = new RemotePublisher(vr, room, id, display, specs, opts);
    r.applySpecs();
    await r.feed.open();
    if (room.destroyed || room.participants.has(id)) {
      r.close();
      throw new Error('room changed while opening the ports');
    }
    room.addParticipant(r.pub);
    byPublisher.set(r.pub, r);
    let set = byState.get(vr);
    if (!set) byState.set(vr, (set = new Set()));
    set.add(r);
    r.publish();
    r.tick = setInterval(() => r.onTick(), TICK_MS);
    r.tick.unref();
    return r;
  }

  /** A PublisherStream from its description (a codec the room doesn't allow disables it, as Janus). */
  private buildStream(sp: RemoteStreamSpec): PublisherStream {
    const cfg = this.room.config;
    const ps = new PublisherStream(sp.type, sp.mindex, String(sp.mindex));
    ps.description = sp.description;
    ps.disabled = sp.disabled;
    if (sp.type !== 'data' && sp.codec !== undefined) {
      const allowed = sp.type === 'audio' ? cfg.audiocodec : cfg.videocodec;
      if (!allowed.includes(sp.codec)) {
        ps.disabled = true;
      } else {
        ps.stereo = sp.stereo;
        ps.fec = sp.fec;
        ps.dtx = sp.dtx;
        ps.h264Profile = sp.h264Profile ?? (sp.codec === 'h264' ? cfg.h264Profile : undefined);
        ps.vp9Profile = sp.vp9Profile ?? (sp.codec === 'vp9' ? cfg.vp9Profile : undefined);
        ps.codec = codecFor(sp.type, sp.codec, ps);
        ps.simulcast = sp.type === 'video' && sp.simulcast;
        if (ps.simulcast) ps.substreams = 3;
        ps.svc = sp.type === 'video' && sp.svc;
      }
    }
    this.feed.audioLevelExt[ps.mindex] = sp.type === 'audio' ? sp.audioLevelExt : 0;
    return ps;
  }

  /** (Re)build every stream from the specs. */
  private applySpecs(): void {
    const streams = this.specs.map((sp) => this.buildStream(sp));
    this.streamsByMindex = [];
    for (const ps of streams) this.streamsByMindex[ps.mindex] = ps;
    this.pub.negotiate(streams);
  }

  private publish(): void {
    publisherUp(this.vr, this.pub);
  }

  /** RTP is back after the timeout unpublished it. */
  private republish(): void {
    if (this.closed || this.pub.leaving || this.room.destroyed) return;
    this.applySpecs();
    this.publish();
  }

  /**
   * `update_remote_publisher`, as Janus: a stream whose mid we have gets its description and
   * `disabled` updated; any other is added at its mindex (unless that leaves a gap of more than
   * one); participants hear the publisher again only if something changed (a new display alone
   * is not announced).
   */
  update(specs: RemoteStreamSpec[], display: string | undefined): void {
    if (display !== undefined) this.pub.display = display;
    let changed = false;
    for (const sp of specs) {
      const i = this.specs.findIndex((x) => String(x.mindex) === sp.mid);
      if (i >= 0) {
        const old = this.specs[i];
        const ps = this.streamsByMindex[old.mindex];
        // Janus counts a stream without description as changed every time
        if (old.description === undefined || (sp.description !== undefined && sp.description !== old.description)) {
          old.description = sp.description;
          if (ps) ps.description = sp.description;
          changed = true;
        }
        if (sp.disabledGiven && sp.disabled !== old.disabled) {
          old.disabled = sp.disabled;
          if (ps) ps.disabled = sp.disabled || (ps.type !== 'data' && ps.codec === undefined);
          changed = true;
        }
        continue;
      }
      if (sp.mindex - this.specs.length > 1) continue;
      this.specs = [...this.specs, sp];
      if (this.pub.active) {
        const ps = this.buildStream(sp);
        this.streamsByMindex[ps.mindex] = ps;
        this.pub.negotiate([...this.pub.streams, ps]);
      }
      changed = true;
    }
    if (changed && this.pub.active) this.room.notify({ videoroom: 'event', room: this.room.id, publishers: [this.pub.describe()] }, this.pub);
  }

  /** A keyframe request from a subscriber (or the room's fir_freq) for one m-line or all video ones. */
  private requestKeyframe(mindex?: number): void {
    const video = this.pub.streams.filter((s) => s.type === 'video' && !s.disabled).map((s) => s.mindex);
    this.feed.requestKeyframe(mindex, video);
  }

  private onTick(): void {
    if (this.closed) return;
    // gone with its room (destroy) or taken out some other way: just release the ports
    if (this.room.destroyed || this.pub.leaving || this.room.participants.get(this.pub.id) !== this.pub) {
      this.close();
      return;
    }
    const last = this.feed.lastRtp;
    if (this.timeout > 0 && this.pub.active && last > 0 && performance.now() - last > this.timeout) {
      this.vr.log.info({ room: this.room.id, id: this.pub.id }, 'Remote publisher: no RTP for remote_publisher_timeout, unpublishing');
      unpublish(this.vr, this.room, this.pub);
    }
  }

  /** `remove_remote_publisher`: subscribers get `updated`, participants `leaving` (as Janus). */
  remove(): void {
    if (!this.pub.leaving) removeParticipant(this.vr, this.room, this.pub, 'leave');
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.tick) clearInterval(this.tick);
    this.handle.kill();
    this.feed.close();
    byState.get(this.vr)?.delete(this);
  }
}
