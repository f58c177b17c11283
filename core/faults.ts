import * as path from 'node:path';
import { inject, injectable } from 'tsyringe';
import { Logger } from './logger';
import { JanusError } from './plugin-api';

/** What Admin `get_status` reports per module under `module_failures`. */
export interface ModuleFailures {
  count: number;
  last_error: string;
  last_where: string;
  /** Unix time, seconds. */
  last_at: number;
}

/**
 * Fault containment: a bug in one module (a throw in a plugin timer, a rejected promise nobody
 * awaited, a failing callback) is logged with its stack, counted against the module it came
 * from, and the server keeps serving. The counts are in Admin `get_status` (`module_failures`).
 * See docs/plugins.md ("Faults").
 */
@injectable()
export class Faults {
  private readonly log;
  private readonly byModule = new Map<string, ModuleFailures>();

  constructor(@inject(Logger) logger: Logger) {
    this.log = logger.child('faults');
  }

  /** Count and log one failure of `module` (a package name, or `core`). */
  record(module: string, where: string, err: unknown): void {
    const e = err instanceof Error ? err : new Error(describe(err));
    let f = this.byModule.get(module);
    if (!f) this.byModule.set(module, (f = { count: 0, last_error: '', last_where: '', last_at: 0 }));
    f.count++;
    f.last_error = e.message.slice(0, 300);
    f.last_where = where;
    f.last_at = Math.floor(Date.now() / 1000);
    this.log.error({ err: e, module, where, failures: f.count }, 'Contained a failure, still serving');
  }

  /**
   * Run a module callback whose result the caller awaits: a throw or rejection reaches the caller
   * (who answers the client) and is also recorded, unless it is a JanusError (a deliberate
   * refusal, e.g. a plugin declining an attach).
   */
  call<T>(module: string, where: string, fn: () => T): T {
    let out: T;
    try {
      out = fn();
    } catch (err) {
      if (!(err instanceof JanusError)) this.record(module, where, err);
      throw err;
    }
    if (out && typeof (out as unknown as PromiseLike<unknown>).then === 'function') {
      (out as unknown as Promise<unknown>).then(undefined, (err: unknown) => {
        if (!(err instanceof JanusError)) this.record(module, where, err);
      });
    }
    return out;
  }

  /** Like `call`, but a throw is only recorded: for callbacks whose failure the caller ignores. */
  callQuietly(module: string, where: string, fn: () => unknown): void {
    try {
      this.watch(module, where, fn());
    } catch (err) {
      this.record(module, where, err);
    }
  }

  /** Record the rejection of a promise nobody else may await. */
  watch(module: string, where: string, value: unknown): void {
    if (value && typeof (value as PromiseLike<unknown>).then === 'function') {
      (value as Promise<unknown>).then(undefined, (err: unknown) => this.record(module, where, err));
    }
  }

  snapshot(): Record<string, ModuleFailures> {
    const out: Record<string, ModuleFailures> = {};
    for (const [m, f] of this.byModule) out[m] = { ...f };
    return out;
  }

  total(): number {
    let n = 0;
    for (const f of this.byModule.values()) n += f.count;
    return n;
  }
}

function describe(v: unknown): string {
  try {
    return typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

const MODULE_DIRS = ['plugins', 'transports', 'eventhandlers'];

/**
 * The module a failure came from, read off its stack: the first frame in a `plugins/<x>`,
 * `transports/<x>` or `eventhandlers/<x>` folder gives `<folder>/<x>`; a module loaded from
 * elsewhere (`load = ...` in janus.jcfg) by its file name; otherwise `core`.
 */
export function moduleOfError(err: unknown, extraModules: ReadonlyMap<string, string> = new Map()): string {
  const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : '';
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?((?:[A-Za-z]:)?[^():]+\.[cm]?js):\d+:\d+\)?\s*$/.exec(line.trim());
    if (!m) continue;
    const file = m[1];
    for (const [prefix, pkg] of extraModules) if (file.startsWith(prefix)) return pkg;
    if (file.includes(`${path.sep}node_modules${path.sep}`)) continue;
    const parts = file.split(path.sep);
    for (let i = parts.length - 2; i >= 0; i--) {
      if (MODULE_DIRS.includes(parts[i]) && i + 1 < parts.length - 1) return `${parts[i]}/${parts[i + 1]}`;
    }
  }
  return 'core';
}

let installed: ((kind: string, err: unknown) => void) | undefined;

/**
 * The process-level policy (installed by the command-line entry point, once): an unhandled
 * rejection or an uncaught exception is logged with its stack and counted against its module;
 * the process keeps serving instead of exiting. `sink` gets each one (the running server's
 * `Faults`, through `moduleOfError`).
 */
export function installProcessFaultPolicy(sink: (kind: string, err: unknown) => void): void {
  const first = installed === undefined;
  installed = sink;
  if (!first) return;
  process.on('unhandledRejection', (reason) => installed?.('unhandledRejection', reason));
  process.on('uncaughtException', (err) => installed?.('uncaughtException', err));
}
