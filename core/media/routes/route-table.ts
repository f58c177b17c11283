import { performance } from 'node:perf_hooks';
import type { MediaSession, PacketFan } from '../../media-session';
import type { RtpPacket } from '../../plugin-api';
import { RecordReader, RELAY_MAX_AGE_MS, writeRtp } from '../../media-workers/media-record';
import { createRingMemory, RingReader, RingWriter } from '../../media-workers/packet-ring';
import { RouteSink, type RouteNote, type RouteState } from './route-sink';

/** Packets queued for this thread's own sinks: ~400 video packets (a full queue drops new ones). */
const LOCAL_QUEUE_BYTES = 512 * 1024;
/**
 * Queued packets relayed per event-loop turn: each is a send for every local sink of its source.
 * One, so that control work (an offer's awaits, ICE, DTLS) waits one packet's fan-out per turn,
 * not four: at N=100 a subscriber's offer took 32-19 ms instead of 39-36, with less CPU per packet.
 */
const LOCAL_BATCH = 1;

/**
 * The packets of local sources for this thread's own sinks. The fan-out does not run inside the
 * socket callback that received the packet: a burst (a keyframe) would hold the event loop for the
 * whole fan-out of every packet, and ICE, DTLS, consent and control would wait behind it. Queued,
 * it runs a few packets per turn, as the packets from other threads do.
 */
class LocalQueue {
  private readonly writer: RingWriter;
  private readonly reader: RingReader;
  private readonly records: RecordReader;

  constructor(deliver: (srcKey: number, packet: RtpPacket) => void) {
    const memory = createRingMemory(LOCAL_QUEUE_BYTES);
    this.reader = new RingReader(memory);
    this.records = new RecordReader({ rtp: deliver, rtcp: () => undefined, data: () => undefined, event: () => undefined }, RELAY_MAX_AGE_MS);
    this.writer = new RingWriter(memory, () => setImmediate(this.wake));
    this.reader.start(this.records.onRecord, LOCAL_BATCH);
  }

  private readonly wake = () => this.reader.wake();

  push(srcKey: number, packet: RtpPacket): void {
    writeRtp(this.writer, srcKey, packet);
  }

  /** Full queue (new packets refused) plus stale (waited past RELAY_MAX_AGE_MS). */
  get dropped(): number {
    return this.writer.dropped + this.records.stale;
  }
}

/** Another media plane a source's packets are copied to once (a ring into another worker). */
export interface RemoteRouteOut {
  relay(srcKey: number, packet: RtpPacket): void;
}

/** What a route table needs of the thread it runs in. */
export interface RouteHost {
  /** The media session of handle `key` when it is served by this thread. */
  session(key: number): MediaSession | undefined;
  /** A sink's event, for the route's owner. */
  note(n: RouteNote): void;
}

/**
 * The routes fed by one source m-line in this thread: its local sinks, and the other threads that
 * have sinks of it (each gets the packet once, its own sinks do the rest).
 */
class SourceFan implements PacketFan {
  /** Copy-on-write, so that the hot path walks them without allocating. */
  sinks: RouteSink[] = [];
  remotes: RemoteRouteOut[] = [];

  constructor(
    readonly srcKey: number,
    readonly mindex: number,
    private readonly local: LocalQueue,
  ) {}

  /** A packet of the local source: one copy per other thread first (they start at once), one for our sinks. */
  relay(packet: RtpPacket): void {
    const remotes = this.remotes;
    for (let i = 0; i < remotes.length; i++) remotes[i].relay(this.srcKey, packet);
    if (this.sinks.length > 0) this.local.push(this.srcKey, packet);
  }

  relayLocal(packet: RtpPacket): void {
    const sinks = this.sinks;
    if (sinks.length === 0) return;
    const now = performance.now();
    for (let i = 0; i < sinks.length; i++) sinks[i].relay(packet, now);
  }

  get empty(): boolean {
    return this.sinks.length === 0 && this.remotes.length === 0;
  }
}

/**
 * The media routes of one thread (a media worker, or the main thread with in-thread media): route
 * sinks by id, source fans by source key and m-line, linked to the source's media session when
 * the source is served here. Keys are the media plane's handle keys (placement keys with workers).
 */
export class RouteTable {
  private readonly sinks = new Map<number, RouteSink>();
  private readonly fans = new Map<number, Array<SourceFan | undefined>>();
  private readonly local = new LocalQueue((srcKey, packet) => this.fromRemote(srcKey, packet));

  constructor(private readonly host: RouteHost) {}

