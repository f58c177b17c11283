/**
 * One policy for values a client chooses (request verbs, room ids, tokens, path segments,
 * numbers): parse strictly, bound, reject with a Janus error — never index a plain object with
 * them, never trust their range.
 *
 * - Keys: a client-chosen string is looked up only among a table's OWN keys (`ownValue`), or in a
 *   Map. `constructor`, `__proto__`, `toString`, `hasOwnProperty` are then just unknown names.
 * - Integers: the parser (json-parse.ts) keeps integers exact within ±(2^53−1) and rejects larger
 *   ones with 454 "too big integer" (Janus holds int64; rounding 9007199254740993 to …992 would
 *   address the wrong session). Reals with an integral value (`1.0`, `1e20`) are not integers
 *   (Janus: 467), see `isIntegerAt`.
 * - Path ids: read like C's strtoull (`parsePathId`), which is what Janus does.
 * - Numbers with a meaning (counts, sizes, timeouts): clamp or reject with `boundedInt`.
 */
import { isRealLiteral } from './json-parse';

/** `table[key]` only when `key` is a string naming an own property of `table`. */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** True when `key` is a string naming an own property of `table`. */
export function hasOwnKey(table: object, key: unknown): key is string {
  return typeof key === 'string' && Object.hasOwn(table, key);
}

/**
 * True when `obj[key]` is a JSON integer as Janus sees one: a number without fraction that was
 * not written as a real (`1.0`, `1e2` are reals in jansson, so they fail integer checks).
 */
export function isIntegerAt(obj: unknown, key: string): boolean {
  if (typeof obj !== 'object' || obj === null) return false;
  const v = (obj as Record<string, unknown>)[key];
  return typeof v === 'number' && Number.isInteger(v) && !isRealLiteral(obj, key);
}

/** The largest unsigned 64-bit value as a signed one: what strtoull gives on overflow. */
const ULLONG_MAX_SIGNED = -1;

/**
 * A session or handle id from a URL path segment, as Janus reads it with strtoull: leading
 * whitespace, an optional sign, then the leading digits (anything after is ignored); no digits is
 * 0; a minus sign wraps (`-1` is 2^64−1, kept as -1 here, printed unsigned by the core); overflow
 * saturates at 2^64−1. Values we cannot hold exactly (beyond 2^53−1) can name no session of ours,
 * so they become 2^64−1 too.
 */
export function parsePathId(segment: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d+)/.exec(segment);
  if (!m) return 0;
  const digits = m[2].replace(/^0+(?=\d)/, '');
  if (digits.length > 16) return ULLONG_MAX_SIGNED;
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) return ULLONG_MAX_SIGNED;
  return m[1] === '-' ? (n === 0 ? 0 : -n) : n;
}

/**
 * An integer parameter from an untrusted source (query string, header, JSON), bounded: missing or
 * unparsable gives `def`; outside [min, max] is clamped.
 */
export function boundedInt(v: unknown, min: number, max: number, def: number): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) n = Number(v);
  else return def;
  if (!Number.isFinite(n)) return def;
  n = Math.trunc(n);
  return n < min ? min : n > max ? max : n;
}
