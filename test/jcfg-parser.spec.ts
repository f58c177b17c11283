import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JcfgGroup, JcfgSyntaxError, parseJcfg, parseJcfgFile } from '../core/config/jcfg';
import { assertSyntaxError } from './jcfg-support';

describe('jcfg parser', () => {
  describe('settings and names', () => {
    it('accepts = and :, with optional ; or , terminators, several per line', () => {
      assert.deepEqual(parseJcfg('a = 1; b: 2, c = 3\nd:4 e=5'), { a: 1, b: 2, c: 3, d: 4, e: 5 });
    });

    it('accepts names with -, _, * and digits, and keeps case-distinct names apart', () => {
      const r = parseJcfg('room-1234 = 1\n*star = 2\na_b-c*9 = 3\nx = 4\nX = 5');
      assert.deepEqual(r, { 'room-1234': 1, '*star': 2, 'a_b-c*9': 3, x: 4, X: 5 });
    });

    it('preserves insertion order and allows top-level scalars next to groups', () => {
      const r = parseJcfg('zeta = "z"\ngeneral: { b = 1 a = 2 }\nalpha = true');
      assert.deepEqual(Object.keys(r), ['zeta', 'general', 'alpha']);
      assert.deepEqual(Object.keys(r.general as JcfgGroup), ['b', 'a']);
    });

    it('handles an empty file and a file of only comments', () => {
      assert.deepEqual(parseJcfg(''), {});
      assert.deepEqual(parseJcfg('# nothing\n/* here */ // at all'), {});
    });

    it('parses nested and empty groups, with terminators inside', () => {
      const r = parseJcfg('outer: {\n  inner = { deep: { x = 1; }, }; empty: {}\n  y = "s",\n}');
      assert.deepEqual(r, { outer: { inner: { deep: { x: 1 } }, empty: {}, y: 's' } });
    });

    it('allows the same name in different groups', () => {
      assert.deepEqual(parseJcfg('a: { x = 1 } b: { x = 2 } x = 3'), { a: { x: 1 }, b: { x: 2 }, x: 3 });
    });

    it('treats names like constructor/toString as ordinary own keys', () => {
      const r = parseJcfg('constructor = 1\ntoString = "a"\nhasOwnProperty = true');
      assert.deepEqual(Object.keys(r), ['constructor', 'toString', 'hasOwnProperty']);
      assert.equal(r.constructor, 1);
    });
  });

  describe('scalars', () => {
    it('parses decimal, signed, leading-zero, hex and L/LL integers', () => {
      const r = parseJcfg('a = 42\nb = -1\nc = +7\nd = 007\ne = 0x2A\nf = 0X1f\ng = 123L\nh = -5LL\ni = 0x10L\nj = 0');
      assert.deepEqual(r, { a: 42, b: -1, c: 7, d: 7, e: 42, f: 31, g: 123, h: -5, i: 16, j: 0 });
    });

    it('keeps 64-bit values exact: number when safe, bigint beyond MAX_SAFE_INTEGER', () => {
      const r = parseJcfg(
        'safe = 9007199254740991L\nbig = 9007199254740992L\nmax = 9223372036854775807L\nmin = -9223372036854775808L\n' +
        'wide = 5000000000\nhexall = 0xFFFFFFFFFFFFFFFFL\nhex32 = 0xFFFFFFFF',
      );
      assert.equal(r.safe, Number.MAX_SAFE_INTEGER);
      assert.equal(r.big, 9007199254740992n);
      assert.equal(r.max, 9223372036854775807n);
      assert.equal(r.min, -9223372036854775808n);
      assert.equal(r.wide, 5000000000);
      assert.equal(r.hexall, -1, 'an L hex literal is an int64 bit pattern');
      assert.equal(r.hex32, 4294967295);
    });

    it('rejects integers that do not fit in 64 bits', () => {
      assertSyntaxError('x = 9223372036854775808', 1, 5, /64-bit range/);
      assertSyntaxError('\n  y = 0x1FFFFFFFFFFFFFFFF', 2, 7, /64 bits/);
    });

    it('rejects malformed numbers the way libconfig does', () => {
      assertSyntaxError('x = -0x10', 1, 10, /after setting name 'x10'/);   // lexes as -0 x10, like libconfig
      assertSyntaxError('x = 1.5L', 1, 9, /after setting name 'L'/);
      assertSyntaxError('x = 1l', 1, 7, /after setting name 'l'/);
      assertSyntaxError('x = .', 1, 5, /invalid value '\.'/);
    });

    it('parses floats', () => {
      const r = parseJcfg('a = 1.5\nb = -0.5\nc = 1e3\nd = .5\ne = 5.\nf = 2E-2\ng = -.25\nh = +1.5e+2\ni = 1.e2');
      assert.deepEqual(r, { a: 1.5, b: -0.5, c: 1000, d: 0.5, e: 5, f: 0.02, g: -0.25, h: 150, i: 100 });
    });

    it('parses booleans case-insensitively, and never as names', () => {
      assert.deepEqual(parseJcfg('a = true\nb = FALSE\nc = TrUe\nd = False'), { a: true, b: false, c: true, d: false });
      assertSyntaxError('true = 1', 1, 1, /expected a setting name, found boolean true/);
      assert.deepEqual(parseJcfg('trueish = 1'), { trueish: 1 });
    });

    it('decodes all string escapes', () => {
      const r = parseJcfg(String.raw`s = "back\\slash \"quoted\" nl\n cr\r tab\t ff\f hex\x41\x7e"`);
      assert.equal(r.s, 'back\\slash "quoted" nl\n cr\r tab\t ff\f hexA~');
    });

    it('treats \\xNN as bytes of a UTF-8 string and keeps unknown escapes literally', () => {
      const r = parseJcfg(String.raw`a = "caf\xc3\xa9" b = "\q\x4" c = "ünï ☃"`);
      assert.equal(r.a, 'café');
      assert.equal(r.b, '\\q\\x4');
      assert.equal(r.c, 'ünï ☃');
    });

    it('allows raw newlines inside strings and counts their lines', () => {
      const text = 'a = "line1\nline2"\nb = oops';
      assert.equal(parseJcfg('a = "line1\nline2"').a, 'line1\nline2');
      assertSyntaxError(text, 3, 5, /unquoted string 'oops'/);
    });

    it('concatenates adjacent string literals, across newlines and comments', () => {
      const r = parseJcfg('a = "foo" "bar"\nb = "x"\n  "y" # c\n  /* c */ "z";\nc = ["p" "q", "r"]\nd = ""  ""');
      assert.deepEqual(r, { a: 'foobar', b: 'xyz', c: ['pq', 'r'], d: '' });
    });
  });

  describe('arrays and lists', () => {
    it('parses homogeneous arrays of every scalar type, and empty arrays', () => {
      const r = parseJcfg('i = [1, -2, 0x3]\ns = [ "a", "b" ]\nb = [true,FALSE]\nf = [1.5, 2.0]\ne = []\nl = [1L, 2L]');
      assert.deepEqual(r, { i: [1, -2, 3], s: ['a', 'b'], b: [true, false], f: [1.5, 2], e: [], l: [1, 2] });
    });

    it('parses lists holding groups, arrays, lists and mixed scalars', () => {
      const r = parseJcfg('l = ( "x", 1, { a = 1 }, [ 1, 2 ], ( 2.5, false ), (), {} )');
      assert.deepEqual(r.l, ['x', 1, { a: 1 }, [1, 2], [2.5, false], [], {}]);
    });

    it('parses VideoRoom dummy_streams and MQTT add_transaction_user_properties', () => {
      const r = parseJcfg(`
room-1234: {
	dummy_publisher = true
	dummy_streams = (
		{ codec = "opus" },
		{
			codec = "vp8"
			fmtp = "max-fs=1200;max-fr=30"
		}
	)
}
general: {
	add_transaction_user_properties = (
		["k", "v"],
		["x-tenant", "acme"]
	)
}`);
      assert.deepEqual(r, {
        'room-1234': {
          dummy_publisher: true,
          dummy_streams: [{ codec: 'opus' }, { codec: 'vp8', fmtp: 'max-fs=1200;max-fr=30' }],
        },
        general: { add_transaction_user_properties: [['k', 'v'], ['x-tenant', 'acme']] },
      });
    });

    it('accepts comments in odd places', () => {
      const r = parseJcfg(`
a /* before sep */ = /* before value */ 1 /* before terminator */ ;
b # hash
  : // slashes
  [ /* x */ 1 /* y */ , # z
    2 ]
c = ( # first
  "x" , /* multi
  line */ { d /* n */ = 2 } // last
)`);
      assert.deepEqual(r, { a: 1, b: [1, 2], c: ['x', { d: 2 }] });
    });

    it('rejects trailing commas in arrays and lists', () => {
      assertSyntaxError('a = [1, 2,]', 1, 10, /trailing comma before '\]'/);
      assertSyntaxError('a = (\n  1,\n  2,\n)', 3, 4, /trailing comma before '\)'/);
    });

    it('rejects mixed element types and non-scalars in arrays', () => {
      assertSyntaxError('a = [1, 1.5]', 1, 9, /mismatched element type.*float after integer/);
      assertSyntaxError('a = ["s", true]', 1, 11, /mismatched element type/);
      assertSyntaxError('a = [1L, 2]', 1, 10, /integer after 64-bit integer/);
      assertSyntaxError('a = [ { b = 1 } ]', 1, 7, /arrays may only hold scalar values/);
      assertSyntaxError('a = [ [1] ]', 1, 7, /arrays may only hold scalar values/);
    });

    it('rejects empty elements and missing separators', () => {
      assertSyntaxError('a = [1,,2]', 1, 8, /expected a value.*found ','/);
      assertSyntaxError('a = (1 2)', 1, 8, /expected ',' or '\)'/);
      assertSyntaxError('a = [1, 2', 1, 10, /missing '\]'.*opened at line 1/);
    });
  });

  describe('errors carry file, line and column', () => {
    it('formats the message as file:line:column: reason', () => {
      const text = Array.from({ length: 11 }, (_, i) => `k${i} = ${i}`).join('\n') + '\nfoo bar = 1\n';
      const e = assertSyntaxError(text, 12, 5, undefined, 'conf/janus.jcfg');
      assert.equal(e.message, "conf/janus.jcfg:12:5: expected '=' or ':' after setting name 'foo'");
      assert.equal(e.file, 'conf/janus.jcfg');
      assert.ok(e instanceof Error);
      assert.equal(e.name, 'JcfgSyntaxError');
    });

    it('reports an unquoted path (Debian mqtt jcfg defect)', () => {
      const text = 'general: {\n\tenabled = false\n\tcertfile = /etc/ssl/certs/ssl-cert-snakeoil.pem\n}\n';
      assertSyntaxError(text, 3, 13, /invalid value '\/etc\/ssl\/certs\/ssl-cert-snakeoil.pem' for setting 'certfile'.*double quotes/);
    });

    it('reports an unquoted word', () => {
      assertSyntaxError('general: {\n  mode = server\n}', 2, 10, /unquoted string 'server' as value of setting 'mode'/);
    });

    it('reports a missing closing brace at end of file', () => {
      assertSyntaxError('general: {\n  a = 1\nother: {\n  b = 2\n}\n', 6, 1, /missing '\}' to close the group of setting 'general' opened at line 1/);
    });

    it('reports trailing garbage', () => {
      assertSyntaxError('a = 1\n}\n', 2, 1, /expected a setting name, found '\}'/);
      assertSyntaxError('a = 1 2', 1, 7, /expected a setting name, found number 2/);
      assertSyntaxError('g: { a = 1 } }', 1, 14, /found '\}'/);
      assertSyntaxError('a = 1;;', 1, 7, /found ';'/);
    });

    it('reports a missing value', () => {
      assertSyntaxError('a = ;', 1, 5, /expected a value for setting 'a', found ';'/);
      assertSyntaxError('a =\n', 2, 1, /expected a value for setting 'a', found end of file/);
    });

    it('reports duplicate names (case-sensitive) at the second occurrence', () => {
      assertSyntaxError('a = 1\nb = 2\na = 3', 3, 1, /duplicate setting name 'a' \(first defined at <input>:1\)/);
      assertSyntaxError('g: {\n\tx = 1\n\tx = "again"\n}', 3, 2, /duplicate setting name 'x'/);
      assertSyntaxError('g: {}\ng: {}', 2, 1, /duplicate setting name 'g'/);
    });

    it('reports an unterminated string at its opening quote', () => {
      assertSyntaxError('a = 1\nb = "never closed\n\nc = 2\n', 2, 5, /unterminated string/);
    });

    it('reports an unterminated comment at its start', () => {
      assertSyntaxError('a = 1\n  /* open\n b = 2\n', 2, 3, /unterminated comment/);
    });

    it('counts lines across multi-line comments and columns with tabs as one', () => {
      assertSyntaxError('/* one\ntwo\nthree */ a = 1\n\t\tb = @', 4, 7, /invalid value '@' for setting 'b'/);
    });

    it('handles CRLF line endings', () => {
      assert.deepEqual(parseJcfg('a = 1\r\nb: {\r\n  c = "x"\r\n}\r\n'), { a: 1, b: { c: 'x' } });
      assertSyntaxError('a = 1\r\nb = c\r\n', 2, 5, /unquoted string 'c'/);
    });

    it('parseJcfgFile names the path in errors', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jcfg-'));
      try {
        const f = path.join(dir, 'bad.jcfg');
        fs.writeFileSync(f, 'ok = 1\nbad = /x\n');
        assert.throws(() => parseJcfgFile(f), (e: unknown) =>
          e instanceof JcfgSyntaxError && e.file === f && e.line === 2 && e.message.startsWith(`${f}:2:7: `));
        fs.writeFileSync(f, '\uFEFFgood = "yes"\n');
        assert.deepEqual(parseJcfgFile(f), { good: 'yes' });
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

});
