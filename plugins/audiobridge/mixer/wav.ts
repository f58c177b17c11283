/** WAV (PCM 16-bit) recording of a room's mix; sizes in the header refreshed every 5 s and on close. */
import * as fs from 'node:fs';

const HEADER = 44;
const REFRESH_MS = 5000;

export class WavWriter {
  private fd: number | undefined;
  private data = 0;
  private lastHeader = Date.now();
  private readonly frame: Buffer;

  constructor(
    private readonly path: string,
    private readonly finalPath: string,
    private readonly rate: number,
    private readonly channels: number,
  ) {
    this.frame = Buffer.alloc((rate / 50) * channels * 2);
    try {
      this.fd = fs.openSync(path, 'w');
      fs.writeSync(this.fd, this.header());
    } catch {
      // as Janus: an unwritable path records nothing, the room goes on
      this.fd = undefined;
    }
  }

  get open(): boolean {
    return this.fd !== undefined;
  }

  write(mix: Int32Array): void {
    if (this.fd === undefined) return;
    const b = this.frame;
    for (let i = 0; i < mix.length; i++) {
      const v = mix[i];
      b.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, i * 2);
    }
    try {
      fs.writeSync(this.fd, b);
      this.data += b.length;
      if (Date.now() - this.lastHeader >= REFRESH_MS) this.refreshHeader();
    } catch {
      this.close();
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      this.refreshHeader();
      fs.closeSync(this.fd);
      if (this.finalPath !== this.path) fs.renameSync(this.path, this.finalPath);
    } catch {
      /* nothing more to do: the file is as complete as it can be */
    }
    this.fd = undefined;
  }

  private refreshHeader(): void {
    if (this.fd === undefined) return;
    fs.writeSync(this.fd, this.header(), 0, HEADER, 0);
    this.lastHeader = Date.now();
  }

  private header(): Buffer {
    const h = Buffer.alloc(HEADER);
    h.write('RIFF', 0, 'ascii');
    h.writeUInt32LE(36 + this.data, 4);
    h.write('WAVE', 8, 'ascii');
    h.write('fmt ', 12, 'ascii');
    h.writeUInt32LE(16, 16);
    h.writeUInt16LE(1, 20);
    h.writeUInt16LE(this.channels, 22);
    h.writeUInt32LE(this.rate, 24);
    h.writeUInt32LE(this.rate * 2 * this.channels, 28);
    h.writeUInt16LE(2 * this.channels, 32);
    h.writeUInt16LE(16, 34);
    h.write('data', 36, 'ascii');
    h.writeUInt32LE(this.data, 40);
    return h;
  }
}
