/**
 * Affinity groups of the media workers: handles a plugin gave the same key (a VideoRoom room) go
 * to the worker the group started on while it has room (see WorkerMediaPort.pickWorker).
 */
export class AffinityGroups {
  /** Affinity key → the worker its handles go to, and how many handles hold it. */
  private readonly groups = new Map<string, { index: number; handles: number }>();

  /** The worker index of the group, if it exists. */
  indexOf(affinity: string | undefined): number | undefined {
    return affinity !== undefined ? this.groups.get(affinity)?.index : undefined;
  }

  /** A handle placed on worker `index` joins `affinity`; a group whose worker died moves there. */
  join(affinity: string, index: number, alive: (index: number) => boolean): void {
    const g = this.groups.get(affinity);
    if (!g) this.groups.set(affinity, { index, handles: 1 });
    else {
      g.handles++;
      if (!alive(g.index)) g.index = index;
    }
  }

  leave(affinity: string | undefined): void {
    if (affinity === undefined) return;
    const g = this.groups.get(affinity);
    if (g && --g.handles <= 0) this.groups.delete(affinity);
  }
}

/** How many more handles than the least-loaded worker an affinity group's worker may take... */
const AFFINITY_SLACK = 8;
/**
 * ...or any number while its event loop was busy less than this over the last second: a room kept
 * in one thread costs no copies and wake-ups between workers (measured at N=100 subscribers of one
 * publisher: ~37-40 µs of CPU per delivered packet on one worker against ~43-48 split over two).
 */
const AFFINITY_MAX_UTILIZATION = 0.5;
/**
 * ...up to this many more handles than the least-loaded worker: a room that joined while its
 * publishers were quiet would otherwise all sit on one worker once its media starts.
 */
const AFFINITY_MAX_EXTRA = 64;

/**
 * Does a handle of a group go to the group's worker (else to the least-loaded one)? Never when
 * that worker has no port of its share of `rtp_port_range` left; else while it is not much
 * busier than the least-loaded one, or has headroom and is not far ahead (a hint, not a pin: a
 * big room spreads). `utilization` undefined: no report yet (counts as busy); `portsLeft`
 * undefined: no port range.
 */
export function keepsGroup(grouped: { handles: number; utilization?: number; portsLeft?: number }, least: { handles: number }): boolean {
  if (grouped.portsLeft !== undefined && grouped.portsLeft <= 0) return false;
  if (grouped.handles <= least.handles + AFFINITY_SLACK) return true;
  return (grouped.utilization ?? 1) < AFFINITY_MAX_UTILIZATION && grouped.handles <= least.handles + AFFINITY_MAX_EXTRA;
}
