import * as assert from 'node:assert/strict';
import { TwccGenerator } from '../core/media/twcc';

/** Decode a TWCC feedback (two-bit vector chunks only, as we write them). */
function decode(b: Buffer) {
  assert.equal(b[0] & 0x1f, 15);
  assert.equal(b[1], 205);
  assert.equal((b.readUInt16BE(2) + 1) * 4, b.length);
  const base = b.readUInt16BE(12);
  const count = b.readUInt16BE(14);
  const ref = b.readUIntBE(16, 3);
  const fb = b[19];
  const symbols: number[] = [];
  let off = 20;
  while (symbols.length < count) {
    const v = b.readUInt16BE(off);
    off += 2;
    assert.equal(v & 0xc000, 0xc000);
    for (let j = 0; j < 7 && symbols.length < count; j++) symbols.push((v >> (12 - 2 * j)) & 3);
  }
  const arrivals: Array<number | null> = [];
  let t = ref * 64000;
  for (const s of symbols) {
    if (s === 0) arrivals.push(null);
    else {
      const d = s === 1 ? b[off++] : b.readInt16BE((off += 2) - 2);
      t += d * 250;
      arrivals.push(t);
    }
  }
  return { base, count, ref, fb, arrivals };
}

describe('Media stack: TWCC feedback generator', () => {
  it('reports every sequence number once, losses as not received, with exact arrival times', () => {
    const out: Buffer[] = [];
    const g = new TwccGenerator((b) => out.push(b), 1, 2);
    const t0 = 10_000_123_000; // µs
    const seqs = [65530, 65531, 65533, 65534, 65535, 0, 1, 3];
    seqs.forEach((s, i) => g.record(s, t0 + i * 5000, 99));
    g.flush();
    assert.equal(out.length, 1);
    const r = decode(out[0]);
    assert.equal(r.base, 65530);
    assert.equal(r.count, 10); // 65530..3 across the wrap
    assert.equal(r.fb, 0);
    assert.deepEqual(r.arrivals.map((a) => a !== null), [true, true, false, true, true, true, true, true, false, true]);
    // within the 250 µs resolution of the true arrival times
    const got = r.arrivals.filter((a): a is number => a !== null);
    got.forEach((a, i) => assert.ok(Math.abs(a - (t0 + i * 5000)) <= 250, `packet ${i}: ${a} vs ${t0 + i * 5000}`));
    // next report continues after the last one, large gaps use 2-byte deltas
    g.record(4, t0 + 200_000, 99);
    g.flush();
    const r2 = decode(out[1]);
    assert.equal(r2.base, 4);
    assert.equal(r2.count, 1);
    assert.equal(r2.fb, 1);
    assert.ok(Math.abs(r2.arrivals[0]! - (t0 + 200_000)) <= 250);
    g.flush();
    assert.equal(out.length, 2, 'nothing new, no report');
  });
});
