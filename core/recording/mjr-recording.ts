import type { MjrKind, Recording, RecordingInfo } from '../plugin-api/recorder';
import { ChunkPool, FileWriter } from './file-writer';
import { RtpSwitchingContext } from '../plugin-api/rtp';

/** Bytes of a frame header: "MEET", u32 relative ms, u16 length. */
const FRAME_HEADER = 10;
/** Janus's post-processor skips longer packets; we never write them. */
const MAX_PACKET = 1500;

/** Monotonic and wall clocks (µs) with sub-ms resolution and no allocation. */
const wallMicros = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

export interface MjrRecordingSetup {
  /** Final path of the file (`.mjr`). */
  file: string;
  /** Path while writing (`.mjr.<ext>` with `recordings_tmp_ext`). */
  openPath: string;
  kind: MjrKind;
  codec: string;
  /** The info header without `s`/`u`, as an ordered list of [key, JSON text]. */
  headerFields: Array<[string, string]>;
  /** Fixed SSRC to write (simulcast senders), or undefined to keep the sender's. */
  ssrc?: number;
  /** Most batches waiting for the disk before packets are dropped. */
  maxBacklog: number;
  pool: ChunkPool;
  onFailure(rec: MjrRecording, reason: string): void;
  onDrop(rec: MjrRecording, dropped: number): void;
  onClosed(rec: MjrRecording): void;
  /** Resolves when an earlier recording of the same file has closed. */
  after?: Promise<void>;
}

/**
 * One `.mjr` file being written: frames are appended to a batch buffer on the caller's thread
 * (a copy and a few header writes), and batches go to the disk asynchronously.
 */
export class MjrRecording implements Recording {
  readonly file: string;
  readonly kind: MjrKind;
  readonly codec: string;
  private readonly writer: FileWriter;
  /** Janus's recorder rebasing (rtp.c): seq 1 / ts 0 first, continuous across SSRC changes and pauses. */
  private readonly ctx = new RtpSwitchingContext({ rebase: true });
  private readonly video: boolean;
  private readonly created = wallMicros();
  private chunk: Buffer | undefined;
  private used = 0;
  private headerDone = false;
  /** performance.now() (ms) of the first frame. */
  private started = 0;
  private paused = false;
  private closing = false;
  private closed = false;
  private closePromise?: Promise<void>;
  packets = 0;
  bytes = 0;
  dropped = 0;
  /** Drops already reported to the log. */
  droppedLogged = 0;

  constructor(private readonly setup: MjrRecordingSetup) {
    this.file = setup.file;
    this.kind = setup.kind;
    this.codec = setup.codec;
    this.video = setup.kind === 'video';
    this.writer = new FileWriter(setup.openPath, setup.file, setup.pool, (reason) => setup.onFailure(this, reason), setup.after);
    // the magic goes first, as Janus writes it when it creates the file
    const c = this.take(8);
    if (c) {
      c.write('MJR00002', 0, 'latin1');
      this.used = 8;
    }
  }

  get error(): string | undefined {
    return this.writer.error;
  }

  /** Room for `need` bytes in the current batch, or undefined when the backlog is full (drop). */
  private take(need: number): Buffer | undefined {
    const c = this.chunk;
    if (c && this.used + need <= c.length) return c;
    if (c) {
      if (this.writer.backlog >= this.setup.maxBacklog) return undefined;
      this.writer.push(c, this.used);
      this.chunk = undefined;
    }
    const n = this.setup.pool.get();
    this.chunk = n;
    this.used = 0;
    return n;
  }

  /** Hand the batch being filled to the writer (periodic flush, close). */
  flush(): void {
    if (this.chunk && this.used > 0) {
      this.writer.push(this.chunk, this.used);
      this.chunk = undefined;
      this.used = 0;
    }
  }

  get hasUnflushed(): boolean {
    return this.used > 0;
  }

