/**
 * Per-leg jitter buffer: packets land in slots by sequence number, decoding starts once
 * `prebuffer` packets are queued, then one packet leaves per 20 ms tick. A gap with later
 * packets waiting is a loss (the caller conceals it); a run of empty ticks re-arms prebuffering.
 * Preallocated: pushing copies into a fixed slot, no allocation per packet.
 */

const CAPACITY = 64;
/** Beyond this many queued packets the leg is too far behind: skip to the newest `prebuffer`. */
const MAX_QUEUE = 40;
/** Empty ticks in a row before we prebuffer again (the sender paused, DTX, or left). */
const UNDERRUN_TICKS = 5;

export const POP_EMPTY = 0;
export const POP_PACKET = 1;
export const POP_LOST = 2;

interface Slot {
  used: boolean;
  seq: number;
  silent: boolean;
  len: number;
  data: Buffer;
}

function seqDiff(a: number, b: number): number {
  return ((a - b) << 16) >> 16;
}

export class JitterBuffer {
  private readonly slots: Slot[] = [];
  private count = 0;
  private expected = -1;
  private prebuffering = true;
  private misses = 0;
  /** The packet `pop` returned (valid until the next push/pop). */
  readonly out: { data: Buffer; silent: boolean } = { data: Buffer.alloc(0), silent: false };
  lost = 0;
  late = 0;

  constructor(public prebuffer: number) {
    for (let i = 0; i < CAPACITY; i++) this.slots.push({ used: false, seq: 0, silent: false, len: 0, data: Buffer.alloc(1500) });
  }

  get queued(): number {
    return this.count;
  }

  get isPrebuffering(): boolean {
    return this.prebuffering;
  }

  clear(): void {
    for (const s of this.slots) s.used = false;
    this.count = 0;
    this.expected = -1;
    this.prebuffering = true;
    this.misses = 0;
  }

  push(seq: number, silent: boolean, payload: Uint8Array): void {
    if (this.expected >= 0 && seqDiff(seq, this.expected) < 0) {
      this.late++;
      return;
    }
    const s = this.slots[seq % CAPACITY];
    if (s.used) {
      if (s.seq === seq) return;
      this.count--;
    }
    s.used = true;
    s.seq = seq;
    s.silent = silent;
    s.len = Math.min(payload.length, s.data.length);
    s.data.set(payload.subarray(0, s.len));
    this.count++;
    if (this.count > MAX_QUEUE) this.skipAhead();
  }

  pop(): number {
    if (this.prebuffering) {
      if (this.count < Math.max(1, this.prebuffer)) return POP_EMPTY;
      this.prebuffering = false;
      this.expected = this.oldest();
    }
    if (this.count === 0) {
      if (++this.misses >= UNDERRUN_TICKS) {
        this.prebuffering = true;
        this.expected = -1;
        return POP_EMPTY;
      }
      // a short hole at the end: conceal it, the next packet may still come
      this.expected = (this.expected + 1) & 0xffff;
      return this.misses <= 2 ? POP_LOST : POP_EMPTY;
    }
    this.misses = 0;
    const s = this.slots[this.expected % CAPACITY];
    if (s.used && s.seq === this.expected) {
      s.used = false;
      this.count--;
      this.expected = (this.expected + 1) & 0xffff;
      this.out.data = s.data.subarray(0, s.len);
      this.out.silent = s.silent;
      return POP_PACKET;
    }
    // a hole with packets after it: conceal; a long hole (sender restarted) jumps ahead
    const oldest = this.oldest();
    if (seqDiff(oldest, this.expected) > 10) {
      this.expected = oldest;
      return this.pop();
    }
    this.lost++;
    this.expected = (this.expected + 1) & 0xffff;
    return POP_LOST;
  }

  private oldest(): number {
    let best = -1;
    for (const s of this.slots) {
      if (s.used && (best < 0 || seqDiff(s.seq, best) < 0)) best = s.seq;
    }
    return best;
  }

  private skipAhead(): void {
    while (this.count > this.prebuffer) {
      const o = this.oldest();
      const s = this.slots[o % CAPACITY];
      s.used = false;
      this.count--;
      this.expected = (o + 1) & 0xffff;
    }
  }
}