  /** Create or update route `state.id`. */
  apply(state: RouteState): void {
    let sink = this.sinks.get(state.id);
    if (!sink) {
      sink = new RouteSink(state, (n) => this.host.note(n));
      this.sinks.set(state.id, sink);
      sink.target = this.host.session(state.sinkKey);
      if (state.srcKey !== 0) this.addSink(this.fan(state.srcKey, state.srcMindex), sink);
      return;
    }
    const prev = sink.state;
    if (prev.srcKey !== state.srcKey || prev.srcMindex !== state.srcMindex) {
      if (prev.srcKey !== 0) this.removeSink(prev.srcKey, prev.srcMindex, sink);
      if (state.srcKey !== 0) this.addSink(this.fan(state.srcKey, state.srcMindex), sink);
    }
    if (prev.sinkKey !== state.sinkKey) sink.target = this.host.session(state.sinkKey);
    sink.update(state);
  }

  command(id: number, cmd: 'reset' | 'restart'): void {
    const sink = this.sinks.get(id);
    if (cmd === 'reset') sink?.reset();
    else sink?.restart();
  }

  close(id: number): void {
    const sink = this.sinks.get(id);
    if (!sink) return;
    this.sinks.delete(id);
    sink.target = undefined;
    if (sink.state.srcKey !== 0) this.removeSink(sink.state.srcKey, sink.state.srcMindex, sink);
  }

  /** The other threads a local source's m-line is copied to. */
  setRemotes(srcKey: number, mindex: number, remotes: RemoteRouteOut[]): void {
    if (remotes.length === 0 && !this.fans.get(srcKey)?.[mindex]) return;
    const fan = this.fan(srcKey, mindex);
    fan.remotes = remotes;
    this.dropIfEmpty(fan);
  }

  /** Every fan that copies to `remote` stops doing so (that thread is gone). */
  dropRemote(remote: RemoteRouteOut): void {
    for (const list of this.fans.values()) {
      for (const fan of list) {
        if (!fan || !fan.remotes.includes(remote)) continue;
        fan.remotes = fan.remotes.filter((r) => r !== remote);
        this.dropIfEmpty(fan);
      }
    }
  }

  /** Packets dropped because this thread fell behind: its own queue full, or a packet queued past RELAY_MAX_AGE_MS. */
  get localDrops(): number {
    return this.local.dropped;
  }

  /** A packet another thread (or our own queue) copied here for our sinks. */
  fromRemote(srcKey: number, packet: RtpPacket): void {
    this.fans.get(srcKey)?.[packet.mindex]?.relayLocal(packet);
  }

  /** Handle `key` is now served here (or its media session changed): link its fans and sinks. */
  attached(key: number): void {
    const session = this.host.session(key);
    const list = this.fans.get(key);
    if (session && list) list.forEach((fan, mindex) => fan && link(session, mindex, fan));
    for (const sink of this.sinks.values()) if (sink.state.sinkKey === key) sink.target = session;
  }

  /** Handle `key` left this thread: its sinks stop, its fans are unlinked (the routes stay). */
  detached(key: number): void {
    const session = this.host.session(key);
    if (session) session.fans = undefined;
    for (const sink of this.sinks.values()) if (sink.state.sinkKey === key) sink.target = undefined;
  }

  get size(): number {
    return this.sinks.size;
  }

  /** Source m-lines with sinks or other threads to feed. */
  get fanCount(): number {
    let n = 0;
    for (const list of this.fans.values()) for (const f of list) if (f) n++;
    return n;
  }

  private fan(srcKey: number, mindex: number): SourceFan {
    let list = this.fans.get(srcKey);
    if (!list) this.fans.set(srcKey, (list = []));
    let fan = list[mindex];
    if (!fan) {
      fan = list[mindex] = new SourceFan(srcKey, mindex, this.local);
      const session = this.host.session(srcKey);
      if (session) link(session, mindex, fan);
    }
    return fan;
  }

  private addSink(fan: SourceFan, sink: RouteSink): void {
    if (!fan.sinks.includes(sink)) fan.sinks = [...fan.sinks, sink];
  }

  private removeSink(srcKey: number, mindex: number, sink: RouteSink): void {
    const fan = this.fans.get(srcKey)?.[mindex];
    if (!fan) return;
    fan.sinks = fan.sinks.filter((s) => s !== sink);
    this.dropIfEmpty(fan);
  }

  private dropIfEmpty(fan: SourceFan): void {
    if (!fan.empty) return;
    const list = this.fans.get(fan.srcKey);
    if (!list || list[fan.mindex] !== fan) return;
    list[fan.mindex] = undefined;
    const session = this.host.session(fan.srcKey);
    if (session?.fans?.[fan.mindex] === fan) session.fans[fan.mindex] = undefined;
    if (list.every((f) => f === undefined)) this.fans.delete(fan.srcKey);
  }
}

function link(session: MediaSession, mindex: number, fan: SourceFan): void {
  if (!session.fans) session.fans = [];
  session.fans[mindex] = fan;
}
