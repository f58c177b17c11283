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
