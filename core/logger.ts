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
export function textLine(json: string, timestamps: boolean): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const { level, time, name, msg, ...rest } = o;
  let line = '';
  if (timestamps && typeof time === 'string') line += `[${time}] `;
  line += `[${levelTag[level as number] ?? String(level)}] `;
  if (name) line += `[${String(name)}] `;
  line += msg === undefined ? '' : String(msg);
  const fields = Object.entries(rest).map(([k, v]) => {
    if (k === 'err' && v && typeof v === 'object') return `err=${JSON.stringify((v as { message?: string }).message ?? v)}`;
    return `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
  });
  if (fields.length) line += ` (${fields.join(' ')})`;
  return `${line}\n`;
}

/** A pino destination seen through `textLine`. */
function asText(dest: pino.DestinationStream & { flushSync?: () => void }, timestamps: boolean): pino.DestinationStream & { flushSync?: () => void } {
  return {
    write: (chunk: string) => dest.write(textLine(chunk, timestamps)),
    flushSync: () => dest.flushSync?.(),
  };
}

export class Logger {
  private readonly root: pino.Logger<'verb'>;
  private readonly children: pino.Logger<'verb'>[] = [];
  private janusLevel: number;

  constructor(opts: LoggerOptions) {
    this.janusLevel = clampLevel(opts.level);
    const streams: pino.StreamEntry[] = [];
    const wrap = (d: ReturnType<typeof pino.destination>) => (opts.json ? d : asText(d, opts.timestamps));
    if (opts.stdout || !opts.file) streams.push({ level: 'trace', stream: wrap(pino.destination({ fd: 1, sync: false })) });
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
        timestamp: opts.timestamps || !opts.json ? pino.stdTimeFunctions.isoTime : pino.stdTimeFunctions.epochTime,
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
