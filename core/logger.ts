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
  /** Colour the level tag of text lines on a terminal stdout (`debug_colors`; never in files or JSON). */
  colors?: boolean;
  /** pino's JSON lines (`log_json`); Janus-style text lines otherwise. */
  json?: boolean;
}

const levelTag: Record<number, string> = { 10: 'TRACE', 20: 'DBG', 25: 'VERB', 30: 'INFO', 40: 'WARN', 50: 'ERR', 60: 'FATAL' };
/** Fields every JSON line names the same way, whatever the module called them. */
const fieldNames: Record<string, string> = { session: 'session_id', handle: 'handle_id' };

/**
 * Turns pino's JSON line into Janus-style text: `[time] [LEVEL] [module] message (key=value ...)`.
 * Runs per log line, never on a packet path.
 */
export function textLine(json: string, timestamps: boolean, colors = false): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { level, time, name, msg, ...rest } = o;
  let line = '';
  if (timestamps && typeof time === 'string') line += `[${time}] `;
  const tag = levelTag[level as number] ?? String(level);
  const color = colors ? levelColor[level as number] : undefined;
  line += color ? `[${color}${tag}\x1b[0m] ` : `[${tag}] `;
  if (name) line += `[${String(name)}] `;
  line += msg === undefined ? '' : String(msg);
  let stack = '';
  const fields = Object.entries(rest).map(([k, v]) => {
    if (k === 'err' && v && typeof v === 'object') {
      // pino's err serializer kept the stack: it follows the line, indented as Node prints it
      const e = v as { message?: string; stack?: string };
      if (typeof e.stack === 'string') stack = e.stack.split('\n').slice(1).filter((l) => l.trim()).map((l) => `\n${l}`).join('');
      return `err=${JSON.stringify(e.message ?? v)}`;
    }
    return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
  });
  if (fields.length) line += ` (${fields.join(' ')})`;
  return `${line}${stack}\n`;
}

/** ANSI colours of the level tags, as Janus's (errors red, warnings yellow, fatal magenta). */
const levelColor: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[35m' };

/** A pino destination seen through `textLine`; the options are read per line, so they change live. */
function asText(
  dest: pino.DestinationStream & { flushSync?: () => void },
  timestamps: () => boolean,
  colors: () => boolean,
): pino.DestinationStream & { flushSync?: () => void } {
  return {
    write: (chunk: string) => dest.write(textLine(chunk, timestamps(), colors())),
    flushSync: () => dest.flushSync?.(),
  };
}

export class Logger {
  private readonly root: pino.Logger<'verb'>;
  private readonly children: pino.Logger<'verb'>[] = [];
  private janusLevel: number;
  private timestamps: boolean;
  private colors: boolean;

  constructor(opts: LoggerOptions) {
    this.janusLevel = clampLevel(opts.level);
    this.timestamps = opts.timestamps;
    this.colors = opts.colors ?? false;
    const streams: pino.StreamEntry[] = [];
    const stamps = () => this.timestamps;
    const wrap = (d: ReturnType<typeof pino.destination>, tty = false) =>
      opts.json ? d : asText(d, stamps, () => tty && this.colors);
    if (opts.stdout || !opts.file) streams.push({ level: 'trace', stream: wrap(pino.destination({ fd: 1, sync: false }), process.stdout.isTTY === true) });
    if (opts.file) {
      // opened here, synchronously: an async open is "not ready" if the process exits first,
      // and a missing folder is better reported at start-up than lost
      fs.mkdirSync(path.dirname(opts.file), { recursive: true });
      const dest = pino.destination({ fd: fs.openSync(opts.file, 'a'), sync: false });
      dest.on('error', (err) => process.stderr.write(`log file ${opts.file}: ${err.message}\n`));
      streams.push({ level: 'trace', stream: wrap(dest) });
    }
    this.root = pino<'verb'>(
      {
        level: janusToPino[this.janusLevel],
        customLevels: { verb: 25 },
        base: undefined,
        // text lines drop the time when timestamps are off; JSON lines always carry one
        timestamp: () => (this.timestamps || !opts.json ? pino.stdTimeFunctions.isoTime() : pino.stdTimeFunctions.epochTime()),
        formatters: opts.json ? { log: renameFields } : undefined,
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

  /** Admin `set_log_timestamps` / `set_log_colors`: take effect from the next line. */
  setFormat(f: { timestamps: boolean; colors: boolean }): void {
    this.timestamps = f.timestamps;
    this.colors = f.colors;
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

function renameFields(o: Record<string, unknown>): Record<string, unknown> {
  let out = o;
  for (const k in fieldNames) {
    if (!(k in o)) continue;
    if (out === o) out = { ...o };
    out[fieldNames[k]] = out[k];
    delete out[k];
  }
  return out;
}

function clampLevel(n: number): number {
  return Number.isInteger(n) ? Math.max(0, Math.min(7, n)) : 4;
}
