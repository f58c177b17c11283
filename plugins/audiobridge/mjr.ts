/**
 * Per-participant .mjr recording (Janus recorder format, version 2), written by the plugin
 * itself: the plugin API has no recorder yet. Audio only, packets as received.
 */
import * as fs from 'node:fs';

export class MjrWriter {
  private fd?: number;
  private first = 0;
  private created = Date.now() * 1000;
  private readonly head = Buffer.alloc(10);
  readonly filename: string;

  constructor(file: string, private readonly codec: string, private readonly extmap?: { id: number; uri: string }) {
    this.filename = file;
    try {
      this.fd = fs.openSync(file, 'w');
      fs.writeSync(this.fd, Buffer.from('MJR00002', 'ascii'));
    } catch {
      this.fd = undefined;
    }
  }

  save(buf: Buffer, len: number): void {
    if (this.fd === undefined || len < 12) return;
    const now = performance.now();
    try {
      if (this.first === 0) {
        this.first = now;
        const info: Record<string, unknown> = { t: 'a', c: this.codec };
        if (this.extmap) info.x = { [String(this.extmap.id)]: this.extmap.uri };
        info.s = this.created;
        info.u = Date.now() * 1000;
        const json = Buffer.from(JSON.stringify(info), 'utf8');
        const l = Buffer.alloc(2);
        l.writeUInt16BE(json.length, 0);
        fs.writeSync(this.fd, l);
        fs.writeSync(this.fd, json);
      }
      const h = this.head;
      h.write('MEET', 0, 'ascii');
      h.writeUInt32BE(Math.floor(now - this.first) >>> 0, 4);
      h.writeUInt16BE(len, 8);
      fs.writeSync(this.fd, h);
      fs.writeSync(this.fd, buf, 0, len);
    } catch {
      this.close();
    }
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* nothing to do */
    }
    this.fd = undefined;
  }
}