  private writeInfoHeader(): boolean {
    let json = '{';
    for (const [k, v] of this.setup.headerFields) if (k !== 'or' && k !== 'e') json += `"${k}": ${v}, `;
    json += `"s": ${this.created}, "u": ${wallMicros()}`;
    for (const [k, v] of this.setup.headerFields) if (k === 'or' || k === 'e') json += `, "${k}": ${v}`;
    json += '}';
    const text = Buffer.from(json, 'utf8');
    const c = this.take(2 + text.length);
    if (!c) return false;
    c.writeUInt16BE(text.length, this.used);
    text.copy(c, this.used + 2);
    this.used += 2 + text.length;
    this.headerDone = true;
    this.started = performance.now();
    return true;
  }

  private acceptable(length: number): boolean {
    if (this.closing || this.paused || this.writer.error !== undefined) return false;
    if (length < 1 || length > MAX_PACKET) return false;
    return this.headerDone || this.writeInfoHeader() || this.drop();
  }

  private drop(): false {
    this.dropped++;
    this.setup.onDrop(this, this.dropped);
    return false;
  }

  saveRtp(buffer: Buffer, length: number): void {
    if (this.kind === 'data' || length < 12 || !this.acceptable(length)) return;
    const now = performance.now();
    const c = this.take(FRAME_HEADER + length);
    if (!c) return void this.drop();
    const o = this.used;
    c[o] = 0x4d; // M
    c[o + 1] = 0x45; // E
    c[o + 2] = 0x45; // E
    c[o + 3] = 0x54; // T
    c.writeUInt32BE(now > this.started ? Math.floor(now - this.started) >>> 0 : 0, o + 4);
    c.writeUInt16BE(length, o + 8);
    buffer.copy(c, o + FRAME_HEADER, 0, length);
    if (this.setup.ssrc !== undefined) c.writeUInt32BE(this.setup.ssrc, o + FRAME_HEADER + 8);
    this.ctx.update(c, recordingClockKhz(c, o + FRAME_HEADER, this.video), Math.floor(now * 1000), o + FRAME_HEADER);
    this.used = o + FRAME_HEADER + length;
    this.packets++;
    this.bytes += length;
  }

  saveData(buffer: Buffer, length: number): void {
    if (this.kind !== 'data' || length + 8 > MAX_PACKET + 8 || !this.acceptable(length)) return;
    const now = performance.now();
    const c = this.take(FRAME_HEADER + 8 + length);
    if (!c) return void this.drop();
    const o = this.used;
    c.write('MEET', o, 'latin1');
    c.writeUInt32BE(now > this.started ? Math.floor(now - this.started) >>> 0 : 0, o + 4);
    c.writeUInt16BE(length + 8, o + 8);
    c.writeBigUInt64BE(BigInt(wallMicros()), o + FRAME_HEADER);
    buffer.copy(c, o + FRAME_HEADER + 8, 0, length);
    this.used = o + FRAME_HEADER + 8 + length;
    this.packets++;
    this.bytes += length;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.ctx.reset(Math.floor(performance.now() * 1000));
  }

  close(): Promise<void> {
    if (this.closePromise) return this.closePromise;
    this.closing = true;
    this.flush();
    this.closePromise = this.writer.close().then(() => {
      this.closed = true;
      this.setup.onClosed(this);
    });
    return this.closePromise;
  }

  info(): RecordingInfo {
    const state: RecordingInfo['state'] =
      this.writer.error !== undefined ? 'failed' : this.closed ? 'closed' : this.closing ? 'closing' : this.paused ? 'paused' : this.headerDone ? 'recording' : 'opening';
    const out: RecordingInfo = { file: this.file, kind: this.kind, codec: this.codec, state, packets: this.packets, bytes: this.bytes, dropped: this.dropped };
    if (this.writer.error !== undefined) out.error = this.writer.error;
    return out;
  }
}

/** The clock Janus's recorder assumes for a timestamp gap: 90 kHz video, 8 kHz PCMU/PCMA/G.722 (PT 0, 8, 9), else 48 kHz. */
function recordingClockKhz(buf: Buffer, off: number, video: boolean): number {
  if (video) return 90;
  const pt = buf[off + 1] & 0x7f;
  return pt === 0 || pt === 8 || pt === 9 ? 8 : 48;
}
