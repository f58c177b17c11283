/**
 * Reader and writer for Janus `.jcfg` files (libconfig syntax), written from libconfig's documented
 * grammar and differentially checked against the behaviour of the libconfig 1.5 that Debian's
 * Janus links (test/jcfg-*.spec.ts); no libconfig or Janus code was used.
 *
 * Deliberate differences from libconfig 1.5, all in the direction of "more correct":
 *  - integers keep their exact value (libconfig silently truncates `5000000000` and `0xFFFFFFFF`
 *    to 32 bits unless they carry an `L` suffix); values outside int64 are rejected;
 *  - `\xNN` escapes are bytes, and the string is decoded as UTF-8 (invalid sequences → U+FFFD);
 *  - a lone `.` is not accepted as the float 0.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type JcfgScalar = string | number | bigint | boolean;
/** Arrays `[..]` and lists `(..)` both become JS arrays. */
export type JcfgValue = JcfgScalar | JcfgValue[] | JcfgGroup;
/** Setting names always start with a letter or `*`, so plain objects keep insertion order. */
export interface JcfgGroup { [name: string]: JcfgValue }

export class JcfgSyntaxError extends Error {
  /** The message without the `file:line:column: ` prefix. */
  readonly reason: string;
  constructor(readonly file: string, readonly line: number, readonly column: number, reason: string) {
    super(`${file}:${line}:${column}: ${reason}`);
    this.name = 'JcfgSyntaxError';
    this.reason = reason;
  }
}

type Kind = 'name' | 'string' | 'int' | 'float' | 'bool' | 'punct' | 'include' | 'bad' | 'eof';
interface Token {
  kind: Kind;
  text: string;          // source text (punctuation char, name, include path, ...)
  value?: JcfgScalar;
  int64?: boolean;       // `L` suffix: libconfig treats int and int64 as different array element types
  file: string; line: number; col: number;
}

const NAME_RE = /[A-Za-z*][-A-Za-z0-9_*]*/y;
const HEX_RE = /0[xX]([0-9A-Fa-f]+)(LL?)?/y;
// A mantissa needs at least one digit; an exponent needs digits (so `1e` lexes as `1` then `e`).
const FLOAT_RE = /[-+]?(?:(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|[0-9]+[eE][-+]?[0-9]+)/y;
const INT_RE = /([-+]?[0-9]+)(LL?)?/y;
const INCLUDE_RE = /@include[ \t]+"([^"\n]*)"/y;
const PUNCT = '=:;,{}[]()';
const MAX_INCLUDE_DEPTH = 10;   // same limit as libconfig
const INT64_MIN = -(1n << 63n), INT64_MAX = (1n << 63n) - 1n;

