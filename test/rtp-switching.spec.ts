import assert from 'node:assert/strict';
import { RtpSwitchingContext } from '../core/plugin-api';

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

/** Rewrite a fresh packet and read back what the receiver gets. */
function send(ctx: RtpSwitchingContext, seq: number, ts: number, ssrc: number, now: number, clock = 90000): { seq: number; ts: number } {
  const b = rtp(seq, ts, ssrc);
  ctx.update(b, clock, now);
  assert.equal(b.readUInt32BE(8), ssrc, 'the SSRC is left alone');
  return { seq: b.readUInt16BE(2), ts: b.readUInt32BE(4) };
}

describe('plugin API: RTP switching context (the one seq/ts rewriter)', () => {
  it('a relay passes a single source through unchanged', () => {
    const ctx = new RtpSwitchingContext();
    for (let i = 0; i < 5; i++) assert.deepEqual(send(ctx, 1000 + i, 5000 + i * 3000, 1, i * 33), { seq: 1000 + i, ts: 5000 + i * 3000 });
  });

  it('keeps sequence numbers continuous across a source change and advances the timestamp by the wall-clock gap', () => {
    const ctx = new RtpSwitchingContext();
    for (let i = 0; i < 3; i++) send(ctx, 100 + i, 1000 + i * 3000, 1, i * 33);
    // another publisher, 100 ms after the last packet: unrelated seq and ts
    const o = send(ctx, 40000, 777777, 2, 66 + 100);
    assert.deepEqual(o, { seq: 103, ts: 1000 + 2 * 3000 + 100 * 90 });
    assert.deepEqual(send(ctx, 40001, 777777 + 3000, 2, 200), { seq: 104, ts: o.ts + 3000 });
  });

  it('rebases after reset() even when the SSRC is the same (pause/resume)', () => {
    const ctx = new RtpSwitchingContext();
    send(ctx, 10, 960, 5, 0, 48000);
    send(ctx, 11, 1920, 5, 20, 48000);
    ctx.reset();
    // 500 packets were not relayed while paused
    assert.deepEqual(send(ctx, 511, 1920 + 500 * 960, 5, 20 + 10000, 48000), { seq: 12, ts: 1920 + 10000 * 48 });
  });

  it('keeps real losses as gaps (NACK still works), handles wrap-around, and a late packet never pulls the segment back', () => {
    const ctx = new RtpSwitchingContext();
    send(ctx, 65534, 0xfffffff0, 9, 0);
    send(ctx, 65535, 0xfffffff0, 9, 1);
    assert.deepEqual(send(ctx, 2, 0x10, 9, 2), { seq: 2, ts: 0x10 }); // 0 and 1 lost
    ctx.reset();
    assert.equal(send(ctx, 300, 5000, 10, 40).seq, 3);
    // a late packet of the new source from just before the base maps just before it
    assert.equal(send(ctx, 299, 5000, 10, 41).seq, 2);
    assert.equal(send(ctx, 301, 5000, 10, 42).seq, 4);
    assert.equal(ctx.lastSequence, 4);
    // a late packet right before a switch: the next segment still starts after the furthest one
    send(ctx, 300, 5000, 10, 43);
    assert.equal(send(ctx, 7, 1, 11, 44).seq, 5);
  });

  it('skip() closes the gap of a packet dropped on purpose; old packets change nothing', () => {
    const ctx = new RtpSwitchingContext();
    send(ctx, 50, 0, 3, 0);
    ctx.skip(rtp(51, 0, 3));
    ctx.skip(rtp(49, 0, 3)); // old
    ctx.skip(rtp(51, 0, 4)); // another source
    assert.equal(send(ctx, 52, 0, 3, 1).seq, 51);
  });

  it('restart() forgets everything (a new receiver)', () => {
    const ctx = new RtpSwitchingContext();
    send(ctx, 50, 1000, 3, 0);
    ctx.restart();
    assert.deepEqual(send(ctx, 9000, 77, 4, 10), { seq: 9000, ts: 77 });
  });

  it('rebase (the recorder): the first packet becomes seq 1, ts 0; µs with kHz give Janus integer gaps; offset header', () => {
    const ctx = new RtpSwitchingContext({ rebase: true });
    const frame = Buffer.concat([Buffer.alloc(12), rtp(4000, 123456, 7)]);
    ctx.update(frame, 48, 1_000_000, 12);
    assert.deepEqual({ seq: frame.readUInt16BE(14), ts: frame.readUInt32BE(16) }, { seq: 1, ts: 0 });
    assert.deepEqual(send(ctx, 4001, 123456 + 960, 7, 1_020_000, 48), { seq: 2, ts: 960 });
    // paused, then resumed 2.5 ms before the next packet: the gap counts from the resume
    ctx.reset(5_000_000);
    assert.deepEqual(send(ctx, 4500, 999, 7, 5_002_500, 48), { seq: 3, ts: 960 + 120 });
    // less than a tick still moves the timestamp by one
    ctx.reset();
    assert.deepEqual(send(ctx, 1, 0, 8, 5_002_510, 48), { seq: 4, ts: 960 + 120 + 1 });
  });
});
