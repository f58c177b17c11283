/**
 * The request JSON parser: as strict as Janus's (jansson), with the same error texts, and safe on
 * any input. It never recurses (an explicit stack, depth bounded at 2048 as jansson), so no
 * payload can overflow the call stack. Beyond plain JSON.parse it rejects what Janus rejects:
 * `\u0000`, lone surrogates, reals that overflow (`1e400`), and integers that cannot be held
 * exactly. Janus holds int64; we hold integers exactly only within ±(2^53−1) and reject the rest
 * with Janus's own "too big integer" (454) rather than round them silently (see untrusted.ts).
 * Reals with an integral value (`1.0`, `1e20`) are remembered, so an integer check on them fails
 * as in Janus (`isRealLiteral`).
 *
 * Errors carry line, column and jansson's text, e.g. `'[' or '{' expected near '"str"'`,
 * `end of file expected near 'xyz'`, `maximum parsing depth reached near '['`.
 */
export type JsonParseResult =
  | { ok: true; value: unknown }
  | { ok: false; line: number; column: number; text: string };

/** jansson's JSON_PARSER_MAX_DEPTH: the root counts as level 1. */
export const JSON_MAX_DEPTH = 2048;

/** Objects and arrays holding an integral-valued real (`1.0`): container → keys. */
const realLiterals = new WeakMap<object, Set<string>>();

/** True when `container[key]` was written as a real (`1.0`, `1e2`), which Janus never takes as an integer. */
export function isRealLiteral(container: unknown, key: string | number): boolean {
  if (typeof container !== 'object' || container === null) return false;
  return realLiterals.get(container)?.has(String(key)) ?? false;
}

export function parseRequestJson(payload: string): JsonParseResult {
  const r = parseAt(payload, 0, false);
  return r.ok ? { ok: true, value: r.value } : r;
}

/**
 * Split a payload holding one or more concatenated JSON values (a WebSocket frame may carry
 * several requests). All parse, or the first failure is returned alone.
 */
export function parseRequestStream(payload: string): { ok: true; values: unknown[] } | Extract<JsonParseResult, { ok: false }> {
  const values: unknown[] = [];
  let i = 0;
  do {
    const r = parseAt(payload, i, true);
    if (!r.ok) return r;
    values.push(r.value);
    i = skipWs(payload, r.end);
  } while (i < payload.length);
  return { ok: true, values };
}

class Stop {
  constructor(
    readonly pos: number,
    readonly token: string,
    readonly text: string,
  ) {}
}

/** A container being filled; `reals` holds the keys of its integral-valued reals, once it has any. */
type Frame =
  | { kind: 'object'; value: Record<string, unknown>; key?: string; reals?: Set<string> }
  | { kind: 'array'; value: unknown[]; reals?: Set<string> };

