import type { Settings } from '../config/settings';
import type { JsonObject } from '../plugin-api';
import type { MediaPeer } from './peer';
import type { PeerStream } from './peer-stream';
import { everySecond } from './second-ticker';

export interface MonitorListener {
  /** No packet on a receiving m-line/substream for `no_media_timer` seconds. */
  noMedia(s: PeerStream, substream: number, seconds: number): void;
  slowLink(s: PeerStream, uplink: boolean, lost: number): void;
  /** One event-handler stats body (type 32 subtype 3), or an array with combine_media_stats. */
  stats(body: JsonObject | JsonObject[]): void;
}

/**
 * The once-a-second work Janus does per handle: per-second byte counters, the no-media timer,
 * slow-link detection from loss, and the event-handler stats every `stats_period` seconds.
 * Off the packet path on purpose: the hot path only updates counters and timestamps.
 */
export class MediaMonitor {
  private stopTicks?: () => void;
  private ticks = 0;
  private readonly lastLostByRemote = new Map<PeerStream, number>();

  constructor(
    private readonly peer: MediaPeer,
    private readonly settings: Settings,
    private readonly listener: MonitorListener,
  ) {}

  start(): void {
    if (this.stopTicks) return;
    this.stopTicks = everySecond.add(() => this.tick());
  }

  stop(): void {
    this.stopTicks?.();
    this.stopTicks = undefined;
  }

  private tick(): void {
    if (this.peer.isClosed) return this.stop();
    this.ticks++;
    const now = Date.now();
    const noMedia = this.settings.noMediaTimer * 1000;
    for (const s of this.peer.streams) {
      if (!s) continue;
      s.in.bytesLastSec = s.in.bytesSec;
      s.in.bytesSec = 0;
      s.out.bytesLastSec = s.out.bytesSec;
      s.out.bytesSec = 0;
      if (noMedia > 0) {
        for (let i = 0; i < 3; i++) {
          if (s.receiving[i] && now - s.lastRecv[i] >= noMedia) {
            s.receiving[i] = false;
            this.listener.noMedia(s, i, Math.round((now - s.lastRecv[i]) / 1000));
          }
        }
      }
      this.checkSlowLink(s);
      if (s.kind !== 'application') s.quality.update(s);
    }
    const period = this.settings.statsPeriod;
    if (period > 0 && this.ticks % period === 0) this.emitStats();
  }

  private checkSlowLink(s: PeerStream): void {
    const threshold = this.settings.slowlinkThreshold;
    if (threshold <= 0 || s.kind === 'application') return;
    // uplink: what we send, lost as the peer's receiver reports say
    const before = this.lastLostByRemote.get(s) ?? s.lostByRemote;
    this.lastLostByRemote.set(s, s.lostByRemote);
    const upLost = s.lostByRemote - before;
    if (upLost >= threshold) this.listener.slowLink(s, true, upLost);
    // downlink: what the peer sends us, lost as our NACK generator saw it
    const downLost = s.in.nacks - s.in.lastTickPackets;
    s.in.lastTickPackets = s.in.nacks;
    if (downLost >= threshold) this.listener.slowLink(s, false, downLost);
  }

  /**
   * The PeerConnection is being torn down: as Janus, event handlers get its stats one last time
   * (figures as they stand, the last partial second included).
   */
  finalStats(): void {
    if (this.settings.statsPeriod <= 0 || !this.peer.ready) return;
    for (const s of this.peer.streams) {
      if (s && s.kind !== 'application') s.quality.update(s);
    }
    this.emitStats();
  }

  private emitStats(): void {
    const bodies: JsonObject[] = [];
    for (const s of this.peer.streams) {
      if (!s) continue;
      const body: JsonObject = { mid: s.mid, mindex: s.mindex, media: s.kind === 'application' ? 'data' : s.kind };
      if (s.codec) body.codec = s.codec.name;
      if (s.kind !== 'application') Object.assign(body, s.rtcpMain());
      body['packets-received'] = s.in.packets;
      body['packets-sent'] = s.out.packets;
      body['bytes-received'] = s.in.bytes;
      body['bytes-sent'] = s.out.bytes;
      if (s.kind !== 'application') {
        body['bytes-received-lastsec'] = s.in.bytesLastSec;
        body['bytes-sent-lastsec'] = s.out.bytesLastSec;
        body['nacks-received'] = s.out.nacks;
        body['nacks-sent'] = s.in.nacks;
        body['retransmissions-received'] = s.in.retransmissions;
        if (s.rembBitrate) body['remb-bitrate'] = s.rembBitrate;
      }
      bodies.push(body);
    }
    if (bodies.length === 0) return;
    if (this.settings.combineMediaStats) this.listener.stats(bodies);
    else for (const b of bodies) this.listener.stats(b);
  }
}
