/**
 * A single-producer single-consumer byte ring in a SharedArrayBuffer: how packets cross between
 * the main thread and a media worker without one postMessage per packet.
 *
 * Records are contiguous and 4-byte aligned; each starts with its u32 length. When a record does
 * not fit before the end, a wrap marker sends the reader back to 0. The producer never blocks: a
 * full ring drops the record (counted), as a full socket buffer would. Wake-ups are batched: the
 * consumer flags itself asleep only when it has drained everything, and the producer then sends
 * one wake-up (a message) per turn of its event loop at most.
 */

const WRITE = 0; // producer offset (bytes)
const READ = 1; // consumer offset (bytes)
const SIGNAL = 2; // wake-ups sent (statistics)
const WAITING = 3; // 1 while the consumer sleeps
const CONTROL_INTS = 8;
const CONTROL_BYTES = CONTROL_INTS * 4;
const WRAP = 0xffffffff;

export const RING_MIN_BYTES = 4096;



/** Make the shared memory for one ring of `capacity` data bytes (rounded up to 4). */
export function createRingMemory(capacity: number): SharedArrayBuffer {
  const cap = Math.max(RING_MIN_BYTES, (capacity + 3) & ~3);
  return new SharedArrayBuffer(CONTROL_BYTES + cap);
}

const align = (n: number) => (n + 3) & ~3;

class RingBase {
  protected readonly ctl: Int32Array;
  /** Data region as a Buffer (views only, no copies). */
  readonly data: Buffer;
  protected readonly cap: number;

  constructor(readonly memory: SharedArrayBuffer) {
    this.ctl = new Int32Array(memory, 0, CONTROL_INTS);
    this.cap = memory.byteLength - CONTROL_BYTES;
    this.data = Buffer.from(memory, CONTROL_BYTES, this.cap);
  }

  /** Bytes currently queued (approximate when read from the other side). */
  get used(): number {
    const w = Atomics.load(this.ctl, WRITE);
    const r = Atomics.load(this.ctl, READ);
    return w >= r ? w - r : this.cap - r + w;
  }

  /** Wake-ups the producer sent (a low figure under load means batching works). */
  get wakeups(): number {
    return Atomics.load(this.ctl, SIGNAL);
  }

  get capacity(): number {
    return this.cap;
  }
}

/** The writing side. `wake` tells the consumer's thread to look (e.g. a postMessage). */
export class RingWriter extends RingBase {
  dropped = 0;
  written = 0;
  private notifyPending = false;
  private readonly notify = () => {
    this.notifyPending = false;
    // whoever flips WAITING back owns the wake-up: the consumer (it saw data) or us (we send one)
    if (Atomics.compareExchange(this.ctl, WAITING, 1, 0) === 1) {
      Atomics.add(this.ctl, SIGNAL, 1);
      this.wake();
    }
  };

  /**
   * `immediate`: wake a sleeping consumer at the commit, not at the end of this turn (a producer
   * that writes one record per event and has more work after it: the consumer starts in parallel).
   */
  constructor(
    memory: SharedArrayBuffer,
    private readonly wake: () => void,
    private readonly immediate = false,
  ) {
    super(memory);
  }

  /**
   * Reserve `size` bytes (record header included) and return the offset in `data` where the
   * caller writes the record body (after the 4-byte length), or -1 when the ring is full.
   * `commit` must follow before the next `reserve`.
   */
  reserve(size: number): number {
    const need = align(size + 4);
    if (need + 4 > this.cap) {
      this.dropped++;
      return -1;
    }
    const w = Atomics.load(this.ctl, WRITE);
    const r = Atomics.load(this.ctl, READ);
    if (w >= r) {
      // free: [w, cap) and [0, r); keep one word between writer and reader (full != empty)
      if (this.cap - w >= need + (r === 0 ? 4 : 0)) return w + 4;
      if (r < need + 4) {
        this.dropped++;
        return -1;
      }
      this.data.writeUInt32LE(WRAP, w);
      Atomics.store(this.ctl, WRITE, 0);
      return 4;
    }
    if (r - w - 4 < need) {
      this.dropped++;
      return -1;
    }
    return w + 4;
  }

  /** Publish the record reserved at `bodyOffset` with `size` body bytes. */
  commit(bodyOffset: number, size: number): void {
    const start = bodyOffset - 4;
    this.data.writeUInt32LE(size, start);
    let next = start + align(size + 4);
    if (next >= this.cap) next = 0;
    Atomics.store(this.ctl, WRITE, next);
    this.written++;
    // one wake-up per turn of our event loop at most, and only for a sleeping consumer
    if (!this.notifyPending && Atomics.load(this.ctl, WAITING) === 1) {
      this.notifyPending = true;
      if (this.immediate) this.notify();
      else queueMicrotask(this.notify);
    }
  }

  /** Copy one whole record in (convenience for tests and rare records). */
  push(src: Buffer, length = src.length): boolean {
    const at = this.reserve(length);
    if (at < 0) return false;
    src.copy(this.data, at, 0, length);
    this.commit(at, length);
    return true;
  }
}

/**
 * The reading side. `onRecord(data, offset, length)` sees each record in place, synchronously.
 * After `start`, the owner calls `wake()` whenever the producer's wake-up message arrives.
 * (Atomics.waitAsync would avoid the message, but a worker whose loop is otherwise idle was
 * measured never to see it resolve on Node 20.)
 */
export class RingReader extends RingBase {
  read = 0;
  private onRecord?: (data: Buffer, offset: number, length: number) => void;
  private scheduled = false;
  private stopped = false;
  private batch = 512;

  /** Handle every queued record now; returns how many. */
  drain(onRecord: (data: Buffer, offset: number, length: number) => void, max = Infinity): number {
    let n = 0;
    let r = Atomics.load(this.ctl, READ);
    while (n < max) {
      const w = Atomics.load(this.ctl, WRITE);
      if (r === w) break;
      const len = this.data.readUInt32LE(r);
      if (len === WRAP) {
        r = 0;
        Atomics.store(this.ctl, READ, 0);
        continue;
      }
      try {
        onRecord(this.data, r + 4, len);
      } finally {
        r += align(len + 4);
        if (r >= this.cap) r = 0;
        Atomics.store(this.ctl, READ, r);
      }
      n++;
    }
    this.read += n;
    return n;
  }

  /**
   * Consume on this thread's event loop: drain, yielding to other work after `batch` records so
   * a busy ring cannot starve sockets and timers; sleep (flag WAITING) once empty.
   */
  start(onRecord: (data: Buffer, offset: number, length: number) => void, batch = 512): void {
    this.onRecord = onRecord;
    this.batch = batch;
    this.run();
  }

  /** The producer's wake-up arrived. */
  wake(): void {
    if (!this.scheduled) this.run();
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.stopped || !this.onRecord) return;
    if (this.drain(this.onRecord, this.batch) >= this.batch) {
      this.schedule();
      return;
    }
    Atomics.store(this.ctl, WAITING, 1);
    // a record may have landed between the drain and the flag: look again before sleeping
    if (Atomics.load(this.ctl, WRITE) !== Atomics.load(this.ctl, READ)) {
      // if the producer already took the flag, its wake-up is on the way; else we go on
      if (Atomics.compareExchange(this.ctl, WAITING, 1, 0) === 1) this.schedule();
    }
  };

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  stop(): void {
    this.stopped = true;
  }
}
