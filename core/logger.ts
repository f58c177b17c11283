import * as fs from 'node:fs';
import * as path from 'node:path';
import pino from 'pino';
import type { ModuleLogger } from './plugin-api';

/**
 * Janus debug levels (0 none … 7 dbg) on top of pino. Children made through `child` follow live
 * level changes (Admin `set_log_level`), which plain pino children do not.
 */
const janusToPino = ['silent', 'fatal', 'error', 'warn', 'info', 'verb', 'debug', 'trace'] as const;

export interface LoggerOptions {
  level: number;
  /** Log file path (`log_to_file`); stdout when absent. */
  file?: string;
  /** Also (or only) to stdout. */
  stdout: boolean;
  timestamps: boolean;
}

export class Logger {
  private readonly root: pino.Logger<'verb'>;
  private readonly children: pino.Logger<'verb'>[] = [];
  private janusLevel: number;

  constructor(opts: LoggerOptions) {
    this.janusLevel = clampLevel(opts.level);
    const streams: pino.StreamEntry[] = [];
    if (opts.stdout || !opts.file) streams.push({ level: 'trace', stream: pino.destination({ fd: 1, sync: false }) });
    if (opts.file) {
      // opened here, synchronously: an async open is "not ready" if the process exits first,
      // and a missing folder is better reported at start-up than lost
      fs.mkdirSync(path.dirname(opts.file), { recursive: true });
      const dest = pino.destination({ fd: fs.openSync(opts.file, 'a'), sync: false });
      dest.on('error', (err) => process.stderr.write(`log file ${opts.file}: ${err.message}\n`));
      streams.push({ level: 'trace', stream: dest });
    }
    this.root = pino<'verb'>(
      {
        level: janusToPino[this.janusLevel],
        customLevels: { verb: 25 },
        base: undefined,
        timestamp: opts.timestamps ? pino.stdTimeFunctions.isoTime : pino.stdTimeFunctions.epochTime,
      },
      pino.multistream(streams, { levels: { ...pino.levels.values, verb: 25 } }),
    );
  }

  get level(): number {
    return this.janusLevel;
  }

  /** Change the level live, for the root and every child. */
  setLevel(level: number): void {
    this.janusLevel = clampLevel(level);
    const name = janusToPino[this.janusLevel];
    this.root.level = name;
    for (const c of this.children) c.level = name;
  }

  child(name: string): ModuleLogger & { verb(obj: unknown, msg?: string): void } {
    const c = this.root.child({ name });
    this.children.push(c);
    return c as unknown as ModuleLogger & { verb(obj: unknown, msg?: string): void };
  }

  /** Log a line at a Janus level (Admin `custom_logline`). */
  logAt(level: number, line: string): void {
    const name = janusToPino[clampLevel(level)];
    if (name !== 'silent') this.root[name](line);
  }

  flush(): void {
    this.root.flush();
  }
}

function clampLevel(n: number): number {
  return Number.isInteger(n) ? Math.max(0, Math.min(7, n)) : 4;
}
