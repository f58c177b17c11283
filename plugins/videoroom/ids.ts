/**
 * Room and participant IDs: integers by default, strings with the plugin's `string_ids`.
 * The same mode applies to every `room`, `id`, `feed` and `publisher_id` field.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { JsonObject, ParamSpec } from '../../core/plugin-api';
import { checkParams } from './errors';

export type VrId = number | string;

export class IdMode {
  constructor(readonly strings: boolean) {}

  /** Param spec for an ID field (`positiveInteger` or `string`), for `checkParams`. */
  spec(name: string, required = false): ParamSpec {
    return { name, type: this.strings ? 'string' : 'positiveInteger', required };
  }

  /** Read and type-check an ID field; undefined when absent (0 / "" count as absent, as in Janus). */
  read(body: JsonObject, name: string, required = false): VrId | undefined {
    checkParams(body, [this.spec(name, required)]);
    const v = body[name] as VrId | undefined;
    if (v === undefined || v === 0 || v === '') return undefined;
    return v;
  }

  /** A fresh random ID: 53-bit integer, or a UUID. */
  random(): VrId {
    if (this.strings) return randomUUID();
    for (;;) {
      const b = randomBytes(8);
      const id = (b.readUInt32BE(0) & 0x1fffff) * 0x100000000 + b.readUInt32BE(4);
      if (id !== 0) return id;
    }
  }

  /** Parse a `room-<id>` category suffix. */
  fromCategory(s: string): VrId | undefined {
    if (this.strings) return s.length > 0 ? s : undefined;
    if (!/^\d+$/.test(s)) return undefined;
    const n = Number(s);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  }
}

/** Random 32-bit private ID, never 0. */
export function randomPrivateId(): number {
  for (;;) {
    const v = randomBytes(4).readUInt32BE(0);
    if (v !== 0) return v;
  }
}
