import * as fs from 'node:fs';
import * as path from 'node:path';
import { PLUGIN_API_VERSION, type ModuleKind, type ModuleLogger } from '../plugin-api';
import { builtinModules, buildRoot, isDisabled } from './builtins';

/** A module instance of some kind, before its kind is checked. */
interface AnyModule {
  kind: ModuleKind;
  apiVersion?: unknown;
  info: { package: string };
  init(ctx: unknown): unknown;
}

export interface LoadRequest {
  kind: ModuleKind;
  /** `disable` list from janus.jcfg (library names or packages). */
  disabled: readonly string[];
  /** Third-party modules: paths or npm package names (`load = [...]`). */
  extra: readonly string[];
  configsFolder: string;
  log: ModuleLogger;
  /** Builds the `init` context for a module of this package. */
  context(pkg: string): unknown;
  /** Abort start-up when a module fails to load (janus.jcfg `exit_on_dl_error`). */
  exitOnError: boolean;
}

export interface LoadResult<T> {
  loaded: T[];
  /** Modules that declined to start (their own `enabled = false`, or nothing to serve). */
  skipped: string[];
  failed: Array<{ spec: string; error: string }>;
}

/**
 * Load the built-ins of one kind that exist and are not disabled, then the third-party modules
 * named in config. A module's `init` returning `false` means "not enabled": it is not listed.
 */
export async function loadModules<T extends AnyModule>(req: LoadRequest): Promise<LoadResult<T>> {
  const result: LoadResult<T> = { loaded: [], skipped: [], failed: [] };
  const specs: Array<{ spec: string; file: string }> = [];
  for (const b of builtinModules) {
    if (b.kind !== req.kind) continue;
    const file = path.join(buildRoot, b.dir, 'index.js');
    if (!fs.existsSync(file)) continue;
    if (isDisabled(req.disabled, b.package, b.library)) {
      req.log.info({ module: b.package, library: b.library }, 'Disabled by configuration');
      continue;
    }
    specs.push({ spec: b.package, file });
  }
  for (const spec of req.extra) {
    try {
      specs.push({ spec, file: resolveModule(spec, req.configsFolder) });
    } catch (err) {
      fail(req, result, spec, `cannot find module: ${(err as Error).message}`);
    }
  }
  for (const { spec, file } of specs) {
    let mod: T;
    try {
      mod = instantiate<T>(file);
    } catch (err) {
      fail(req, result, spec, (err as Error).message);
      continue;
    }
    if (mod.kind !== req.kind || !mod.info || typeof mod.info.package !== 'string') {
      fail(req, result, spec, `not a ${req.kind} module (kind '${String(mod.kind)}')`);
      continue;
    }
    const pkg = mod.info.package;
    const incompatible = apiMismatch(mod.apiVersion);
    if (incompatible) {
      fail(req, result, spec, `${pkg} ${incompatible}`);
      continue;
    }
    if (isDisabled(req.disabled, pkg)) continue;
    if (result.loaded.some((m) => m.info.package === pkg)) {
      fail(req, result, spec, `package ${pkg} already loaded`);
      continue;
    }
    try {
      const ok = await mod.init(req.context(pkg));
      if (ok === false) {
        result.skipped.push(pkg);
        req.log.info({ module: pkg }, 'Module not enabled, skipped');
        continue;
      }
      result.loaded.push(mod);
      req.log.info({ module: pkg, kind: req.kind }, 'Module loaded');
    } catch (err) {
      fail(req, result, spec, `init failed: ${(err as Error).message}`);
    }
  }
  return result;
}

/** Janus's `get_api_compatibility()` check: a module built for another plugin API is refused. */
function apiMismatch(version: unknown): string | undefined {
  if (version === PLUGIN_API_VERSION) return undefined;
  if (typeof version !== 'number') {
    return `declares no plugin API version (apiVersion = PLUGIN_API_VERSION, from janus-ts/plugin-api): refused, this server implements version ${PLUGIN_API_VERSION}`;
  }
  return `was built for plugin API version ${version}, this server implements version ${PLUGIN_API_VERSION}: refused (rebuild it against this janus-ts/plugin-api)`;
}

function fail(req: LoadRequest, result: LoadResult<unknown>, spec: string, error: string): void {
  result.failed.push({ spec, error });
  req.log.error({ module: spec, kind: req.kind, error }, "Couldn't load a module");
  if (req.exitOnError) throw new Error(`Couldn't load ${req.kind} ${spec}: ${error}`);
}

/** A path (absolute, or relative to the configs folder or the working directory) or an npm package. */
export function resolveModule(spec: string, configsFolder: string): string {
  if (path.isAbsolute(spec)) return require.resolve(spec);
  for (const base of [configsFolder, process.cwd()]) {
    const candidate = path.resolve(base, spec);
    if (fs.existsSync(candidate) || fs.existsSync(candidate + '.js')) return require.resolve(candidate);
  }
  return require.resolve(spec, { paths: [process.cwd(), configsFolder, buildRoot] });
}

/** The module's default export (or the module itself) is a class, or a factory function `create()`. */
function instantiate<T>(file: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = require(file);
  const candidate = exported?.default ?? exported;
  if (typeof candidate === 'function') {
    try {
      return new candidate() as T;
    } catch (err) {
      if (err instanceof TypeError && /not a constructor/.test(err.message)) return candidate() as T;
      throw err;
    }
  }
  if (candidate && typeof candidate.create === 'function') return candidate.create() as T;
  throw new Error(`${file} exports no module class`);
}
