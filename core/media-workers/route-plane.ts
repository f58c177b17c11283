import { MessageChannel } from 'node:worker_threads';
import type { Handle } from '../handle';
import { coreHandleOf } from '../handle';
import { CoreRoute, type RouteBackend } from '../media/routes/core-route';
import type { RouteNote } from '../media/routes/route-sink';
import type { RouteListener, RouteSinkSpec, RouteSource } from '../plugin-api';
import type { MediaWorker } from './media-worker';
import { createRingMemory } from './packet-ring';
import type { Placement } from './placement';

/** Ring between two workers, per direction: ~400 video packets (a bounded delay, as a socket buffer). */
const PEER_RING_BYTES = 512 * 1024;

/** What the route plane needs of the worker media port. */
export interface RoutePlacements {
  placement(handle: Handle): Pick<Placement, 'key' | 'worker'> | undefined;
  alive(index: number): MediaWorker | undefined;
}

/**
 * Media routes with media workers, on the main thread: each route's wanted state goes to the
 * worker of its sink; the worker of its source learns which other workers want that m-line, and
 * rings between workers are made when first needed. Placements change (first JSEP, a worker's
 * death and restart): the affected routes are sent again, whole.
 */
export class WorkerRoutePlane implements RouteBackend<Handle> {
  private readonly routes = new Map<number, CoreRoute<Handle>>();
  /** Where each route's sink state was last sent (worker index). */
  private readonly sentTo = new Map<number, number>();
  /** Routes by their source handle, so that a change recomputes only that source's fans. */
  private readonly bySource = new Map<Handle, Set<CoreRoute<Handle>>>();
  /** What each route counted in its source's fans: source, m-line, sink worker. */
  private readonly counted = new Map<number, { src: Handle; mindex: number; at: number | undefined }>();
  /** Fans last sent, per source key: m-line → "worker|to,to". */
  private readonly fansSent = new Map<number, Map<number, string>>();
  /** Worker pairs with a ring, "from>to". */
  private readonly peerRings = new Set<string>();

  constructor(private readonly port: RoutePlacements) {}

  open(sink: Handle, spec: RouteSinkSpec, listener: RouteListener): CoreRoute<Handle> {
    const route = new CoreRoute<Handle>(sink, spec, listener, this);
    this.routes.set(route.id, route);
    return route;
  }

  resolve(handle: RouteSource['handle']): Handle | undefined {
    const h = coreHandleOf(handle);
    return h && !h.detached ? h : undefined;
  }

  update(route: CoreRoute<Handle>): void {
    const sink = this.port.placement(route.sink);
    const src = route.source ? this.port.placement(route.source.handle) : undefined;
    const at = sink?.worker?.isAlive ? sink.worker : undefined;
    const prev = this.sentTo.get(route.id);
    if (prev !== undefined && prev !== at?.index) {
      this.port.alive(prev)?.send({ t: 'routeClose', id: route.id });
      this.sentTo.delete(route.id);
    }
    if (at) {
      at.send({ t: 'route', state: route.state(sink!.key, src?.worker ? src.key : 0) });
      this.sentTo.set(route.id, at.index);
    }
    this.recount(route);
  }

  command(route: CoreRoute<Handle>, cmd: 'reset' | 'restart'): void {
    const at = this.sentTo.get(route.id);
    if (at !== undefined) this.port.alive(at)?.send({ t: 'routeCmd', id: route.id, cmd });
  }

  close(route: CoreRoute<Handle>): void {
    this.routes.delete(route.id);
    const at = this.sentTo.get(route.id);
    this.sentTo.delete(route.id);
    if (at !== undefined) this.port.alive(at)?.send({ t: 'routeClose', id: route.id });
    this.recount(route);
  }

  /** A worker's note for a route. */
  onNote(n: RouteNote): void {
    this.routes.get(n.id)?.onNote(n);
  }

  /** The handle was placed on a worker, or lost it: every route it is an end of is sent again. */
  placed(handle: Handle): void {
    for (const r of this.routes.values()) {
      if (r.sink === handle || r.source?.handle === handle) this.update(r);
    }
    this.refreshSource(handle);
  }

