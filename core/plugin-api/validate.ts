/**
 * Request-field validation with Janus's exact texts, for the core and for plugins
 * (plugins pass their own error codes, e.g. VideoRoom's 429/430).
 */
import type { JsonObject } from './messages';
import { isRealLiteral } from './json-parse';

export type ParamType =
  | 'string'
  | 'nonEmptyString'
  | 'integer'
  | 'positiveInteger'
  | 'number'
  | 'boolean'
  | 'object'
  | 'array'
  | 'nonEmptyArray';

export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  readonly required?: boolean;
}

const typeText: Record<ParamType, string> = {
  string: 'a string',
  nonEmptyString: 'a non-empty string',
  integer: 'an integer',
  positiveInteger: 'a positive integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  nonEmptyArray: 'a non-empty array',
};

/** A validation failure: which code (missing or invalid) and Janus's text. */
export interface ValidationFailure {
  readonly code: number;
  readonly reason: string;
}

/** True for a JSON integer (JS has no separate integer type: a number without fraction). */
export function isJsonInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

export function matchesType(v: unknown, type: ParamType): boolean {
  switch (type) {
    case 'string':
      return typeof v === 'string';
    case 'nonEmptyString':
      return typeof v === 'string' && v.length > 0;
    case 'integer':
      return isJsonInteger(v);
    case 'positiveInteger':
      // Janus's "positive" means >= 0
      return isJsonInteger(v) && v >= 0;
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    case 'array':
      return Array.isArray(v);
    case 'nonEmptyArray':
      return Array.isArray(v) && v.length > 0;
  }
}

/**
 * Check `obj` against `params` in order; the first problem wins, as in Janus:
 * `Missing mandatory element (<name>)` or `Invalid element type (<name> should be <type>)`.
 * A JSON `null` counts as present (and of the wrong type), as in Janus.
 */
export function validateParams(
  obj: JsonObject,
  params: readonly ParamSpec[],
  missingCode = 456,
  invalidCode = 467,
  formats: ValidationFormats = plainFormats,
): ValidationFailure | undefined {
  for (const p of params) {
    // own keys only: a spec never names `constructor`, but a request body must not reach the prototype
    const v = Object.hasOwn(obj, p.name) ? obj[p.name] : undefined;
    if (v === undefined) {
      if (p.required) return { code: missingCode, reason: formats.missing(p.name) };
      continue;
    }
    // `1.0` is a real for Janus: not an integer even though its value is integral
    const realAsInt = (p.type === 'integer' || p.type === 'positiveInteger') && isRealLiteral(obj, p.name);
    if (realAsInt || !matchesType(v, p.type)) return { code: invalidCode, reason: formats.invalid(p.name, typeText[p.type]) };
  }
  return undefined;
}

/** How the two texts are worded; Janus uses other wordings for JSEP and trickle checks. */
export interface ValidationFormats {
  missing(name: string): string;
  invalid(name: string, should: string): string;
}

export const plainFormats: ValidationFormats = {
  missing: (n) => `Missing mandatory element (${n})`,
  invalid: (n, t) => `Invalid element type (${n} should be ${t})`,
};

/** A prefix and lower-case first word: `JSEP error: missing mandatory element (sdp)`. */
export function prefixedFormats(prefix: string): ValidationFormats {
  return {
    missing: (n) => `${prefix}missing mandatory element (${n})`,
    invalid: (n, t) => `${prefix}invalid element type (${n} should be ${t})`,
  };
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
