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
  /** Fans last sent: "srcKey:mindex" → "worker,worker". */
  private readonly fansSent = new Map<string, string>();
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
    this.refreshFans();
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
    this.refreshFans();
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
    // fans that named it, or were kept by it, are recomputed (and sent again to its successor)
    this.fansSent.clear();
    this.refreshFans();
  }

  get size(): number {
    return this.routes.size;
  }

  /**
   * Which other workers want each placed source m-line, sent to the source's worker when it
   * changed. O(routes) per change: control path only (a join storm of 300 is ~10^5 steps).
   */
  private refreshFans(): void {
    const want = new Map<string, { worker: MediaWorker; srcKey: number; mindex: number; to: Set<number> }>();
    for (const [id, at] of this.sentTo) {
      const r = this.routes.get(id);
      const src = r?.source ? this.port.placement(r.source.handle) : undefined;
      if (!r?.source || !src?.worker?.isAlive) continue;
      const k = `${src.key}:${r.source.mindex}`;
      let f = want.get(k);
      if (!f) want.set(k, (f = { worker: src.worker, srcKey: src.key, mindex: r.source.mindex, to: new Set() }));
      if (at !== src.worker.index) f.to.add(at);
    }
    for (const [k, f] of want) {
      const list = [...f.to].sort((a, b) => a - b);
      for (const to of list) this.ensureRing(f.worker, to);
      const sig = `${f.worker.index}|${list.join(',')}`;
      if (this.fansSent.get(k) === sig) continue;
      this.fansSent.set(k, sig);
      f.worker.send({ t: 'fan', srcKey: f.srcKey, mindex: f.mindex, workers: list });
    }
    for (const k of [...this.fansSent.keys()]) {
      if (want.has(k)) continue;
      const [srcKey, mindex] = k.split(':').map(Number);
      const workerIndex = Number(this.fansSent.get(k)!.split('|')[0]);
      this.fansSent.delete(k);
      this.port.alive(workerIndex)?.send({ t: 'fan', srcKey, mindex, workers: [] });
    }
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
