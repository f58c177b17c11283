import assert from 'node:assert/strict';
import { RtpSwitchingContext } from '../plugins/videoroom/subscriber/switching-context';

function rtp(seq: number, ts: number, ssrc: number, payload = 20): Buffer {
  const b = Buffer.alloc(12 + payload);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  b.fill(0xab, 12);
  return b;
}

function out(ctx: RtpSwitchingContext): { seq: number; ts: number } {
  return { seq: ctx.buffer.readUInt16BE(2), ts: ctx.buffer.readUInt32BE(4) };
}

describe('videoroom: RTP switching context', () => {
  it('passes a single source through unchanged and copies the payload', () => {
    const ctx = new RtpSwitchingContext(90000);
    for (let i = 0; i < 5; i++) {
      const p = rtp(1000 + i, 5000 + i * 3000, 1);
      assert.equal(ctx.rewrite(p, p.length, i * 33), p.length);
      assert.deepEqual(out(ctx), { seq: 1000 + i, ts: 5000 + i * 3000 });
      assert.equal(ctx.buffer.subarray(12, p.length).equals(p.subarray(12)), true);
    }
  });

  it('keeps sequence numbers continuous across a source change and advances the timestamp by the wall-clock gap', () => {
    const ctx = new RtpSwitchingContext(90000);
    for (let i = 0; i < 3; i++) ctx.rewrite(rtp(100 + i, 1000 + i * 3000, 1), 32, i * 33);
    // another publisher: unrelated seq and ts
    const p = rtp(40000, 777777, 2);
    ctx.rewrite(p, p.length, 66 + 100);
    const o = out(ctx);
    assert.equal(o.seq, 103);
    assert.equal(o.ts, 1000 + 2 * 3000 + 100 * 90);
    ctx.rewrite(rtp(40001, 777777 + 3000, 2), 32, 200);
    assert.deepEqual(out(ctx), { seq: 104, ts: o.ts + 3000 });
  });

  it('rebases after reset() even when the SSRC is the same (pause/resume)', () => {
    const ctx = new RtpSwitchingContext(48000);
    ctx.rewrite(rtp(10, 960, 5), 32, 0);
    ctx.rewrite(rtp(11, 1920, 5), 32, 20);
    ctx.reset();
    // 500 packets were skipped while paused
    ctx.rewrite(rtp(511, 1920 + 500 * 960, 5), 32, 20 + 10000);
    assert.deepEqual(out(ctx), { seq: 12, ts: 1920 + 10000 * 48 });
  });

  it('keeps real losses as gaps (NACK still works) and handles wrap-around and reordering', () => {
    const ctx = new RtpSwitchingContext(90000);
    ctx.rewrite(rtp(65534, 0xfffffff0, 9), 32, 0);
    ctx.rewrite(rtp(65535, 0xfffffff0, 9), 32, 1);
    ctx.rewrite(rtp(2, 0x10, 9), 32, 2); // 0 and 1 lost
    assert.deepEqual(out(ctx), { seq: 2, ts: 0x10 });
    ctx.reset();
    ctx.rewrite(rtp(300, 5000, 10), 32, 40);
    assert.equal(out(ctx).seq, 3);
    // a late packet of the new source from just before the base must not jump ahead
    ctx.rewrite(rtp(299, 5000, 10), 32, 41);
    assert.equal(out(ctx).seq, 2);
    ctx.rewrite(rtp(301, 5000, 10), 32, 42);
    assert.equal(out(ctx).seq, 4);
    assert.equal(ctx.lastSequence, 4);
  });

  it('refuses packets that do not fit or are not RTP-sized', () => {
    const ctx = new RtpSwitchingContext(90000, 100);
    assert.equal(ctx.rewrite(Buffer.alloc(8), 8, 0), -1);
    assert.equal(ctx.rewrite(Buffer.alloc(200), 200, 0), -1);
  });
});
