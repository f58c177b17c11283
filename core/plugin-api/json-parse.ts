/**
 * Parse a request payload the way Janus's JSON library reports problems: the top level must be
 * an object or array, and errors carry line, column and a short text such as
 * `'[' or '{' expected near '"str"'` or `end of file expected near 'xyz'`.
 */
export type JsonParseResult =
  | { ok: true; value: unknown }
  | { ok: false; line: number; column: number; text: string };

export function parseRequestJson(payload: string): JsonParseResult {
  const first = skipWs(payload, 0);
  if (first >= payload.length) return fail(payload, first, "'[' or '{' expected near end of file");
  const c = payload[first];
  if (c !== '{' && c !== '[') return fail(payload, first + tokenAt(payload, first).length, `'[' or '{' expected near '${tokenAt(payload, first)}'`);
  try {
    return { ok: true, value: JSON.parse(payload) };
  } catch (err) {
    return describe(payload, err as Error);
  }
}

function describe(payload: string, _err: Error): JsonParseResult {
  const e = locate(payload);
  const tok = e.pos >= payload.length ? '' : tokenAt(payload, e.pos);
  return fail(payload, e.pos + tok.length, `${e.expected} near '${tok}'`);
}

/** Find the first syntax error of a payload JSON.parse rejected, and what was expected there. */
function locate(s: string): { pos: number; expected: string } {
  let i = 0;
  class Stop {
    constructor(readonly pos: number, readonly expected: string) {}
  }
  const ws = () => (i = skipWs(s, i));
  const value = (): void => {
    ws();
    const c = s[i];
    if (c === '{') {
      i++;
      ws();
      if (s[i] === '}') return void i++;
      for (;;) {
        ws();
        if (s[i] !== '"') throw new Stop(i, "string or '}' expected");
        string();
        ws();
        if (s[i] !== ':') throw new Stop(i, "':' expected");
        i++;
        value();
        ws();
        if (s[i] === ',') { i++; continue; }
        if (s[i] === '}') return void i++;
        throw new Stop(i, "',' or '}' expected");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (s[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (s[i] === ',') { i++; continue; }
        if (s[i] === ']') return void i++;
        throw new Stop(i, "',' or ']' expected");
      }
    }
    if (c === '"') return string();
    const m = /^(-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?|true|false|null)/.exec(s.slice(i, i + 64));
    if (!m) throw new Stop(i, i >= s.length ? 'unexpected end of input' : 'invalid token');
    i += m[0].length;
  };
  const string = (): void => {
    const start = i++;
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\') i++;
      else if (s.charCodeAt(i) < 0x20) throw new Stop(start, 'control character in string');
      i++;
    }
    if (i >= s.length) throw new Stop(start, 'premature end of input');
    i++;
  };
  try {
    value();
    ws();
    return { pos: i, expected: 'end of file expected' };
  } catch (e) {
    if (e instanceof Stop) return { pos: e.pos, expected: e.expected };
    throw e;
  }
}

/** End index of the first complete JSON value, if the text starts with one. */
function completeValueEnd(s: string): number | undefined {
  let depth = 0;
  let inStr = false;
  for (let i = skipWs(s, 0); i < s.length; i++) {
    const ch = s[i];
    if (inStr) {
      if (ch === '\\') i++;
      else if (ch === '"') inStr = false;
      continue;
    }
    if (ch === '"') inStr = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) {
        try {
          JSON.parse(s.slice(0, i + 1));
          return i + 1;
        } catch {
          return undefined;
        }
      }
    }
  }
  return undefined;
}

function skipWs(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  return i;
}

function tokenAt(s: string, i: number): string {
  if (i >= s.length) return '';
  if (s[i] === '"') {
    let j = i + 1;
    while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
    return s.slice(i, Math.min(j + 1, s.length));
  }
  const m = /^[A-Za-z0-9_+.\-]+/.exec(s.slice(i, i + 64));
  return m ? m[0] : s[i];
}

function fail(s: string, pos: number, text: string): JsonParseResult {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < pos && i < s.length; i++) {
    if (s[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  const tail = text.endsWith("near ''") ? text.replace("near ''", 'near end of file') : text;
  return { ok: false, line, column: pos - lineStart, text: tail };
}

/**
 * Split a payload holding one or more concatenated JSON values (a WebSocket frame may carry
 * several requests). All parse, or the first failure is returned alone.
 */
export function parseRequestStream(payload: string): { ok: true; values: unknown[] } | Extract<JsonParseResult, { ok: false }> {
  const values: unknown[] = [];
  let i = skipWs(payload, 0);
  if (i >= payload.length) {
    const r = parseRequestJson(payload);
    return r.ok ? { ok: true, values: [r.value] } : r;
  }
  while (i < payload.length) {
    const rest = payload.slice(i);
    const end = completeValueEnd(rest);
    const r = parseRequestJson(end === undefined ? rest : rest.slice(0, end));
    if (!r.ok) return r;
    values.push(r.value);
    if (end === undefined) break;
    i = skipWs(payload, i + end);
  }
  return { ok: true, values };
}
