import * as assert from 'node:assert/strict';
import { parseVp9, rtpSeq, SvcContext, Vp9Descriptor } from '../core/plugin-api';
import { Vp9SvcSender } from './simulcast-support';

describe('Simulcast: SvcContext (VP9 SVC, 3 spatial x 3 temporal layers)', () => {
  function run(ctx: SvcContext, sender: Vp9SvcSender, pictures: number, out: Array<{ seq: number; sid: number; tid: number; marker: boolean; end: boolean }>, events: string[]) {
    const d = new Vp9Descriptor();
    for (let i = 0; i < pictures; i++) {
      for (const p of sender.nextPicture().packets) {
        const ok = ctx.relay(p, p.length, 1000 + sender.frame * 33);
        if (ctx.needPli) sender.keyframeNext = true;
        if (ctx.changedSpatial) events.push(`spatial:${ctx.spatial}`);
        if (ctx.changedTemporal) events.push(`temporal:${ctx.temporal}`);
        if (ok) {
          parseVp9(p, 12, p.length, d);
          out.push({ seq: rtpSeq(p), sid: d.sid, tid: d.tid, marker: (p[1] & 0x80) !== 0, end: d.endOfFrame });
        }
      }
    }
  }

  it('relays spatial/temporal layers up to the targets, marker on the last relayed layer, gapless sequence numbers', () => {
    const ctx = new SvcContext({ spatial_layer: 1, temporal_layer: 0 });
    const out: Array<{ seq: number; sid: number; tid: number; marker: boolean; end: boolean }> = [];
    const events: string[] = [];
    run(ctx, new Vp9SvcSender(), 12, out, events);
    assert.ok(out.length > 0);
    assert.ok(out.every((o) => o.sid <= 1 && o.tid === 0), 'only S0-S1, T0');
    for (let i = 1; i < out.length; i++) assert.equal(out[i].seq, (out[i - 1].seq + 1) & 0xffff);
    // each relayed picture ends with a marker on layer 1's last packet
    assert.ok(out.filter((o) => o.sid === 1 && o.end).every((o) => o.marker));
    assert.ok(out.filter((o) => o.sid === 0).every((o) => !o.marker));
    assert.deepEqual(events.slice(0, 2), ['spatial:1', 'temporal:0']);
    assert.deepEqual(ctx.describe(), { 'spatial-layer': 1, 'target-spatial-layer': 1, 'temporal-layer': 0, 'target-temporal-layer': 0 });
  });

  it('goes up spatially at a keyframe (asking for one) and down at the end of the target layer frame', () => {
    const ctx = new SvcContext({ spatial_layer: 0, temporal_layer: 2 });
    const sender = new Vp9SvcSender();
    const out: Array<{ seq: number; sid: number; tid: number; marker: boolean; end: boolean }> = [];
    const events: string[] = [];
    run(ctx, sender, 6, out, events);
    assert.ok(out.every((o) => o.sid === 0));
    assert.equal(ctx.configure({ spatial_layer: 2 }), true);
    run(ctx, sender, 6, out, events);
    assert.equal(ctx.spatial, 2);
    assert.ok(out.some((o) => o.sid === 2));
    ctx.configure({ spatial_layer: 0 });
    const mark = out.length;
    run(ctx, sender, 4, out, events);
    assert.equal(ctx.spatial, 0);
    assert.ok(out.slice(mark + 6).every((o) => o.sid === 0));
    for (let i = 1; i < out.length; i++) assert.equal(out[i].seq, (out[i - 1].seq + 1) & 0xffff);
    assert.deepEqual(events.filter((e) => e.startsWith('spatial')), ['spatial:0', 'spatial:2', 'spatial:0']);
  });

  it('plain VP9 (no layer indices) and garbage pass through untouched in order', () => {
    const ctx = new SvcContext();
    const b = Buffer.alloc(20);
    b[0] = 0x80;
    b[1] = 98;
    b.writeUInt32BE(7, 8);
    b[12] = 0x88; // I and B, no L: not SVC
    assert.equal(ctx.relay(b, 20, 0), true);
    const g = Buffer.from(b);
    g.writeUInt16BE(1, 2);
    g[12] = 0xa0; // claims a picture ID and layer indices, truncated
    assert.equal(ctx.relay(g, 13, 0), true);
    assert.equal(ctx.relay(g, 5, 0), false);
  });
});
