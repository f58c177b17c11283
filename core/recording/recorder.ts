import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { inject, injectable } from 'tsyringe';
import { Settings } from '../config/settings';
import { Logger } from '../logger';
import { JanusError } from '../plugin-api/errors';
import { mjrKindOf, type RecordingOptions } from '../plugin-api/recorder';
import { ChunkPool } from './file-writer';
import { MjrRecording } from './mjr-recording';

/** Batch size: about 60 video packets; one asynchronous write each. */
const CHUNK_BYTES = 64 * 1024;
/** Batches a file may have waiting for the disk (4 MB) before its packets are dropped. */
const MAX_BACKLOG = 64;
/** Partly filled batches go to the disk this often (at most a second of media is only in memory). */
const FLUSH_MS = 1000;

/** What the owner of a recording hears about it (the core binds these to the handle). */
export interface RecordingHooks {
  failed?(rec: MjrRecording, reason: string): void;
  closed?(rec: MjrRecording): void;
}

/**
 * The core's recorder: makes `.mjr` recordings for plugins, flushes their batches periodically,
 * applies `recordings_tmp_ext` and `protected_folders`, and logs failures and drops.
 */
@injectable()
export class Recorder {
  /** janus.jcfg `recordings_tmp_ext`: write `<name>.mjr.<ext>` and rename on close. */
  tmpExt: string | undefined;
  private readonly pool = new ChunkPool(CHUNK_BYTES, 512);
  private readonly active = new Set<MjrRecording>();
  /** Recordings by path, until closed: a new recording of the same file waits for the old one. */
  private readonly byPath = new Map<string, MjrRecording>();
  private timer?: NodeJS.Timeout;
  private readonly log;
  /** Totals over every recording (benchmarks, diagnostics). */
  readonly stats = { created: 0, failed: 0, dropped: 0 };

  constructor(
    @inject(Settings) private readonly settings: Settings,
    @inject(Logger) logger: Logger,
  ) {
    this.log = logger.child('recorder');
  }

  /**
   * Open a recording. Throws a JanusError for what Janus refuses up front (unknown codec, protected
   * folder); folder and file problems surface asynchronously through `hooks.failed`.
   */
  create(opts: RecordingOptions, hooks: RecordingHooks = {}): MjrRecording {
    const kind = mjrKindOf(opts.codec ?? '');
    if (!kind) throw new JanusError(490, `Unsupported codec '${opts.codec}'`);
    let dir = opts.dir;
    let base = opts.filename;
    if (base !== undefined && dir === undefined) {
      dir = path.dirname(base);
      base = path.basename(base);
    }
    if (base === undefined) base = `janus-recording-${crypto.randomBytes(4).readUInt32BE(0)}`;
    // as Janus ("<dir>/<filename>"): a filename with folders stays inside dir, even an absolute one
    const file = path.resolve(path.join(dir ?? '.', `${base}.mjr`));
    if (this.isProtected(file)) throw new JanusError(490, `Target recording path '${file}' is in protected folder`);
    const openPath = this.tmpExt ? `${file}.${this.tmpExt}` : file;

    const fields: Array<[string, string]> = [
      ['t', JSON.stringify(kind[0])],
      ['c', JSON.stringify(opts.codec.toLowerCase())],
    ];
    if (opts.fmtp) fields.push(['f', JSON.stringify(opts.fmtp)]);
    if (opts.description) fields.push(['d', JSON.stringify(opts.description)]);
    const exts = (opts.extensions ?? []).filter((e) => e.id > 0 && e.id < 16 && e.uri).sort((a, b) => a.id - b.id);
    if (exts.length > 0) fields.push(['x', `{${exts.map((e) => `"${e.id}": ${JSON.stringify(e.uri)}`).join(', ')}}`]);
    if (kind === 'audio' && opts.opusRedPt && opts.opusRedPt > 0) fields.push(['or', String(opts.opusRedPt)]);
    if (opts.encrypted) fields.push(['e', 'true']);

    // the same file again (e.g. record:false then record:true at once): let the old one finish first
    const previous = this.byPath.get(openPath);
    const rec: MjrRecording = new MjrRecording({
      ...(previous ? { after: previous.close().catch(() => undefined) } : {}),
      file,
      openPath,
      kind,
      codec: opts.codec.toLowerCase(),
      headerFields: fields,
      ssrc: opts.ssrc === undefined ? undefined : opts.ssrc >>> 0,
      maxBacklog: MAX_BACKLOG,
      pool: this.pool,
      onFailure: (r, reason) => {
        this.stats.failed++;
        this.log.error({ file: r.file, reason }, 'Recording failed');
        this.active.delete(r);
        hooks.failed?.(r, reason);
      },
      onDrop: (r, dropped) => {
        this.stats.dropped++;
        // a slow disk: say so, without a log line per packet
        if (dropped === 1 || dropped - r.droppedLogged >= 1000) {
          this.log.warn({ file: r.file, dropped }, 'Recording is dropping packets: the disk does not keep up');
          r.droppedLogged = dropped;
        }
      },
      onClosed: (r) => {
        this.active.delete(r);
        if (this.byPath.get(openPath) === r) this.byPath.delete(openPath);
        this.log.info({ file: r.file, packets: r.packets, bytes: r.bytes, dropped: r.dropped }, 'Closed recording');
        hooks.closed?.(r);
      },
    });
    this.stats.created++;
    this.active.add(rec);
    this.byPath.set(openPath, rec);
    this.log.info({ file, codec: rec.codec }, 'Recording started');
    this.startTimer();
    return rec;
  }

  private startTimer(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.active.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
        return;
      }
      for (const r of this.active) if (r.hasUnflushed) r.flush();
    }, FLUSH_MS);
    this.timer.unref();
  }

  private isProtected(file: string): boolean {
    for (const p of this.settings.protectedFolders) {
      const folder = path.resolve(p);
      if (file === folder || file.startsWith(folder.endsWith(path.sep) ? folder : folder + path.sep)) return true;
    }
    return false;
  }

  /** Close every open recording (server stop). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.active].map((r) => r.close()));
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