/** Safe integers stay numbers so that the common case is easy for consumers. */
function intValue(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** Tokenizer for one file; included files get their own Lexer (see TokenStream). */
class Lexer {
  private pos = 0; private line = 1; private lineStart = 0;
  constructor(private readonly src: string, readonly file: string, readonly realPath: string | null) {}

  private fail(msg: string, line = this.line, col = this.pos - this.lineStart + 1): never {
    throw new JcfgSyntaxError(this.file, line, col, msg);
  }

  /** Moves to `end`, keeping line bookkeeping right across multi-line comments and strings. */
  private advanceTo(end: number): void {
    for (let i = this.src.indexOf('\n', this.pos); i !== -1 && i < end; i = this.src.indexOf('\n', i + 1)) {
      this.line++; this.lineStart = i + 1;
    }
    this.pos = end;
  }

  private skipBlanks(): void {
    const s = this.src;
    for (;;) {
      const c = s[this.pos];
      if (c === '\n') { this.pos++; this.line++; this.lineStart = this.pos; }
      else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') this.pos++;
      else if (c === '#' || (c === '/' && s[this.pos + 1] === '/')) {
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl === -1 ? s.length : nl;
      } else if (c === '/' && s[this.pos + 1] === '*') {
        const end = s.indexOf('*/', this.pos + 2);
        if (end === -1) this.fail("unterminated comment (missing '*/')");
        this.advanceTo(end + 2);
      } else return;
    }
  }

  next(): Token {
    this.skipBlanks();
    const s = this.src, start = this.pos, c = s[start];
    const tok = (kind: Kind, text: string, value?: JcfgScalar): Token =>
      ({ kind, text, value, file: this.file, line: this.line, col: start - this.lineStart + 1 });
    if (c === undefined) return tok('eof', '');
    if (PUNCT.includes(c)) { this.pos++; return tok('punct', c); }
    if (c === '"') return this.string();
    if (s.startsWith('@include', start)) {
      // libconfig only recognises the directive at the start of a line; it is spliced in at token level.
      if (!/^[ \t]*$/.test(s.slice(this.lineStart, start))) this.fail('@include must be at the start of a line');
      INCLUDE_RE.lastIndex = start;
      const m = INCLUDE_RE.exec(s);
      if (!m) this.fail('malformed @include directive, expected @include "file"');
      this.pos = INCLUDE_RE.lastIndex;
      return tok('include', m[1]);
    }
    const sticky = (re: RegExp): RegExpExecArray | null => {
      re.lastIndex = start;
      const m = re.exec(s);
      if (m) this.pos = re.lastIndex;
      return m;
    };
    let m: RegExpExecArray | null;
    if ((m = sticky(NAME_RE))) {
      // Flex-style rule priority: `true`/`false` are always booleans, never names.
      const low = m[0].toLowerCase();
      return low === 'true' || low === 'false' ? tok('bool', m[0], low === 'true') : tok('name', m[0]);
    }
    if ((m = sticky(HEX_RE))) {
      let n = BigInt('0x' + m[1]);
      if (n >= 1n << 64n) this.fail(`hexadecimal integer ${m[0]} does not fit in 64 bits`, this.line, start - this.lineStart + 1);
      if (m[2]) n = BigInt.asIntN(64, n);   // an `L` hex literal is a two's-complement int64 bit pattern
      return { ...tok('int', m[0], intValue(n)), int64: !!m[2] };
    }
    if ((m = sticky(FLOAT_RE))) return tok('float', m[0], Number(m[0]));
    if ((m = sticky(INT_RE))) {
      const n = BigInt(m[1]);
      if (n < INT64_MIN || n > INT64_MAX) this.fail(`integer ${m[0]} is outside the 64-bit range`, this.line, start - this.lineStart + 1);
      return { ...tok('int', m[0], intValue(n)), int64: !!m[2] };
    }
    // Anything else (typically an unquoted path like /etc/ssl/x.pem): grab the whole word so the
    // parser can quote it back in a useful message.
    const end = s.slice(start).search(/[\s;,=:{}[\]()"#]/);
    this.pos = end === -1 ? s.length : start + Math.max(end, 1);
    return tok('bad', s.slice(start, this.pos));
  }

  private string(): Token {
    const s = this.src, line = this.line, col = this.pos - this.lineStart + 1;
    const parts: (string | number)[] = [];   // numbers are raw bytes from \xNN
    let i = this.pos + 1, chunk = i;
    for (;;) {
      const c = s[i];
      if (c === undefined) this.fail("unterminated string (missing closing '\"')", line, col);
      if (c === '"') break;
      if (c !== '\\') { i++; continue; }
      const e = s[i + 1];
      const simple = e === '\\' ? '\\' : e === '"' ? '"' : e === 'n' ? '\n' : e === 'r' ? '\r'
        : e === 't' ? '\t' : e === 'f' ? '\f' : undefined;
      if (simple !== undefined) { parts.push(s.slice(chunk, i), simple); i += 2; chunk = i; }
      else if (e === 'x' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 2, i + 4))) {
        parts.push(s.slice(chunk, i), parseInt(s.slice(i + 2, i + 4), 16)); i += 4; chunk = i;
      } else i++;   // unknown escape: libconfig keeps the backslash literally
    }
    parts.push(s.slice(chunk, i));
    const text = s.slice(this.pos, i + 1);
    this.advanceTo(i + 1);
    const value = parts.some((p) => typeof p === 'number')
      ? Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : Buffer.from(p, 'utf8')))).toString('utf8')
      : parts.join('');
    return { kind: 'string', text, value, file: this.file, line, col };
  }
}

function realPathOf(p: string): string {
  try { return fs.realpathSync(p); } catch { return path.resolve(p); }
}

/** One-token lookahead over a stack of lexers, so `@include` splices tokens like libconfig does. */
class TokenStream {
  private readonly stack: Lexer[];
  private ahead: Token | null = null;
  constructor(text: string, file: string | undefined) {
    this.stack = [new Lexer(text, file ?? '<input>', file !== undefined ? realPathOf(file) : null)];
  }
  peek(): Token { return (this.ahead ??= this.pull()); }
  next(): Token { const t = this.peek(); this.ahead = null; return t; }

  private pull(): Token {
    for (;;) {
      const t = this.stack[this.stack.length - 1].next();
      if (t.kind === 'include') this.include(t);
      else if (t.kind === 'eof' && this.stack.length > 1) this.stack.pop();
      else return t;
    }
  }

