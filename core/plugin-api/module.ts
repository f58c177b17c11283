/**
 * What every loadable module (transport, media plugin, event handler) shares:
 * its identity as shown by `info`, and the context it is started with.
 */

/**
 * The version of this plugin API. A module declares the version it was built for (`apiVersion`)
 * and the loader refuses a different one, as Janus does with `get_api_compatibility()`: the
 * interfaces a module was compiled against must be the ones the server calls. Bumped whenever a
 * change to the API would break a module built before it.
 */
export const PLUGIN_API_VERSION = 1;

/** Identity of a module, as listed under `transports`, `plugins` or `events` in `info`. */
export interface ModuleInfo {
  /** Janus package name, e.g. `janus.plugin.echotest`. Used by `attach` and as config file name. */
  readonly package: string;
  readonly name: string;
  readonly author: string;
  readonly description: string;
  readonly version: number;
  readonly versionString: string;
}

/** Read access to one parsed `.jcfg` file, with Janus's lookup rules. */
export interface ConfigView {
  /** Path of the file this view was read from (may not exist: then every lookup is undefined). */
  readonly file: string;
  /** True when the file existed and parsed. */
  readonly loaded: boolean;
  /** Names of the top-level groups (Janus "categories"), in file order. */
  categories(): string[];
  /** Value as Janus sees it: every scalar as a string (numbers in decimal, booleans "true"/"false"). Lookup is case-insensitive. */
  getString(category: string | null, key: string): string | undefined;
  /** Integer (Janus `atoi` semantics for strings); `undefined` when absent or not numeric. */
  getInt(category: string | null, key: string): number | undefined;
  /** Janus's `janus_is_true`: yes/true/1 (any case) are true, anything else false; `def` when absent. */
  getBool(category: string | null, key: string, def: boolean): boolean;
  /** Comma-separated string or array, as a string list; `[]` when absent. */
  getList(category: string | null, key: string): string[];
  /** The raw parsed value (arrays, lists, nested groups) for keys with structure. */
  getRaw(category: string | null, key: string): unknown;
  /** Warn (once per key) about keys in `category` not in `known`: unsupported keys never crash. */
  warnUnknown(category: string | null, known: readonly string[]): void;
}

/** A value a module can store in its config file; Janus's plugins store every scalar as a string ("yes", "16000"). */
export type StoredSetting = string | number | boolean | readonly string[];

/**
 * The module's own `.jcfg` as a document it may change and save, e.g. rooms created or destroyed
 * with `permanent: true`. The document is the file as read at startup (without CLI overrides);
 * `save()` writes the whole document atomically and comments in the file are lost, as in Janus.
 * Modules never read or write config files themselves: this is the supported way.
 */
export interface ModuleConfigStore {
  /** The file the store saves to: `<configs_folder>/<package>.jcfg`. */
  readonly file: string;
  /**
   * False when the file did not exist or did not parse at startup: Janus then refuses
   * `permanent` requests ("No configuration file, ...").
   */
  readonly available: boolean;
  /** Names of the top-level groups (Janus "categories"), in file order. */
  categories(): string[];
  /** A category's settings as parsed (case-insensitive name); undefined when absent. */
  getCategory(name: string): Readonly<Record<string, unknown>> | undefined;
  /** Replace the category's settings (where it is), or add it at the end. No-op when unavailable. */
  setCategory(name: string, settings: Readonly<Record<string, StoredSetting>>): void;
  /** Remove a category; false when there was none. */
  removeCategory(name: string): boolean;
  /** Write the document to `file` (temp file + rename). False (and logged) when it could not. */
  save(): boolean;
}

/** The logger handed to modules (a pino child logger with the module's name). */
export interface ModuleLogger {
  fatal(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
  trace(obj: unknown, msg?: string): void;
}

/** Context common to every module's `init`. */
export interface ModuleContext {
  /** The module's own config file: `<configs_folder>/<package>.jcfg`. */
  readonly config: ConfigView;
  /** The same file as a document the module can change and save (see ModuleConfigStore). */
  readonly configStore: ModuleConfigStore;
  /** The configs folder (Janus `-F`). */
  readonly configsFolder: string;
  readonly logger: ModuleLogger;
  /** `server_name` from janus.jcfg. */
  readonly serverName: string;
}

/** Discriminator shared by the three module kinds, so one loader can take any of them. */
export type ModuleKind = 'transport' | 'plugin' | 'eventhandler';
