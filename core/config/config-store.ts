import * as path from 'node:path';
import type { ModuleLogger } from '../plugin-api';
import { ConfigFile } from './config-file';
import type { JcfgGroup, JcfgValue } from './jcfg';

/**
 * Overrides applied on top of files, keyed by file base name (package), then "category.key".
 * This is how the CLI's `--set` and tests change ports without touching the files.
 */
export type ConfigOverrides = Record<string, Record<string, string | number | boolean>>;

/** Finds and loads `<configs_folder>/<package>.jcfg`, with overrides applied. */
export class ConfigStore {
  private readonly cache = new Map<string, ConfigFile>();

  constructor(
    readonly configsFolder: string,
    private readonly overrides: ConfigOverrides = {},
    private readonly log?: ModuleLogger,
    /** Explicit path for the main file (`-C`); defaults to `<folder>/janus.jcfg`. */
    private readonly mainFile?: string,
  ) {}

  /** Load (once) the config of a package; `janus` is the main file. */
  load(pkg: string): ConfigFile {
    const hit = this.cache.get(pkg);
    if (hit) return hit;
    const file = pkg === 'janus' && this.mainFile ? this.mainFile : path.join(this.configsFolder, `${pkg}.jcfg`);
    const cfg = ConfigFile.load(file, this.log);
    applyOverrides(cfg.root, this.overrides[pkg]);
    const result = new ConfigFile(cfg.file, cfg.root, cfg.loaded || !!this.overrides[pkg], this.log);
    this.cache.set(pkg, result);
    return result;
  }
}

function applyOverrides(root: JcfgGroup, o: Record<string, string | number | boolean> | undefined): void {
  if (!o) return;
  for (const [dotted, value] of Object.entries(o)) {
    const dot = dotted.indexOf('.');
    const category = dot < 0 ? 'general' : dotted.slice(0, dot);
    const key = dot < 0 ? dotted : dotted.slice(dot + 1);
    const group = findOrCreate(root, category);
    const existing = Object.keys(group).find((k) => k.toLowerCase() === key.toLowerCase());
    group[existing ?? key] = value as JcfgValue;
  }
}

function findOrCreate(root: JcfgGroup, category: string): JcfgGroup {
  const name = Object.keys(root).find((k) => k.toLowerCase() === category.toLowerCase());
  const v = name === undefined ? undefined : root[name];
  if (v && typeof v === 'object' && !Array.isArray(v)) return v as JcfgGroup;
  const g: JcfgGroup = {};
  root[name ?? category] = g;
  return g;
}
