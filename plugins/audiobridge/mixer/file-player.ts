/** An announcement (`play_file`): Opus packets from an .opus file, decoded 20 ms per tick into the mix. */
import { LegDecoder } from './codec';

export class FilePlayer {
  private readonly decoder: LegDecoder;
  private readonly fifo: Int16Array;
  private fill = 0;
  private idx = 0;
  private started = false;
  justStarted = false;
  done = false;
  contrib = new Int32Array(0);

  constructor(
    readonly id: string,
    private readonly packets: Uint8Array[],
    private readonly loop: boolean,
    readonly group: number,
    rate: number,
  ) {
    this.decoder = new LegDecoder('opus', rate);
    this.fifo = new Int16Array((rate / 50) * 8);
  }

  /** Next `frame` samples into `out`; 0 when nothing is left. */
  next(out: Int16Array, frame: number): number {
    this.justStarted = !this.started;
    this.started = true;
    const tmp = out;
    while (this.fill < frame) {
      if (this.idx >= this.packets.length) {
        if (!this.loop || this.packets.length === 0) break;
        this.idx = 0;
      }
      const p = this.packets[this.idx++];
      const n = this.decoder.decode(Buffer.from(p.buffer, p.byteOffset, p.byteLength), tmp);
      const room = this.fifo.length - this.fill;
      this.fifo.set(tmp.subarray(0, Math.min(n, room)), this.fill);
      this.fill += Math.min(n, room);
    }
    if (this.fill === 0) {
      this.done = true;
      return 0;
    }
    const n = Math.min(frame, this.fill);
    out.set(this.fifo.subarray(0, n));
    if (n < frame) out.fill(0, n, frame);
    this.fifo.copyWithin(0, n, this.fill);
    this.fill -= n;
    if (this.fill === 0 && this.idx >= this.packets.length && !this.loop) this.done = true;
    return frame;
  }
}