  private include(t: Token): void {
    const fail = (msg: string): never => { throw new JcfgSyntaxError(t.file, t.line, t.col, msg); };
    if (this.stack.length > MAX_INCLUDE_DEPTH) fail(`include file nesting too deep (more than ${MAX_INCLUDE_DEPTH} levels)`);
    // Janus sets no include dir, so libconfig resolves against the CWD; trying the including
    // file's directory first makes config folders relocatable without breaking that.
    const cur = this.stack[this.stack.length - 1];
    const candidates = path.isAbsolute(t.text) ? [t.text]
      : cur.realPath !== null ? [path.join(path.dirname(cur.file), t.text), t.text] : [t.text];
    const found = candidates.find((c) => { try { return fs.statSync(c).isFile(); } catch { return false; } });
    if (found === undefined) return fail(`cannot open include file "${t.text}"`);
    const real = realPathOf(found);
    if (this.stack.some((l) => l.realPath === real)) {
      fail(`include cycle: ${[...this.stack.map((l) => l.file), found].join(' -> ')}`);
    }
    this.stack.push(new Lexer(fs.readFileSync(found, 'utf8').replace(/^\uFEFF/, ''), found, real));
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of file';
    case 'string': return `string ${t.text.length > 40 ? t.text.slice(0, 37) + '..."' : t.text}`;
    case 'int': case 'float': return `number ${t.text}`;
    case 'bool': return `boolean ${t.text}`;
    default: return `'${t.text}'`;
  }
}

const isPunct = (t: Token, p: string): boolean => t.kind === 'punct' && t.text === p;
const scalarKind = (t: Token): string =>
  t.kind === 'int' ? (t.int64 ? '64-bit integer' : 'integer') : t.kind === 'bool' ? 'boolean' : t.kind;

class Parser {
  constructor(private readonly ts: TokenStream) {}

  private fail(t: Token, msg: string): never { throw new JcfgSyntaxError(t.file, t.line, t.col, msg); }

  /** Settings until `}` (inside a group opened by `open`) or end of input (top level). */
  settings(group: JcfgGroup, open: Token | null, groupName: string): void {
    const seen = new Map<string, Token>();
    for (;;) {
      const t = this.ts.peek();
      if (open ? isPunct(t, '}') : t.kind === 'eof') return;
      if (t.kind === 'eof') this.fail(t, `missing '}' to close the group of ${groupName} opened at line ${open!.line}`);
      if (t.kind !== 'name') {
        this.fail(t, `expected a setting name${open ? " or '}'" : ''}, found ${describe(t)}`);
      }
      this.ts.next();
      const first = seen.get(t.text);
      if (first) this.fail(t, `duplicate setting name '${t.text}' (first defined at ${first.file}:${first.line})`);
      seen.set(t.text, t);
      const sep = this.ts.next();
      if (!isPunct(sep, '=') && !isPunct(sep, ':')) this.fail(sep, `expected '=' or ':' after setting name '${t.text}'`);
      group[t.text] = this.value(`setting '${t.text}'`);
      const term = this.ts.peek();
      if (isPunct(term, ';') || isPunct(term, ',')) this.ts.next();
    }
  }

  private value(ctx: string): JcfgValue {
    const t = this.ts.next();
    switch (t.kind) {
      case 'string': case 'int': case 'float': case 'bool': return this.scalar(t);
      case 'name': this.fail(t, `unquoted string '${t.text}' as value of ${ctx}; strings must be in double quotes`);
      case 'bad': this.fail(t, `invalid value '${t.text}' for ${ctx}; strings (e.g. paths) must be in double quotes`);
      case 'eof': this.fail(t, `expected a value for ${ctx}, found end of file`);
    }
    if (isPunct(t, '{')) {
      const g: JcfgGroup = {};
      this.settings(g, t, ctx);
      this.ts.next();
      return g;
    }
    if (isPunct(t, '[') || isPunct(t, '(')) return this.sequence(t, ctx);
    return this.fail(t, `expected a value for ${ctx}, found ${describe(t)}`);
  }

  private scalar(t: Token): JcfgScalar {
    if (t.kind !== 'string') return t.value!;
    // Adjacent literals concatenate; this is a grammar rule, so comments may sit in between.
    let s = t.value as string;
    while (this.ts.peek().kind === 'string') s += this.ts.next().value as string;
    return s;
  }

