import type { MediaSession } from '../../media-session';
import type { RouteListener, RouteSinkSpec, RouteSource } from '../../plugin-api';
import { CoreRoute, type RouteBackend, type RouteEnd } from './core-route';
import { RouteTable } from './route-table';

/** A handle as in-thread routes need it. */
export interface InThreadEnd extends RouteEnd {
  readonly media: MediaSession;
}

/**
 * Media routes with in-thread media (`media_workers = 0`): the main thread's own route table;
 * the packets never leave the thread. Keys are small numbers given here (the table's queue
 * records carry 32-bit keys; Janus handle ids are 53-bit).
 */
export class InThreadRoutes<H extends InThreadEnd> implements RouteBackend<H> {
  private readonly routes = new Map<number, CoreRoute<H>>();
  /** Handles that are an end of some route, by key, and their keys. */
  private readonly ends = new Map<number, H>();
  private readonly keys = new Map<H, number>();
  private nextKey = 1;
  private readonly table = new RouteTable({
    session: (key) => this.ends.get(key)?.media,
    note: (n) => this.routes.get(n.id)?.onNote(n),
  });

  constructor(private readonly coreHandleOf: (h: RouteSource['handle']) => H | undefined) {}

  open(sink: H, spec: RouteSinkSpec, listener: RouteListener): CoreRoute<H> {
    const route = new CoreRoute<H>(sink, spec, listener, this);
    this.routes.set(route.id, route);
    return route;
  }

  resolve(handle: RouteSource['handle']): H | undefined {
    const h = this.coreHandleOf(handle);
    return h && !h.detached ? h : undefined;
  }

  update(route: CoreRoute<H>): void {
    const sinkKey = this.know(route.sink);
    const srcKey = route.source ? this.know(route.source.handle) : 0;
    this.table.apply(route.state(sinkKey, srcKey));
  }

  command(route: CoreRoute<H>, cmd: 'reset' | 'restart'): void {
    this.table.command(route.id, cmd);
  }

  close(route: CoreRoute<H>): void {
    this.routes.delete(route.id);
    this.table.close(route.id);
  }

  /** The handle is going away: its routes stop taking or giving media. */
  forget(handle: H): void {
    for (const r of [...this.routes.values()]) if (r.sink === handle) r.close();
    const key = this.keys.get(handle);
    if (key === undefined) return;
    this.table.detached(key);
    this.ends.delete(key);
    this.keys.delete(handle);
  }

  private know(h: H): number {
    let key = this.keys.get(h);
    if (key !== undefined) return key;
    key = this.nextKey++;
    if (this.nextKey > 0xfffffff0) this.nextKey = 1;
    this.keys.set(h, key);
    this.ends.set(key, h);
    this.table.attached(key);
    return key;
  }
}
