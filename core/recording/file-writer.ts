import * as fs from 'node:fs';
import * as path from 'node:path';

/** Reusable batch buffers, so steady recording allocates nothing. */
export class ChunkPool {
  private readonly free: Buffer[] = [];
  constructor(
    readonly size: number,
    private readonly keep: number,
  ) {}

  get(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.size);
  }

  put(b: Buffer): void {
    if (b.length === this.size && this.free.length < this.keep) this.free.push(b);
  }
}

interface Pending {
  buf: Buffer;
  len: number;
}

/**
 * Writes one file from a queue of batches, asynchronously (libuv's thread pool), in order, at
 * known offsets. A failed write truncates the file back to the last whole batch, so what is on
 * disk always ends on a frame boundary and stays readable.
 */
export class FileWriter {
  private fd = -1;
  private pos = 0;
  private readonly queue: Pending[] = [];
  private writing = false;
  private opening = true;
  private closeWaiters: Array<() => void> = [];
  private closing = false;
  private finished = false;
  error: string | undefined;
  /** Bytes on disk (whole batches). */
  written = 0;

  constructor(
    /** Path while open (with the temporary extension, if any). */
    private readonly openPath: string,
    /** Path once closed. */
    private readonly finalPath: string,
    private readonly pool: ChunkPool,
    private readonly onError: (reason: string) => void,
    /** A previous recording of the same path still closing: open (and truncate) only after it. */
    after?: Promise<void>,
  ) {
    if (after) void after.then(() => this.open());
    else this.open();
  }

  /** Batches queued and not yet written. */
  get backlog(): number {
    return this.queue.length;
  }

  private open(): void {
    const dir = path.dirname(this.openPath);
    fs.mkdir(dir, { recursive: true }, (mkErr) => {
      if (mkErr) return this.fail(`cannot create folder ${dir}: ${mkErr.message}`);
      fs.stat(dir, (stErr, st) => {
        if (stErr || !st.isDirectory()) return this.fail(`not a folder: ${dir}`);
        fs.open(this.openPath, 'w', 0o644, (err, fd) => {
          this.opening = false;
          if (err) return this.fail(`cannot open ${this.openPath}: ${err.message}`);
          this.fd = fd;
          if (this.error !== undefined || (this.closing && this.queue.length === 0)) return this.finish();
          this.kick();
        });
      });
    });
  }

  /** Queue a batch (the writer owns `buf` from now on and gives it back to the pool). */
  push(buf: Buffer, len: number): void {
    if (this.error !== undefined || len === 0) {
      this.pool.put(buf);
      return;
    }
    this.queue.push({ buf, len });
    this.kick();
  }

  private kick(): void {
    if (this.writing || this.fd < 0 || this.error !== undefined) return;
    const next = this.queue.shift();
    if (!next) {
      if (this.closing) this.finish();
      return;
    }
    this.writing = true;
    this.writeFrom(next, 0);
  }

  private writeFrom(p: Pending, done: number): void {
    fs.write(this.fd, p.buf, done, p.len - done, this.pos + done, (err, n) => {
      if (err || n <= 0) {
        this.writing = false;
        this.pool.put(p.buf);
        // cut a partly written batch off, so the file ends with a whole frame
        fs.ftruncate(this.fd, this.pos, () => this.fail(`write failed: ${err ? err.message : 'nothing written'}`));
        return;
      }
      if (done + n < p.len) return this.writeFrom(p, done + n);
      this.pos += p.len;
      this.written = this.pos;
      this.writing = false;
      this.pool.put(p.buf);
      this.kick();
    });
  }

  private fail(reason: string): void {
    if (this.error !== undefined) return;
    this.error = reason;
    this.opening = false;
    for (const p of this.queue.splice(0)) this.pool.put(p.buf);
    this.onError(reason);
    if (this.closing) this.finish();
  }

  /** Write what is queued, close, and rename to the final path. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.closeWaiters.push(resolve);
      if (this.closing) return;
      this.closing = true;
      if (this.opening) return; // open() finishes once it completes
      if (!this.writing && (this.queue.length === 0 || this.error !== undefined)) this.finish();
    });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    const done = () => {
      const w = this.closeWaiters;
      this.closeWaiters = [];
      for (const r of w) r();
    };
    if (this.fd < 0) return done();
    const fd = this.fd;
    this.fd = -1;
    fs.close(fd, () => {
      if (this.openPath === this.finalPath) return done();
      fs.rename(this.openPath, this.finalPath, () => done());
    });
  }
}
