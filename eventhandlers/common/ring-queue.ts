/**
 * A bounded FIFO on a fixed ring: O(1) push and take, no per-push allocation once grown to its
 * cap. When full, the OLDEST entry is pushed out (for telemetry the newest state matters most)
 * and `push` reports it so the caller can count the drop.
 */
export class RingQueue<T> {
  private buf: Array<T | undefined>;
  private head = 0;
  private count = 0;

  constructor(readonly cap: number) {
    if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`queue cap must be a positive integer, got ${cap}`);
    // grow lazily: a handler with a 100k cap but little traffic should not hold 100k slots
    this.buf = new Array<T | undefined>(Math.min(cap, 64));
  }

  get length(): number {
    return this.count;
  }

  /** Append; returns true when an old entry had to be dropped to make room. */
  push(item: T): boolean {
    if (this.count === this.cap) {
      this.buf[(this.head + this.count) % this.buf.length] = item; // overwrite oldest slot (== head)
      this.head = (this.head + 1) % this.buf.length;
      return true;
    }
    if (this.count === this.buf.length) this.grow();
    this.buf[(this.head + this.count) % this.buf.length] = item;
    this.count++;
    return false;
  }

  /** Remove and return up to `max` entries from the front. */
  take(max: number): T[] {
    const n = Math.min(max, this.count);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.buf[this.head] as T;
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) % this.buf.length;
    }
    this.count -= n;
    return out;
  }

  /** Drop everything; returns how many entries were held. */
  clear(): number {
    const n = this.count;
    this.buf = new Array<T | undefined>(Math.min(this.cap, 64));
    this.head = 0;
    this.count = 0;
    return n;
  }

  private grow(): void {
    const size = Math.min(this.cap, this.buf.length * 2);
    const next = new Array<T | undefined>(size);
    for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = next;
    this.head = 0;
  }
}
