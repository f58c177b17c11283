import type { MediaSession } from '../../media-session';
import type { RouteListener, RouteSinkSpec, RouteSource } from '../../plugin-api';
import { CoreRoute, type RouteBackend, type RouteEnd } from './core-route';
import { RouteTable } from './route-table';

/** A handle as in-thread routes need it. */
export interface InThreadEnd extends RouteEnd {
  readonly media: MediaSession;
}

/**
 * Media routes with in-thread media (`media_workers = 0`): the main thread's own route table,
 * keyed by Janus handle id; the packets never leave the thread.
 */
export class InThreadRoutes<H extends InThreadEnd> implements RouteBackend<H> {
  private readonly routes = new Map<number, CoreRoute<H>>();
  /** Handles that are an end of some route, by id. */
  private readonly ends = new Map<number, H>();
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
    this.know(route.sink);
    if (route.source) this.know(route.source.handle);
    this.table.apply(route.state(route.sink.id, route.source?.handle.id ?? 0));
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
    if (!this.ends.has(handle.id)) return;
    this.table.detached(handle.id);
    this.ends.delete(handle.id);
  }

  private know(h: H): void {
    if (this.ends.get(h.id) === h) return;
    this.ends.set(h.id, h);
    this.table.attached(h.id);
  }
}
