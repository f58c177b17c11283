/**
 * Single-producer/single-consumer packet ring in a SharedArrayBuffer: the main thread writes
 * each incoming RTP payload once (no postMessage per packet), the mixer drains it every tick.
 * Fixed-size records keep both sides allocation-free.
 */

/** Record: slot u16, seq u16, ts u32, flags u8, pad u8, len u16, payload. */
const REC_HEADER = 12;
export const MAX_PAYLOAD = 1500 - REC_HEADER;
const REC_SIZE = 1500;
/** Head (write index) and tail (read index) as Int32 at the start. */
const CTRL_BYTES = 8;

export const FLAG_SILENT = 1;

export function createRing(records = 512): SharedArrayBuffer {
  return new SharedArrayBuffer(CTRL_BYTES + records * REC_SIZE);
}

export class RingWriter {
  private readonly ctrl: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly records: number;
  dropped = 0;

  constructor(sab: SharedArrayBuffer) {
    this.ctrl = new Int32Array(sab, 0, 2);
    this.bytes = new Uint8Array(sab);
    this.view = new DataView(sab);
    this.records = Math.floor((sab.byteLength - CTRL_BYTES) / REC_SIZE);
  }

  /** Returns false when the ring is full (the mixer is stalled): the packet is dropped. */
  push(slot: number, seq: number, ts: number, flags: number, src: Uint8Array, off: number, len: number): boolean {
    if (len <= 0 || len > MAX_PAYLOAD) return false;
    const head = Atomics.load(this.ctrl, 0);
    const tail = Atomics.load(this.ctrl, 1);
    if (((head - tail) | 0) >= this.records) {
      this.dropped++;
      return false;
    }
    const at = CTRL_BYTES + ((head >>> 0) % this.records) * REC_SIZE;
    const v = this.view;
    v.setUint16(at, slot);
    v.setUint16(at + 2, seq);
    v.setUint32(at + 4, ts >>> 0);
    v.setUint8(at + 8, flags);
    v.setUint16(at + 10, len);
    this.bytes.set(src.subarray(off, off + len), at + REC_HEADER);
    // publish only once the record is complete
    Atomics.store(this.ctrl, 0, (head + 1) | 0);
    return true;
  }
}

export interface RingRecord {
  slot: number;
  seq: number;
  ts: number;
  flags: number;
  /** Payload, a view into the ring: valid only inside the callback. */
  payload: Uint8Array;
}

export class RingReader {
  private readonly ctrl: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly records: number;
  private readonly rec: RingRecord = { slot: 0, seq: 0, ts: 0, flags: 0, payload: new Uint8Array(0) };

  constructor(sab: SharedArrayBuffer) {
    this.ctrl = new Int32Array(sab, 0, 2);
    this.bytes = new Uint8Array(sab);
    this.view = new DataView(sab);
    this.records = Math.floor((sab.byteLength - CTRL_BYTES) / REC_SIZE);
  }

  drain(fn: (r: RingRecord) => void): number {
    let tail = Atomics.load(this.ctrl, 1);
    const head = Atomics.load(this.ctrl, 0);
    let n = 0;
    while (tail !== head) {
      const at = CTRL_BYTES + ((tail >>> 0) % this.records) * REC_SIZE;
      const r = this.rec;
      r.slot = this.view.getUint16(at);
      r.seq = this.view.getUint16(at + 2);
      r.ts = this.view.getUint32(at + 4);
      r.flags = this.view.getUint8(at + 8);
      const len = this.view.getUint16(at + 10);
      r.payload = this.bytes.subarray(at + REC_HEADER, at + REC_HEADER + len);
      fn(r);
      tail = (tail + 1) | 0;
      n++;
    }
    Atomics.store(this.ctrl, 1, tail);
    return n;
  }
}
