import * as fs from 'node:fs';
import type { ConfigView, ModuleLogger } from '../plugin-api';
import { JcfgGroup, JcfgValue, parseJcfgFile } from './jcfg';

/**
 * One parsed `.jcfg` file with Janus's lookup rules: names are case-insensitive, every scalar is
 * read back as a string and re-parsed by the caller (`enabled = "yes"`, `= 1`, `= true` all work).
 */
export class ConfigFile implements ConfigView {
  private readonly warned = new Set<string>();

  constructor(
    readonly file: string,
    readonly root: JcfgGroup,
    readonly loaded: boolean,
    private readonly log?: ModuleLogger,
  ) {}

  /** Read `file`; a missing file gives an empty view, a syntax error throws JcfgSyntaxError. */
  static load(file: string, log?: ModuleLogger): ConfigFile {
    if (!fs.existsSync(file)) return new ConfigFile(file, {}, false, log);
    return new ConfigFile(file, parseJcfgFile(file), true, log);
  }

  categories(): string[] {
    return Object.keys(this.root).filter((k) => isGroup(this.root[k]));
  }

  /** The group for a category (null = top level), case-insensitive. */
  group(category: string | null): JcfgGroup | undefined {
    if (category === null) return this.root;
    const v = lookup(this.root, category);
    return isGroup(v) ? v : undefined;
  }

  getRaw(category: string | null, key: string): JcfgValue | undefined {
    const g = this.group(category);
    return g ? lookup(g, key) : undefined;
  }

  getString(category: string | null, key: string): string | undefined {
    const v = this.getRaw(category, key);
    return scalarToString(v);
  }

  getInt(category: string | null, key: string): number | undefined {
    const s = this.getString(category, key);
    if (s === undefined) return undefined;
    const m = /^\s*([+-]?\d+)/.exec(s);
    return m ? parseInt(m[1], 10) : undefined;
  }

  getBool(category: string | null, key: string, def: boolean): boolean {
    const s = this.getString(category, key);
    return s === undefined ? def : isTrue(s);
  }

  getList(category: string | null, key: string): string[] {
    const v = this.getRaw(category, key);
    if (v === undefined) return [];
    if (Array.isArray(v)) return v.map(scalarToString).filter((x): x is string => x !== undefined);
    const s = scalarToString(v);
    return s ? s.split(',').map((x) => x.trim()).filter((x) => x.length > 0) : [];
  }

  warnUnknown(category: string | null, known: readonly string[]): void {
    const g = this.group(category);
    if (!g) return;
    const lower = new Set(known.map((k) => k.toLowerCase()));
    for (const key of Object.keys(g)) {
      if (lower.has(key.toLowerCase())) continue;
      const id = `${category ?? ''}.${key}`;
      if (this.warned.has(id)) continue;
      this.warned.add(id);
      this.log?.warn({ file: this.file, category: category ?? '(top)', key }, 'Unsupported setting ignored');
    }
  }
}

/** Janus's `janus_is_true`. */
export function isTrue(s: string): boolean {
  const v = s.trim().toLowerCase();
  return v === 'yes' || v === 'true' || v === '1';
}

function isGroup(v: JcfgValue | undefined): v is JcfgGroup {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function lookup(g: JcfgGroup, name: string): JcfgValue | undefined {
  if (name in g) return g[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(g)) if (k.toLowerCase() === lower) return g[k];
  return undefined;
}

function scalarToString(v: JcfgValue | undefined): string | undefined {
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return Number.isInteger(v) ? String(v) : v.toFixed(6);
    case 'bigint':
    case 'boolean':
      return String(v);
    default:
      return undefined;
  }
}
