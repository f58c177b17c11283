/**
 * Cascading VideoRoom rooms across instances, on demand.
 *
 * `feed(room, publisherId, target)`: a subscriber on `target` wants a publisher that lives on some
 * other instance (the source). The backend then
 *   1. makes sure the room exists on the target (same room id),
 *   2. `add_remote_publisher` on the target with the same publisher id and the streams the source
 *      announced → the target opens an RTP and an RTCP port,
 *   3. `publish_remotely` on the source towards those ports (`remote_id` = `cascade-<target>`).
 * Subscribers on the target then subscribe to the same feed id as on the source.
 *
 * Teardown: the publisher leaves (or stops publishing) on the source → `unpublish_remotely` on the
 * source, `remove_remote_publisher` on every target. Renegotiation → `update_remote_publisher`.
 * Failures: a source that stops answering keepalives → its remote publishers are removed from every
 * target; a target that dies → the source stops forwarding to it; a forwarder that vanished from
 * the source's `listremotes` → the remote publisher is removed from its target (no ghosts).
 */
import type { JanusInstance, Json } from './instance';
import { remoteStreams, RoomWatch, type PublisherInfo } from './room-watch';

export interface CascadeOptions {
  /** Config for rooms the backend creates on targets (`create` request fields besides `room`). */
  roomConfig?: Json;
  /** How often (ms) forwarders are checked with `listremotes` (default 5 s; 0 = never). */
  checkEveryMs?: number;
  log?: (line: string) => void;
}

/** One publisher of a source cascaded to one target. */
export interface CascadeLink {
  room: number | string;
  feed: number | string;
  source: string;
  target: string;
  remoteId: string;
  port: number;
  rtcpPort: number;
}

const key = (...parts: (string | number)[]) => parts.join('/');

export class Cascade {
  private readonly instances = new Map<string, JanusInstance>();
  private readonly watches = new Map<string, Promise<RoomWatch>>();
  private readonly links = new Map<string, CascadeLink>();
  private readonly inflight = new Map<string, Promise<CascadeLink | undefined>>();
  private readonly handles = new Map<string, Promise<number>>();
  private checker?: NodeJS.Timeout;
  private readonly log: (line: string) => void;

  constructor(instances: JanusInstance[], private readonly opts: CascadeOptions = {}) {
    this.log = opts.log ?? (() => undefined);
    for (const i of instances) this.addInstance(i);
    const every = opts.checkEveryMs ?? 5_000;
    if (every > 0) this.checker = setInterval(() => void this.checkForwarders(), every);
  }

  /** Add an instance as load grows: it starts serving rooms as soon as a subscriber asks for a feed there. */
  addInstance(i: JanusInstance): void {
    this.instances.set(i.name, i);
    i.on('down', (why: string) => void this.instanceDown(i, why));
  }

  /** Current cascades (for monitoring and tests). */
  list(): CascadeLink[] {
    return [...this.links.values()];
  }

  async stop(): Promise<void> {
    if (this.checker) clearInterval(this.checker);
    for (const link of this.list()) await this.teardown(link);
    for (const w of this.watches.values()) await (await w.catch(() => undefined))?.stop();
    this.watches.clear();
  }

  /** Watch a room on an instance (where publishers join), so its publishers can be cascaded. */
  watch(instance: string, room: number | string): Promise<RoomWatch> {
    const k = key(instance, room);
    let w = this.watches.get(k);
    if (!w) {
      const i = this.instance(instance);
      w = (async () => {
        const watch = new RoomWatch(i, room, (id) => this.links.has(key(room, id, instance)) || this.inflight.has(key(room, id, instance)));
        watch.on('publisher', (p: PublisherInfo, isNew: boolean) => void (isNew ? undefined : this.publisherChanged(instance, room, p)));
        watch.on('gone', (id: number | string) => void this.publisherGone(instance, room, id));
        await watch.start();
        return watch;
      })();
      w.catch(() => this.watches.delete(k));
      this.watches.set(k, w);
    }
    return w;
  }

  /**
   * Make publisher `feed` of `room` (publishing on `source`) available to subscribers on `target`.
   * Resolves with the cascade (undefined when source and target are the same instance).
   */
  feed(room: number | string, feed: number | string, source: string, target: string): Promise<CascadeLink | undefined> {
    if (source === target) return Promise.resolve(undefined);
    const k = key(room, feed, target);
    const existing = this.links.get(k);
    if (existing) return Promise.resolve(existing);
    let p = this.inflight.get(k);
    if (!p) {
      p = this.cascade(room, feed, source, target).finally(() => this.inflight.delete(k));
      this.inflight.set(k, p);
    }
    return p;
  }

