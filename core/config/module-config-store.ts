import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ModuleConfigStore, ModuleLogger, StoredSetting } from '../plugin-api/module';
import { parseJcfgFile, serializeJcfg, type JcfgGroup, type JcfgValue } from './jcfg';

/**
 * A module's own `.jcfg` as a document it can change and save: what Janus plugins do with
 * `janus_config_add`/`janus_config_remove`/`janus_config_save` for `permanent` rooms.
 *
 * As Janus: the document is the file as read at startup (CLI/test overrides are not part of it,
 * so they are never written back), comments are not kept, and the saved file starts with a
 * "File automatically generated" header. Unlike Janus, the save is atomic (temp file + rename),
 * so a crash mid-save never leaves half a file.
 */
export class JcfgModuleStore implements ModuleConfigStore {
  private root: JcfgGroup | undefined;
  readonly available: boolean;

  constructor(readonly file: string, private readonly log?: ModuleLogger) {
    try {
      this.root = fs.existsSync(file) ? parseJcfgFile(file) : undefined;
    } catch (err) {
      // the loader already reported the syntax error; as Janus, nothing is saved over such a file
      this.log?.warn({ err, file }, 'Config file does not parse: changes cannot be saved');
      this.root = undefined;
    }
    this.available = this.root !== undefined;
  }

  categories(): string[] {
    return Object.keys(this.root ?? {}).filter((k) => isGroup(this.root![k]));
  }

  getCategory(name: string): Readonly<Record<string, unknown>> | undefined {
    const k = this.findKey(name);
    return k === undefined ? undefined : (this.root![k] as JcfgGroup);
  }

  setCategory(name: string, settings: Readonly<Record<string, StoredSetting>>): void {
    if (!this.root) return;
    const group: JcfgGroup = {};
    for (const [k, v] of Object.entries(settings)) if (v !== undefined) group[k] = v as JcfgValue;
    this.root[this.findKey(name) ?? name] = group;
  }

  removeCategory(name: string): boolean {
    const k = this.findKey(name);
    if (k === undefined) return false;
    delete this.root![k];
    return true;
  }

  save(): boolean {
    if (!this.root) return false;
    const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${process.pid}.tmp`);
    try {
      const header = `#\n# File automatically generated on ${new Date().toUTCString()}\n#\n\n`;
      fs.writeFileSync(tmp, header + serializeJcfg(this.root));
      fs.renameSync(tmp, this.file);
      return true;
    } catch (err) {
      this.log?.error({ err, file: this.file }, "Couldn't save the configuration file");
      fs.rmSync(tmp, { force: true });
      return false;
    }
  }

  /** Category names are case-insensitive, as every jcfg lookup. */
  private findKey(name: string): string | undefined {
    if (!this.root) return undefined;
    const lower = name.toLowerCase();
    return Object.keys(this.root).find((k) => k.toLowerCase() === lower && isGroup(this.root![k]));
  }
}

function isGroup(v: JcfgValue | undefined): v is JcfgGroup {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