const WORD = /[A-Za-z0-9_+.\-]+/y;
/** What ends a plain run inside a string: quote, backslash, control character, surrogate. */
const SPECIAL = /["\\\x00-\x1f\ud800-\udfff]/g;

/**
 * Parse one value starting at `start`. With `stream`, text after it is left for the caller
 * (returned as `end`); without, only whitespace may follow.
 */
function parseAt(s: string, start: number, stream: boolean): { ok: true; value: unknown; end: number } | Extract<JsonParseResult, { ok: false }> {
  try {
    let i = skipWs(s, start);
    if (i >= s.length) throw new Stop(i, '', "'[' or '{' expected");
    if (s[i] !== '{' && s[i] !== '[') throw new Stop(i, tokenAt(s, i), "'[' or '{' expected");
    const stack: Frame[] = [];
    let root: unknown;
    // state: expecting a value (after '[' , ',' or ':') or what follows a value / an opening
    for (;;) {
      i = skipWs(s, i);
      // what may come here depends on the frame: read one value, then the separator
      let value: unknown;
      let isReal = false;
      if (i >= s.length) throw new Stop(i, '', 'unexpected token');
      const c = s[i];
      if (c === '{' || c === '[') {
        if (stack.length >= JSON_MAX_DEPTH) throw new Stop(i, c, 'maximum parsing depth reached');
        i++;
        const frame: Frame = c === '{' ? { kind: 'object', value: {} } : { kind: 'array', value: [] };
        attach(stack, frame.value, false);
        if (stack.length === 0) root = frame.value;
        stack.push(frame);
        i = skipWs(s, i);
        if (frame.kind === 'object') {
          if (s[i] !== '}') {
            i = readKey(s, i, frame);
            continue;
          }
          i++;
          stack.pop();
        } else if (s[i] === ']') {
          i++;
          stack.pop();
        } else if (i >= s.length) throw new Stop(i, '', "']' expected");
        else continue;
      } else {
        if (c === '"') {
          i = readString(s, i);
          value = tokString;
        } else if (c === '-' || (c >= '0' && c <= '9')) {
          i = readNumber(s, i);
          value = tokNumber;
          isReal = tokReal && Number.isInteger(tokNumber);
        } else if (isAlpha(s.charCodeAt(i))) {
          let j = i;
          while (j < s.length && isAlpha(s.charCodeAt(j))) j++;
          const word = s.slice(i, j);
          if (word === 'true') value = true;
          else if (word === 'false') value = false;
          else if (word === 'null') value = null;
          else throw new Stop(i, word, 'invalid token');
          i = j;
        } else if (c === '}' || c === ']' || c === ',' || c === ':') throw new Stop(i, c, 'unexpected token');
        else throw new Stop(i, String.fromCodePoint(s.codePointAt(i) ?? 0), 'invalid token');
        attach(stack, value, isReal);
      }
      // after a complete value: close containers or expect a separator
      for (;;) {
        const f = stack[stack.length - 1];
        if (!f) {
          const end = skipWs(s, i);
          if (!stream && end < s.length) throw new Stop(end, tokenAt(s, end), 'end of file expected');
          return { ok: true, value: root, end: i };
        }
        i = skipWs(s, i);
        const d = s[i];
        if (f.kind === 'object') {
          if (d === ',') {
            i = readKey(s, skipWs(s, i + 1), f);
            break;
          }
          if (d === '}') {
            i++;
            stack.pop();
            continue;
          }
          throw new Stop(i, tokenAt(s, i), "'}' expected");
        }
        if (d === ',') {
          i++;
          break;
        }
        if (d === ']') {
          i++;
          stack.pop();
          continue;
        }
        throw new Stop(i, tokenAt(s, i), "']' expected");
      }
    }
  } catch (e) {
    if (e instanceof Stop) return fail(s, e.pos, e.token, e.text);
    throw e;
  }
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

/** A number token as jansson lexes it: integers must fit exactly, reals must be finite. */
/** Results of the last readNumber/readString (module variables: no object per token). */
let tokNumber = 0;
let tokReal = false;
let tokString = '';

function readNumber(s: string, start: number): number {
  let j = start;
  const neg = s.charCodeAt(j) === 0x2d;
  if (neg) j++;
  if (!isDigit(s, j)) throw new Stop(start, s.slice(start, j), 'invalid token');
  let acc = 0;
  const first = j;
  if (s.charCodeAt(j) === 0x30) {
    j++;
    if (isDigit(s, j)) throw new Stop(start, s.slice(start, j), 'invalid token');
  } else {
    while (isDigit(s, j)) acc = acc * 10 + (s.charCodeAt(j++) - 0x30);
  }
  let real = false;
  if (s[j] === '.') {
    j++;
    if (!isDigit(s, j)) throw new Stop(start, s.slice(start, j), 'invalid token');
    while (isDigit(s, j)) j++;
    real = true;
  }
  if (s[j] === 'e' || s[j] === 'E') {
    j++;
    if (s[j] === '+' || s[j] === '-') j++;
    if (!isDigit(s, j)) throw new Stop(start, s.slice(start, j), 'invalid token');
    while (isDigit(s, j)) j++;
    real = true;
  }
  // the common case, a short integer, needs no substring (15 digits are exact in a double)
  tokReal = real;
  if (!real && j - first <= 15) {
    tokNumber = neg && acc !== 0 ? -acc : acc;
    return j;
  }
  const text = s.slice(start, j);
  const value = Number(text);
  if (real) {
    if (!Number.isFinite(value)) throw new Stop(start, text, 'real number overflow');
    tokNumber = value;
    return j;
  }
  if (!Number.isSafeInteger(value)) throw new Stop(start, text, neg ? 'too big negative integer' : 'too big integer');
  tokNumber = value === 0 ? 0 : value;
  return j;
}

/** Put a value into the innermost container (under the pending key for an object). */
function attach(stack: Frame[], value: unknown, isReal: boolean): void {
  const f = stack[stack.length - 1];
  if (!f) return;
  let key: string | number;
  if (f.kind === 'array') {
    key = f.value.length;
    f.value.push(value);
  } else {
    key = f.key!;
    f.key = undefined;
    // an own property even for "__proto__" (as JSON.parse does), never the prototype
    if (key === '__proto__') Object.defineProperty(f.value, key, { value, writable: true, enumerable: true, configurable: true });
    else f.value[key] = value;
  }
  // bookkeeping only for containers that hold a real (rare): no cost per value otherwise
  if (isReal) {
    if (!f.reals) realLiterals.set(f.value, (f.reals = new Set()));
    f.reals.add(String(key));
  } else if (f.reals) f.reals.delete(String(key));
}

/** Read `"key" :` of an object member; returns the index after the colon. */
function readKey(s: string, i: number, frame: Extract<Frame, { kind: 'object' }>): number {
  if (s[i] !== '"') throw new Stop(i, tokenAt(s, i), "string or '}' expected");
  i = skipWs(s, readString(s, i));
  if (s[i] !== ':') throw new Stop(i, tokenAt(s, i), "':' expected");
  frame.key = tokString;
  return i + 1;
}

/** Read a string token at `start` (on its quote), with jansson's checks. */
function readString(s: string, start: number): number {
  let out = '';
  let i = start + 1;
  let run = i;
  for (;;) {
    // jump to the next character that needs a look (the regex engine scans much faster than a loop)
    SPECIAL.lastIndex = i;
    const hit = SPECIAL.exec(s);
    i = hit ? hit.index : s.length;
    if (i >= s.length) throw new Stop(start, s.slice(start, i), 'premature end of input');
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      tokString = out + s.slice(run, i);
      return i + 1;
    }
    if (c < 0x20) throw new Stop(start, s.slice(start, i), `control character 0x${c.toString(16)}`);
    if (c >= 0xd800 && c <= 0xdfff) {
      // a raw surrogate must be a proper pair (a transport may hand us undecodable text)
      const n = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(n >= 0xdc00 && n <= 0xdfff)) throw new Stop(start, s.slice(start, i), `unable to decode byte 0x${c.toString(16)}`);
      i += 2;
      continue;
    }
    if (c !== 0x5c) {
      i++;
      continue;
    }
    out += s.slice(run, i);
    const e = s[i + 1];
    const simple = e === undefined ? undefined : ESCAPES[e];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (e === 'u') {
      const hi = hex4(s, i + 2);
      if (hi < 0) throw new Stop(start, stringToken(s, start), 'invalid escape');
      if (hi === 0) throw new Stop(start, stringToken(s, start), '\\u0000 is not allowed without JSON_ALLOW_NUL');
      i += 6;
      if (hi >= 0xd800 && hi <= 0xdbff) {
        const lo = s[i] === '\\' && s[i + 1] === 'u' ? hex4(s, i + 2) : -1;
        if (lo < 0xdc00 || lo > 0xdfff) {
          const shown = lo >= 0 ? `\\u${hex(hi)}\\u${hex(lo)}` : `\\u${hex(hi)}`;
          throw new Stop(start, stringToken(s, start), `invalid Unicode '${shown}'`);
        }
        out += String.fromCharCode(hi, lo);
        i += 6;
      } else if (hi >= 0xdc00 && hi <= 0xdfff) {
        throw new Stop(start, stringToken(s, start), `invalid Unicode '\\u${hex(hi)}'`);
      } else out += String.fromCharCode(hi);
    } else throw new Stop(start, s.slice(start, i + 2), 'invalid escape');
    run = i;
  }
}

const ESCAPES: Record<string, string | undefined> = Object.assign(Object.create(null) as Record<string, string>, {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
});

function hex4(s: string, i: number): number {
  const t = s.slice(i, i + 4);
  return /^[0-9A-Fa-f]{4}$/.test(t) ? parseInt(t, 16) : -1;
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/** The raw text of the string token at `start` (up to its closing quote), as jansson shows it. */
function stringToken(s: string, start: number): string {
  let j = start + 1;
  while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
  return s.slice(start, Math.min(j + 1, s.length));
}

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

function tokenAt(s: string, i: number): string {
  if (i >= s.length) return '';
  if (s[i] === '"') return stringToken(s, i);
  WORD.lastIndex = i;
  const m = WORD.exec(s);
  return m ? m[0].slice(0, 64) : s[i];
}

function fail(s: string, pos: number, token: string, text: string): Extract<JsonParseResult, { ok: false }> {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < s.length; i++) {
    if (s.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  // a token as jansson quotes it is bounded: never echo kilobytes back
  const shown = token.length > 64 ? token.slice(0, 64) : token;
  return { ok: false, line, column: pos + token.length - lineStart, text: token === '' ? `${text} near end of file` : `${text} near '${shown}'` };
}