  /** `[ scalars of one type ]` or `( any values )`; neither allows a trailing comma. */
  private sequence(open: Token, ctx: string): JcfgValue[] {
    const isArray = open.text === '[', close = isArray ? ']' : ')', what = isArray ? 'array' : 'list';
    const out: JcfgValue[] = [];
    let firstKind: string | null = null;
    if (isPunct(this.ts.peek(), close)) { this.ts.next(); return out; }
    for (;;) {
      const e = this.ts.peek();
      if (isArray) {
        if (e.kind === 'punct' && '{[('.includes(e.text)) {
          this.fail(e, `arrays may only hold scalar values (in ${ctx}); use a list '( ... )' for groups, arrays or lists`);
        }
        if (['string', 'int', 'float', 'bool'].includes(e.kind)) {
          const k = scalarKind(e);
          if (firstKind === null) firstKind = k;
          else if (k !== firstKind) this.fail(e, `mismatched element type in array (${ctx}): ${k} after ${firstKind} elements; use a list '( ... )' for mixed types`);
        }
      }
      out.push(this.value(`${what} element in ${ctx}`));
      const sep = this.ts.next();
      if (isPunct(sep, close)) return out;
      if (sep.kind === 'eof') this.fail(sep, `missing '${close}' to close ${what} in ${ctx} opened at line ${open.line}`);
      if (!isPunct(sep, ',')) this.fail(sep, `expected ',' or '${close}' in ${what} (${ctx}), found ${describe(sep)}`);
      if (isPunct(this.ts.peek(), close)) this.fail(sep, `trailing comma before '${close}' is not allowed in ${what} (${ctx})`);
    }
  }
}

/** Parses jcfg text; `file` labels error messages and anchors relative `@include`s. */
export function parseJcfg(text: string, file?: string): JcfgGroup {
  const root: JcfgGroup = {};
  new Parser(new TokenStream(text.replace(/^\uFEFF/, ''), file)).settings(root, null, '');
  return root;
}

export function parseJcfgFile(file: string): JcfgGroup {
  return parseJcfg(fs.readFileSync(file, 'utf8'), file);
}

// ---------------------------------------------------------------------------------------------
// Writer

const isGroup = (v: unknown): v is JcfgGroup => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown): v is JcfgScalar => ['string', 'number', 'bigint', 'boolean'].includes(typeof v);
const INT32_MIN = -(2 ** 31), INT32_MAX = 2 ** 31 - 1;

/** The libconfig element type a scalar will be written as (arrays must be homogeneous). */
function writtenKind(v: JcfgScalar): string {
  if (typeof v === 'bigint') return v >= INT32_MIN && v <= INT32_MAX ? 'int' : 'int64';
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || Object.is(v, -0)) return 'float';
    return v >= INT32_MIN && v <= INT32_MAX ? 'int' : 'int64';
  }
  return typeof v;
}

const ESCAPES: Record<string, string> = { '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f' };

function writeScalar(v: JcfgScalar): string {
  if (typeof v === 'string') {
    return '"' + v.replace(/[\\"\x00-\x1f]/g, (c) => ESCAPES[c] ?? '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')) + '"';
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`jcfg: integer ${v} does not fit in 64 bits`);
    return writtenKind(v) === 'int' ? String(v) : `${v}L`;
  }
  if (Number.isNaN(v)) throw new RangeError('jcfg: NaN cannot be written');
  if (!Number.isFinite(v)) return v > 0 ? '1e999' : '-1e999';   // overflows back to ±Infinity
  if (Object.is(v, -0)) return '-0.0';
  if (Number.isInteger(v)) {
    // Unsafe integers would re-parse as bigint, so keep them floats; libconfig truncates
    // unsuffixed integers to 32 bits, so larger ones get `L`.
    if (!Number.isSafeInteger(v)) return v.toExponential();
    return writtenKind(v) === 'int' ? String(v) : `${v}L`;
  }
  return String(v);   // always contains '.' or 'e', so it re-parses as a float
}

function writeValue(v: JcfgValue, depth: number): string {
  const pad = '\t'.repeat(depth);
  if (Array.isArray(v)) {
    if (v.every(isScalar) && new Set(v.map(writtenKind)).size <= 1) return `[ ${v.map(writeScalar).join(', ')}${v.length ? ' ' : ''}]`;
    return `(\n${v.map((e) => pad + '\t' + writeValue(e, depth + 1)).join(',\n')}\n${pad})`;
  }
  if (isGroup(v)) return `{\n${writeSettings(v, depth + 1)}${pad}}`;
  if (isScalar(v)) return writeScalar(v);
  throw new TypeError(`jcfg: cannot write value of type ${v === null ? 'null' : typeof v}`);
}

function writeSettings(g: JcfgGroup, depth: number): string {
  let out = '';
  for (const [name, v] of Object.entries(g)) {
    if (!/^[A-Za-z*][-A-Za-z0-9_*]*$/.test(name) || /^(true|false)$/i.test(name)) {
      throw new TypeError(`jcfg: '${name}' is not a valid setting name`);
    }
    out += `${'\t'.repeat(depth)}${name}${isGroup(v) ? ':' : ' ='} ${writeValue(v, depth)}\n`;
  }
  return out;
}

/** Writes `root` as jcfg text that parses back to an equal structure (comments are not kept). */
export function serializeJcfg(root: JcfgGroup): string {
  return writeSettings(root, 0);
}
