import { injectable } from 'tsyringe';
import type { EventHandler, ModuleInfo, Plugin, Transport } from '../plugin-api';

/** The modules that loaded and initialised, by package name (what `info` lists). */
@injectable()
export class ModuleRegistry {
  readonly transports = new Map<string, Transport>();
  readonly plugins = new Map<string, Plugin>();
  readonly eventHandlers = new Map<string, EventHandler>();

  plugin(pkg: string): Plugin | undefined {
    return this.plugins.get(pkg);
  }

  /** `info` shape: `{ "<package>": {name, author, description, version_string, version} }`. */
  static describe(mods: Iterable<{ info: ModuleInfo }>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const m of mods) {
      out[m.info.package] = {
        name: m.info.name,
        author: m.info.author,
        description: m.info.description,
        version_string: m.info.versionString,
        version: m.info.version,
      };
    }
    return out;
  }
}
