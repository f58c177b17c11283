import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { JcfgGroup, JcfgSyntaxError, parseJcfg, parseJcfgFile, serializeJcfg } from '../core/config/jcfg';

describe('jcfg serializer', () => {
  const everything: JcfgGroup = {
    top_string: 'plain',
    escapes: 'q"uote\\back\nnl\rcr\ttab\fff\x01ctl\x7f del ünï ☃',
    empty: '',
    int: 42,
    neg: -7,
    int64_number: 5000000000,
    int64_bigint: 9223372036854775807n,
    int64_min: -9223372036854775808n,
    float: 1.5,
    tiny: 1e-7,
    huge: 1.5e300,
    unsafe_integer_number: 2 ** 60,
    negzero: -0,
    inf: Infinity,
    ninf: -Infinity,
    yes: true,
    no: false,
    'room-1234': {
      description: 'Demo Room',
      publishers: 6,
      nested: { deeper: { deepest: 'x' }, empty_group: {} },
    },
    '*star*': 1,
    ints: [1, 2, 3],
    strings: ['a', 'b"c'],
    bools: [true, false],
    floats: [0.5, 2.25],
    int64s: [5000000000, 9007199254740993n],
    empty_array: [],
    mixed: [1, 'two', 3.5, true],
    int_and_int64: [1, 5000000000],
    dummy_streams: [{ codec: 'opus' }, { codec: 'vp8', fmtp: 'max-fs=1200;max-fr=30' }],
    props: [['k', 'v'], ['x', 'y']],
    list_of_lists: [[[1, 'a']], [], [{}]],
  };

  it('round-trips every value kind', () => {
    const text = serializeJcfg(everything);
    assert.deepEqual(parseJcfg(text), everything);
  });

  it('round-trips twice to identical text', () => {
    const once = serializeJcfg(everything);
    assert.equal(serializeJcfg(parseJcfg(once)), once);
  });

  it('writes the documented layout', () => {
    const text = serializeJcfg({
      general: { events: false },
      'room-1234': { description: 'Demo Room', bitrate: 128000, ids: [1, 2], l: ['a', 1], g: { x: 1 } },
    });
    assert.equal(text, [
      'general: {',
      '\tevents = false',
      '}',
      'room-1234: {',
      '\tdescription = "Demo Room"',
      '\tbitrate = 128000',
      '\tids = [ 1, 2 ]',
      '\tl = (',
      '\t\t"a",',
      '\t\t1',
      '\t)',
      '\tg: {',
      '\t\tx = 1',
      '\t}',
      '}',
      '',
    ].join('\n'));
  });

  it('writes 64-bit integers with L, mixed arrays as lists, and escapes control characters', () => {
    const text = serializeJcfg({ a: 5000000000, b: [1, 'x'], c: '\x01\n', d: 2147483647, e: -2147483649n, f: 3n });
    assert.match(text, /^a = 5000000000L$/m);
    assert.match(text, /^b = \($/m);
    assert.match(text, /^c = "\\x01\\n"$/m);
    assert.match(text, /^d = 2147483647$/m);
    assert.match(text, /^e = -2147483649L$/m);
    assert.match(text, /^f = 3$/m);
    assert.deepEqual(parseJcfg(text).f, 3, 'small bigints come back as numbers');
  });

  it('rejects what jcfg cannot express', () => {
    assert.throws(() => serializeJcfg({ 'bad name': 1 }), TypeError);
    assert.throws(() => serializeJcfg({ '1abc': 1 }), TypeError);
    assert.throws(() => serializeJcfg({ TRUE: 1 }), TypeError);
    assert.throws(() => serializeJcfg({ x: NaN }), RangeError);
    assert.throws(() => serializeJcfg({ x: 1n << 64n }), RangeError);
    assert.throws(() => serializeJcfg({ x: null as unknown as number }), TypeError);
  });
});

describe('jcfg: Debian /etc/janus files', () => {
  const dir = '/etc/janus';
  // Debian 1.1.2 ships unquoted `certfile = /etc/...` in these (fixed in some builds).
  const knownBroken = new Set(['janus.transport.mqtt.jcfg', 'janus.eventhandler.mqttevh.jcfg']);
  const unquotedPath = /^\s*[A-Za-z*][-A-Za-z0-9_*]*\s*[=:]\s*\/(?![/*])/;

  it('parses every stock file, and fails on the known-broken ones at the right line', function () {
    if (!fs.existsSync(dir)) this.skip();
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.jcfg')).sort();
    if (files.length === 0) this.skip();
    let parsed = 0;
    for (const f of files) {
      const full = path.join(dir, f);
      const lines = fs.readFileSync(full, 'utf8').split('\n');
      const badLine = lines.findIndex((l) => unquotedPath.test(l)) + 1;
      if (knownBroken.has(f) && badLine > 0) {
        assert.throws(() => parseJcfgFile(full), (e: unknown) =>
          e instanceof JcfgSyntaxError && e.file === full && e.line === badLine &&
          e.message.startsWith(`${full}:${badLine}:`) && /double quotes/.test(e.message), f);
        continue;
      }
      assert.equal(badLine, 0, `${f}:${badLine} has an unquoted path but is not a known-broken file`);
      const cfg = parseJcfgFile(full);
      assert.ok(Object.keys(cfg).length > 0, `${f} parsed to nothing`);
      assert.deepEqual(parseJcfg(serializeJcfg(cfg)), cfg, `${f} does not round-trip`);
      parsed++;
    }
    assert.ok(parsed > 0);
    if (files.includes('janus.jcfg')) {
      const main = parseJcfgFile(path.join(dir, 'janus.jcfg'));
      assert.equal(typeof main.general, 'object');
      assert.ok(Array.isArray((main.general as JcfgGroup).protected_folders));
    }
  });
});
