import type { MessagePort } from 'node:worker_threads';
import type { MediaSession } from '../media-session';
import type { RouteNote } from '../media/routes/route-sink';
import { RouteTable, type RemoteRouteOut } from '../media/routes/route-table';
import { RecordReader, RELAY_MAX_AGE_MS, writeRtp } from './media-record';
import { RingReader, RingWriter } from './packet-ring';
import type { RouteCounts, RouteMessage } from './protocol';

/** Records of a ring from another worker handled per event-loop turn (one: see route-table.ts LOCAL_BATCH). */
const PEER_RING_BATCH = 1;

/**
 * A media worker's routes: its route table, and the rings to and from the other workers. A
 * source served here copies each packet once into the ring of every other worker that has
 * sinks of it; that worker's own table does the rest. The main thread is not on the path.
 */
export class WorkerRoutes {
  readonly table: RouteTable;
  /** Rings to other workers, by their index. */
  private readonly outs = new Map<number, { ring: RingWriter; port: MessagePort; out: RemoteRouteOut }>();
  private readonly ins = new Map<number, { ring: RingReader; port: MessagePort }>();
  private readonly reader: RecordReader;

  constructor(session: (key: number) => MediaSession | undefined, note: (n: RouteNote) => void, fault: (what: string, err: unknown) => void) {
    this.table = new RouteTable({ session, note });
    const table = this.table;
    this.reader = new RecordReader({
      rtp: (key, p) => {
        try {
          table.fromRemote(key, p);
        } catch (err) {
          fault('route', err);
        }
      },
      rtcp: () => undefined,
      data: () => undefined,
      event: () => undefined,
    }, RELAY_MAX_AGE_MS);
  }

  /** Control from the main thread (never per packet). */
  onMessage(m: RouteMessage): void {
    switch (m.t) {
      case 'route':
        this.table.apply(m.state);
        break;
      case 'routeCmd':
        this.table.command(m.id, m.cmd);
        break;
      case 'routeClose':
        this.table.close(m.id);
        break;
      case 'fan': {
        const outs = m.workers.map((w) => this.outs.get(w)?.out).filter((o): o is RemoteRouteOut => o !== undefined);
        this.table.setRemotes(m.srcKey, m.mindex, outs);
        break;
      }
      case 'peerOut': {
        this.dropOut(m.peer);
        const port = m.port;
        // woken at once: the other worker relays to its sinks while this one does its own
        const ring = new RingWriter(m.memory, () => port.postMessage(0), true);
        const out: RemoteRouteOut = { relay: (srcKey, p) => void writeRtp(ring, srcKey, p) };
        this.outs.set(m.peer, { ring, port, out });
        port.unref();
        break;
      }
      case 'peerIn': {
        this.dropIn(m.peer);
        const ring = new RingReader(m.memory);
        m.port.on('message', () => ring.wake());
        m.port.unref();
        // one record per turn: each is a packet for every local sink of its source (a hundred
        // sends), and timers, sockets and control must get their turn in between
        ring.start(this.reader.onRecord, PEER_RING_BATCH);
        this.ins.set(m.peer, { ring, port: m.port });
        break;
      }
      case 'peerGone':
        this.dropOut(m.peer);
        this.dropIn(m.peer);
        break;
    }
  }

  /** For Admin `loop_health`. */
  counts(): RouteCounts {
    let ringDrops = 0;
    for (const o of this.outs.values()) ringDrops += o.ring.dropped;
    return { sinks: this.table.size, fans: this.table.fanCount, ringDrops: ringDrops + this.reader.stale + this.table.localDrops };
  }

  private dropOut(peer: number): void {
    const o = this.outs.get(peer);
    if (!o) return;
    this.outs.delete(peer);
    this.table.dropRemote(o.out);
    o.port.close();
  }

  private dropIn(peer: number): void {
    const i = this.ins.get(peer);
    if (!i) return;
    this.ins.delete(peer);
    i.ring.stop();
    i.port.close();
  }
}
