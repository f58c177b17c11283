/** Slices of a period: each wake-up runs one slice, so a period's work is spread, not a burst. */
const SLICES = 10;

/**
 * One timer per thread for the once-a-second work of every PeerConnection (monitor ticks, sender
 * reports). A timer per PeerConnection (werift's sender reports: one per sending stream) woke the
 * event loop hundreds of times a second with a hundred subscribers, each time for a few
 * microseconds of work: most of an idle subscriber's cost was those wake-ups. Tasks are spread
 * over ten slices of the period (one wake-up each), so the work of a second is not one burst.
 */
export class SecondTicker {
  private readonly slices: Array<Set<() => void>> = Array.from({ length: SLICES }, () => new Set());
  private count = 0;
  private next = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly periodMs = 1000) {}

  /** Run `task` once every period from now on; returns its removal. */
  add(task: () => void): () => void {
    let slice = this.slices[0];
    for (const s of this.slices) if (s.size < slice.size) slice = s;
    slice.add(task);
    this.count++;
    if (!this.timer) {
      this.timer = setInterval(() => this.run(), this.periodMs / SLICES);
      this.timer.unref();
    }
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      slice.delete(task);
      if (--this.count === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  private run(): void {
    const slice = this.slices[this.next];
    this.next = (this.next + 1) % SLICES;
    // a task that throws must not stop the others (each is a separate PeerConnection): its
    // exception goes on to the thread's fault policy (core/faults.ts) as a timer's would
    for (const t of slice) {
      try {
        t();
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}

/** This thread's ticker for per-second media work. */
export const everySecond = new SecondTicker();
