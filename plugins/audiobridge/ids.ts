/**
 * Room and participant IDs: integers by default, strings with the plugin's `string_ids`.
 * Maps are keyed by the ID's decimal/string form, so both modes share one code path.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { JsonObject, ParamSpec } from '../../core/plugin-api';
import { checkParams } from './errors';

export type AbId = number | string;

export class IdMode {
  constructor(readonly strings: boolean) {}

  /** `positiveInteger` or `string`, as Janus validates `room` / `id`. */
  spec(name: string, required = false): ParamSpec {
    return { name, type: this.strings ? 'string' : 'positiveInteger', required };
  }

  /** Read and type-check an ID field; undefined when absent (0 / "" count as absent, as in Janus). */
  read(body: JsonObject, name: string, required = false): AbId | undefined {
    checkParams(body, [this.spec(name, required)]);
    const v = body[name] as AbId | undefined;
    if (v === undefined || v === 0 || v === '') return undefined;
    return v;
  }

  /** A required ID field: 0 stays 0 (Janus looks it up and answers "No such room (0)"). */
  need(body: JsonObject, name: string): AbId {
    checkParams(body, [this.spec(name, true)]);
    return body[name] as AbId;
  }

  random(): AbId {
    if (this.strings) return randomUUID();
    for (;;) {
      const b = randomBytes(8);
      const id = (b.readUInt32BE(0) & 0x1fffff) * 0x100000000 + b.readUInt32BE(4);
      if (id !== 0) return id;
    }
  }

  fromCategory(s: string): AbId | undefined {
    if (this.strings) return s.length > 0 ? s : undefined;
    if (!/^\d+$/.test(s)) return undefined;
    const n = Number(s);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  }
}

export function randomU32(): number {
  for (;;) {
    const v = randomBytes(4).readUInt32BE(0);
    if (v !== 0) return v;
  }
}