  /** The handle is going away: routes into it close (the plugin may never say so). */
  forget(handle: Handle): void {
    for (const r of [...this.routes.values()]) if (r.sink === handle) r.close();
  }

  /** Worker `index` died: nothing of it remains, rings with it are dropped by the others. */
  workerGone(index: number, others: Iterable<MediaWorker>): void {
    for (const [id, at] of this.sentTo) if (at === index) this.sentTo.delete(id);
    for (const key of [...this.peerRings]) {
      const [from, to] = key.split('>').map(Number);
      if (from === index || to === index) this.peerRings.delete(key);
    }
    for (const w of others) if (w.isAlive && w.index !== index) w.send({ t: 'peerGone', peer: index });
    // every fan is computed again (those that named it, or lived in it)
    this.fansSent.clear();
    for (const r of this.routes.values()) this.recount(r);
    for (const h of this.bySource.keys()) this.refreshSource(h);
  }

  get size(): number {
    return this.routes.size;
  }

  /** Account the route in its source's fans; recompute the fans of the sources it left or joined. */
  private recount(route: CoreRoute<Handle>): void {
    const before = this.counted.get(route.id);
    const src = this.routes.has(route.id) ? route.source : undefined;
    const at = this.sentTo.get(route.id);
    if (before && src && before.src === src.handle && before.mindex === src.mindex && before.at === at) return;
    if (before) {
      this.counted.delete(route.id);
      const set = this.bySource.get(before.src);
      set?.delete(route);
      if (set?.size === 0) this.bySource.delete(before.src);
    }
    if (src) {
      this.counted.set(route.id, { src: src.handle, mindex: src.mindex, at });
      let set = this.bySource.get(src.handle);
      if (!set) this.bySource.set(src.handle, (set = new Set()));
      set.add(route);
    }
    if (before) this.refreshSource(before.src);
    if (src && src.handle !== before?.src) this.refreshSource(src.handle);
  }

  /** Which other workers want each m-line of `source`: sent to its worker when that changed. */
  private refreshSource(source: Handle): void {
    const place = this.port.placement(source);
    const worker = place?.worker?.isAlive ? place.worker : undefined;
    if (!place) return;
    const want = new Map<number, Set<number>>();
    if (worker) {
      for (const r of this.bySource.get(source) ?? []) {
        const c = this.counted.get(r.id);
        if (!c) continue;
        let to = want.get(c.mindex);
        if (!to) want.set(c.mindex, (to = new Set()));
        if (c.at !== undefined && c.at !== worker.index) to.add(c.at);
      }
    }
    let sent = this.fansSent.get(place.key);
    if (!sent) this.fansSent.set(place.key, (sent = new Map()));
    for (const [mindex, to] of want) {
      const list = [...to].sort((a, b) => a - b);
      for (const t of list) this.ensureRing(worker!, t);
      const sig = `${worker!.index}|${list.join(',')}`;
      if (sent.get(mindex) === sig) continue;
      sent.set(mindex, sig);
      worker!.send({ t: 'fan', srcKey: place.key, mindex, workers: list });
    }
    for (const [mindex, sig] of [...sent]) {
      if (want.has(mindex)) continue;
      sent.delete(mindex);
      this.port.alive(Number(sig.split('|')[0]))?.send({ t: 'fan', srcKey: place.key, mindex, workers: [] });
    }
    if (sent.size === 0) this.fansSent.delete(place.key);
  }

  private ensureRing(from: MediaWorker, toIndex: number): void {
    const key = `${from.index}>${toIndex}`;
    const to = this.port.alive(toIndex);
    if (this.peerRings.has(key) || !to) return;
    const memory = createRingMemory(PEER_RING_BYTES);
    const { port1, port2 } = new MessageChannel();
    // the reader first: a record written before it listens waits in the ring, its wake-up on the port
    to.sendTransfer({ t: 'peerIn', peer: from.index, memory, port: port2 }, [port2]);
    from.sendTransfer({ t: 'peerOut', peer: toIndex, memory, port: port1 }, [port1]);
    this.peerRings.add(key);
  }
}
