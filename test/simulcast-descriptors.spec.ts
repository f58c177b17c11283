import * as assert from 'node:assert/strict';
import { parseVp8, parseVp9, Vp8Descriptor, Vp8PictureRewriter, Vp9Descriptor } from '../core/plugin-api';
import { vp8Packet, vp9Packet } from './simulcast-support';

describe('Simulcast: VP8/VP9 payload descriptors', () => {
  it('parses a VP8 descriptor: 15-bit picture ID, TL0PICIDX, TID, Y, keyframe', () => {
    const p = vp8Packet({ ssrc: 1, seq: 1, ts: 1, pictureId: 0x1234, tl0: 77, tid: 2, layerSync: true, keyframe: false, start: true, marker: false });
    const d = new Vp8Descriptor();
    assert.equal(parseVp8(p, 12, p.length, d), true);
    assert.deepEqual(
      [d.pictureId, d.pictureIdLong, d.tl0PicIdx, d.tid, d.layerSync, d.frameStart, d.keyframe, d.payloadPos],
      [0x1234, true, 77, 2, true, true, false, 18],
    );
    const k = vp8Packet({ ssrc: 1, seq: 1, ts: 1, pictureId: 5, tl0: 0, tid: 0, keyframe: true, start: true, marker: false });
    assert.equal(parseVp8(k, 12, k.length, d) && d.keyframe, true);
    // a continuation packet of a keyframe is not a keyframe start
    const c = vp8Packet({ ssrc: 1, seq: 2, ts: 1, pictureId: 5, tl0: 0, tid: 0, keyframe: true, start: false, marker: false });
    assert.equal(parseVp8(c, 12, c.length, d) && !d.keyframe && !d.frameStart, true);
  });

  it('parses a minimal VP8 descriptor and a 7-bit picture ID', () => {
    const d = new Vp8Descriptor();
    const min = Buffer.from([0x10, 0x00, 1, 2]);
    assert.equal(parseVp8(min, 0, min.length, d), true);
    assert.deepEqual([d.pictureId, d.tl0PicIdx, d.hasTid, d.keyframe], [-1, -1, false, true]);
    const short = Buffer.from([0x90, 0x80, 0x55, 0x01]);
    assert.equal(parseVp8(short, 0, short.length, d), true);
    assert.deepEqual([d.pictureId, d.pictureIdLong, d.keyframe], [0x55, false, false]);
  });

  it('rejects truncated VP8/VP9 descriptors and survives random bytes without throwing', () => {
    const d8 = new Vp8Descriptor();
    const d9 = new Vp9Descriptor();
    assert.equal(parseVp8(Buffer.from([0x90]), 0, 1, d8), false); // X set, no extension byte
    assert.equal(parseVp8(Buffer.from([0x90, 0x80, 0x80]), 0, 3, d8), false); // 15-bit picture ID cut
    assert.equal(parseVp8(Buffer.from([0x90, 0x40]), 0, 2, d8), false); // TL0PICIDX missing
    assert.equal(parseVp9(Buffer.from([0xa0, 0x80]), 0, 2, d9), false);
    assert.equal(parseVp9(Buffer.from([0x20]), 0, 1, d9), false); // L without layer byte
    assert.equal(parseVp8(Buffer.alloc(4), 4, 4, d8), false); // empty payload
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    const b = Buffer.alloc(16);
    for (let i = 0; i < 20000; i++) {
      const n = 1 + (rnd() % 16);
      for (let j = 0; j < n; j++) b[j] = rnd();
      parseVp8(b, 0, n, d8);
      if (d8.valid) assert.ok(d8.payloadPos <= n);
      parseVp9(b, 0, n, d9);
      if (d9.valid) assert.ok(d9.payloadPos <= n);
    }
  });

  it('parses a VP9 descriptor: layer indices, switching-up point, scalability structure, keyframe', () => {
    const d = new Vp9Descriptor();
    const k = vp9Packet({ ssrc: 1, seq: 1, ts: 1, pictureId: 700, sid: 0, tid: 0, switchingUp: false, interPicture: false, start: true, end: false, marker: false, tl0: 3, ss: 3 });
    assert.equal(parseVp9(k, 12, k.length, d), true);
    assert.deepEqual([d.pictureId, d.sid, d.tid, d.tl0PicIdx, d.spatialLayers, d.keyframe, d.startOfFrame, d.endOfFrame], [700, 0, 0, 3, 3, true, true, false]);
    const p = vp9Packet({ ssrc: 1, seq: 2, ts: 1, pictureId: 701, sid: 2, tid: 1, switchingUp: true, interPicture: true, start: false, end: true, marker: true, tl0: 3 });
    assert.equal(parseVp9(p, 12, p.length, d), true);
    assert.deepEqual([d.sid, d.tid, d.switchingUp, d.interLayerDependency, d.keyframe, d.endOfFrame], [2, 1, true, true, false, true]);
  });

  it('the picture-ID rewriter continues the last picture across a source switch and restores the buffer', () => {
    const r = new Vp8PictureRewriter();
    const d = new Vp8Descriptor();
    const a = vp8Packet({ ssrc: 1, seq: 1, ts: 1, pictureId: 32766, tl0: 255, tid: 0, keyframe: true, start: true, marker: true });
    parseVp8(a, 12, a.length, d);
    r.rewrite(a, d, true);
    const b = vp8Packet({ ssrc: 2, seq: 1, ts: 1, pictureId: 9, tl0: 40, tid: 0, keyframe: true, start: true, marker: true });
    const orig = Buffer.from(b);
    parseVp8(b, 12, b.length, d);
    r.rewrite(b, d, true);
    const out = new Vp8Descriptor();
    parseVp8(b, 12, b.length, out);
    assert.equal(out.pictureId, 32767);
    assert.equal(out.tl0PicIdx, 0); // 255 + 1 wraps
    r.restore(b, d);
    assert.deepEqual(b, orig);
    // same source: the offset stays (wrapping at 15 bits)
    const c = vp8Packet({ ssrc: 2, seq: 2, ts: 2, pictureId: 10, tl0: 41, tid: 0, keyframe: false, start: true, marker: true });
    parseVp8(c, 12, c.length, d);
    r.rewrite(c, d, false);
    parseVp8(c, 12, c.length, out);
    assert.deepEqual([out.pictureId, out.tl0PicIdx], [0, 1]);
  });
});