  /**
   * Like `feed`, but finds the source: the instance where `feed` publishes in `room` (rooms get
   * watched on every instance). A publisher that just joined may not be announced yet: wait up to `waitMs`.
   */
  async feedOn(room: number | string, feed: number | string, target: string, waitMs = 3000): Promise<CascadeLink | undefined> {
    const end = Date.now() + waitMs;
    for (;;) {
      for (const i of this.instances.values()) {
        if (!i.up) continue;
        const w = await this.watch(i.name, room).catch(() => undefined); // 426: no such room there
        if (w?.publishers.has(String(feed))) return this.feed(room, feed, i.name, target);
      }
      if (Date.now() > end) throw new Error(`publisher ${feed} is not publishing in room ${room} on any instance`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async cascade(room: number | string, feed: number | string, source: string, target: string): Promise<CascadeLink> {
    const src = this.instance(source);
    const dst = this.instance(target);
    const watch = await this.watch(source, room);
    const pub = watch.publishers.get(String(feed));
    if (!pub) throw new Error(`publisher ${feed} is not publishing in room ${room} on ${source}`);
    await this.ensureRoom(dst, room);
    const added = await dst.message(await this.handle(dst), {
      request: 'add_remote_publisher',
      room,
      id: feed,
      display: pub.display,
      streams: remoteStreams(pub.streams),
      ...(dst.secret ? { secret: dst.secret } : {}),
    });
    const link: CascadeLink = { room, feed, source, target, remoteId: `cascade-${target}`, port: added.port, rtcpPort: added.rtcp_port };
    try {
      await src.message(await this.handle(src), {
        request: 'publish_remotely',
        room,
        publisher_id: feed,
        remote_id: link.remoteId,
        host: dst.mediaHost,
        port: link.port,
        rtcp_port: link.rtcpPort,
        ...(src.secret ? { secret: src.secret } : {}),
      });
    } catch (e) {
      await this.removeRemote(link);
      throw e;
    }
    this.links.set(key(room, feed, target), link);
    this.log(`cascaded ${room}/${feed}: ${source} → ${target} (port ${link.port}, rtcp ${link.rtcpPort})`);
    // it may have left while we were setting up
    if (!watch.publishers.has(String(feed))) await this.teardown(link);
    return link;
  }

  private async publisherChanged(source: string, room: number | string, p: PublisherInfo): Promise<void> {
    for (const link of this.list()) {
      if (link.source !== source || link.room !== room || String(link.feed) !== String(p.id)) continue;
      const dst = this.instance(link.target);
      await dst
        .message(await this.handle(dst), { request: 'update_remote_publisher', room, id: p.id, display: p.display, streams: remoteStreams(p.streams), ...(dst.secret ? { secret: dst.secret } : {}) })
        .catch((e) => this.log(`update_remote_publisher on ${link.target}: ${(e as Error).message}`));
    }
  }

  private async publisherGone(source: string, room: number | string, id: number | string): Promise<void> {
    for (const link of this.list()) if (link.source === source && link.room === room && String(link.feed) === String(id)) await this.teardown(link);
  }

  /** Stop forwarding on the source (if it still answers) and remove the remote publisher on the target. */
  private async teardown(link: CascadeLink): Promise<void> {
    const k = key(link.room, link.feed, link.target);
    if (this.links.get(k) !== link) return; // another path (leave, check, instance down) got there first
    this.links.delete(k);
    const src = this.instance(link.source);
    if (src.up) {
      await src
        .message(await this.handle(src), { request: 'unpublish_remotely', room: link.room, publisher_id: link.feed, remote_id: link.remoteId, ...(src.secret ? { secret: src.secret } : {}) })
        .catch(() => undefined); // the publisher is usually gone already, and its forwarders with it
    }
    await this.removeRemote(link);
    this.log(`removed ${link.room}/${link.feed}: ${link.source} → ${link.target}`);
  }

  private async removeRemote(link: CascadeLink): Promise<void> {
    const dst = this.instance(link.target);
    if (!dst.up) return;
    await dst
      .message(await this.handle(dst), { request: 'remove_remote_publisher', room: link.room, id: link.feed, ...(dst.secret ? { secret: dst.secret } : {}) })
      .catch((e) => this.log(`remove_remote_publisher on ${link.target}: ${(e as Error).message}`));
  }

  private async instanceDown(i: JanusInstance, why: string): Promise<void> {
    this.log(`${i.name} is down (${why})`);
    this.handles.delete(i.name);
    for (const [k, w] of this.watches) if (k.startsWith(`${i.name}/`)) this.watches.delete(k), void w.then((x) => x.stop()).catch(() => undefined);
    for (const link of this.list()) if (link.source === i.name || link.target === i.name) await this.teardown(link);
  }

  /** A forwarder missing from the source's `listremotes` (lost, or removed by someone else) → remove its remote publisher. */
  async checkForwarders(): Promise<void> {
    for (const link of this.list()) {
      const src = this.instance(link.source);
      if (!src.up) continue;
      try {
        const r = await src.message(await this.handle(src), { request: 'listremotes', room: link.room, publisher_id: link.feed, ...(src.secret ? { secret: src.secret } : {}) });
        const list = (r.list ?? []) as Json[];
        if (!list.some((f) => f.remote_id === link.remoteId)) throw new Error('forwarder lost');
      } catch (e) {
        if (!this.links.has(key(link.room, link.feed, link.target)) || !src.up) continue;
        this.log(`forwarder ${link.room}/${link.feed} → ${link.target}: ${(e as Error).message}`);
        await this.teardown(link);
      }
    }
  }

  private async ensureRoom(i: JanusInstance, room: number | string): Promise<void> {
    const h = await this.handle(i);
    const exists = await i.message(h, { request: 'exists', room });
    if (exists.exists) return;
    await i.message(h, { request: 'create', room, publishers: 100, ...this.opts.roomConfig }).catch(async (e) => {
      if (!(await i.message(h, { request: 'exists', room })).exists) throw e; // 427: someone else created it meanwhile
    });
  }

  /** One VideoRoom handle per instance for the backend's synchronous requests. */
  private handle(i: JanusInstance): Promise<number> {
    let h = this.handles.get(i.name);
    if (!h) {
      h = i.attach('janus.plugin.videoroom');
      h.catch(() => this.handles.delete(i.name));
      this.handles.set(i.name, h);
    }
    return h;
  }

  private instance(name: string): JanusInstance {
    const i = this.instances.get(name);
    if (!i) throw new Error(`unknown instance ${name}`);
    return i;
  }
}
