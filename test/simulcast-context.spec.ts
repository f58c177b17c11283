import * as assert from 'node:assert/strict';
import { parseVp8, rtpSeq, rtpSsrc, rtpTimestamp, SimulcastContext, Vp8Descriptor } from '../core/plugin-api';
import { Vp8Encoding } from './simulcast-support';

interface Out {
  buf: Buffer;
  substream: number;
  seq: number;
  ts: number;
  ssrc: number;
  pictureId: number;
  tl0: number;
  tid: number;
  frameStart: boolean;
  keyframe: boolean;
}

/** Drives a SimulcastContext with three synthetic VP8 encodings, one frame each per 33 ms tick. */
class Rig {
  readonly enc = [new Vp8Encoding(0x1111, 0), new Vp8Encoding(0x2222, 1), new Vp8Encoding(0x3333, 2)];
  readonly out: Out[] = [];
  readonly events: string[] = [];
  plis = 0;
  /** The sender answers a PLI with keyframes on every encoding. */
  answerPli = true;
  now = 1_000_000;
  /** Which encodings send (fallback tests silence some). */
  readonly sending = [true, true, true];
  private readonly d = new Vp8Descriptor();
  constructor(readonly ctx: SimulcastContext) {}

  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      this.now += 33;
      for (const e of this.enc) {
        if (!this.sending[e.substream]) continue;
        for (const p of e.nextFrame().packets) this.feed(p, e.substream);
      }
    }
  }

  feed(p: Buffer, substream: number): boolean {
    const ok = this.ctx.relay(p, p.length, substream, this.now);
    if (this.ctx.needPli) {
      this.plis++;
      if (this.answerPli) for (const e of this.enc) e.keyframeNext = true;
    }
    if (this.ctx.changedSubstream) this.events.push(`substream:${this.ctx.substream}`);
    if (this.ctx.changedTemporal) this.events.push(`temporal:${this.ctx.temporal}`);
    if (ok) {
      parseVp8(p, 12, p.length, this.d);
      this.out.push({
        buf: Buffer.from(p), substream, seq: rtpSeq(p), ts: rtpTimestamp(p), ssrc: rtpSsrc(p), pictureId: this.d.pictureId, tl0: this.d.tl0PicIdx,
        tid: this.d.tid, frameStart: this.d.frameStart, keyframe: this.d.keyframe,
      });
    }
    return ok;
  }

  /** Everything sent so far is one continuous stream: sequence numbers +1, picture IDs per frame. */
  assertContinuous(from = 0, allTemporal = true): void {
    const o = this.out;
    for (let i = Math.max(1, from); i < o.length; i++) {
      assert.equal(o[i].seq, (o[i - 1].seq + 1) & 0xffff, `seq gap at ${i}: ${o[i - 1].seq} -> ${o[i].seq}`);
      assert.ok(((o[i].ts - o[i - 1].ts) >>> 0) < 0x80000000, `timestamp went back at ${i}`);
      if (o[i].frameStart) {
        const step = (o[i].pictureId - o[i - 1].pictureId) & 0x7fff;
        if (allTemporal) assert.equal(step, 1, `picture id step ${step} at ${i}`);
        else assert.ok(step >= 1 && step <= 4, `picture id step ${step} at ${i}`);
      } else assert.equal(o[i].pictureId, o[i - 1].pictureId, `picture id changed mid-frame at ${i}`);
    }
  }
}

describe('Simulcast: SimulcastContext (VP8, three encodings)', () => {
  it('starts on a keyframe, relays only the target substream, and switches only at a keyframe of the target', () => {
    const rig = new Rig(new SimulcastContext({ codec: 'vp8', substreams: 3 }));
    for (const e of rig.enc) e.keyframeNext = false;
    rig.answerPli = false;
    rig.tick(3);
    assert.equal(rig.out.length, 0, 'nothing before a keyframe');
    assert.ok(rig.plis >= 1, 'asked for a keyframe');
    // a keyframe on the lowest does not start the stream while the target flows
    rig.enc[0].keyframeNext = true;
    rig.tick(1);
    assert.equal(rig.out.length, 0, 'waits for the target');
    rig.answerPli = true;
    rig.enc[2].keyframeNext = true;
    rig.tick(10);
    assert.ok(rig.out.length > 0);
    assert.ok(rig.out.every((o) => o.substream === 2), 'only the highest (default target)');
    assert.equal(rig.ctx.substream, 2);
    assert.equal(rig.out[0].keyframe, true);

    // ask for the lowest: nothing changes until substream 0 has a keyframe
    assert.equal(rig.ctx.configure({ substream: 0 }), true, 'needs a keyframe');
    const mark = rig.out.length;
    rig.tick(5);
    assert.ok(rig.out.slice(mark).every((o) => o.substream === 2), 'still 2: no keyframe on 0 yet');
    rig.enc[0].keyframeNext = true;
    rig.tick(1);
    const first0 = rig.out.findIndex((o) => o.substream === 0);
    assert.ok(first0 > mark);
    assert.equal(rig.out[first0].keyframe, true, 'switched at the keyframe start');
    assert.ok(rig.out.slice(first0).every((o) => o.substream === 0), 'only 0 after the switch');
    // a keyframe on 1 changes nothing
    rig.enc[1].keyframeNext = true;
    rig.tick(5);
    assert.ok(rig.out.slice(first0).every((o) => o.substream === 0));
    assert.deepEqual(rig.events, ['substream:2', 'temporal:2', 'substream:0']);
    // one SSRC-continuous stream for the receiver
    rig.assertContinuous();
  });

  it('goes up to the target when asked, with a keyframe request, picture IDs and TL0PICIDX continuous', () => {
    const rig = new Rig(new SimulcastContext({ codec: 'vp8', substreams: 3, substream: 0 }));
    rig.tick(10);
    assert.ok(rig.out.every((o) => o.substream === 0));
    const plis = rig.plis;
    assert.equal(rig.ctx.configure({ substream: 1 }), true);
    rig.tick(1);
    // waiting for the target's keyframe: the context asks (the rig answers with keyframes)
    assert.ok(rig.plis > plis || rig.out.some((o) => o.substream === 1));
    rig.tick(3);
    const at = rig.out.findIndex((o) => o.substream === 1);
    assert.ok(at > 0 && rig.out[at].keyframe);
    assert.equal(rig.out[at].tl0, (rig.out[at - 1].tl0 + 1) & 0xff, 'TL0PICIDX continues');
    rig.assertContinuous();
    assert.equal(rig.ctx.describe()['substream'], 1);
    assert.equal(rig.ctx.describe()['substream-target'], 1);
  });

  it('temporal layers: drops frames above the target with gapless sequence numbers, switches at frame starts', () => {
    const rig = new Rig(new SimulcastContext({ codec: 'vp8', substreams: 3, substream: 2, temporal: 0 }));
    rig.tick(20);
    assert.ok(rig.out.length > 0);
    assert.ok(rig.out.every((o) => o.tid === 0), 'only T0');
    rig.assertContinuous(0, false);
    rig.ctx.configure({ temporal: 1 });
    const mark = rig.out.length;
    rig.tick(20);
    const after = rig.out.slice(mark);
    assert.ok(after.some((o) => o.tid === 1) && after.every((o) => o.tid <= 1), 'T0 and T1');
    const firstT1 = rig.out.findIndex((o) => o.tid === 1);
    assert.equal(rig.out[firstT1].frameStart, true, 'switched at a frame start');
    rig.ctx.configure({ temporal: 2 });
    rig.tick(8);
    assert.ok(rig.out.slice(mark).some((o) => o.tid === 2));
    rig.assertContinuous(0, false);
    assert.ok(rig.events.includes('temporal:0') && rig.events.includes('temporal:1') && rig.events.includes('temporal:2'), rig.events.join());
  });

  it('falls back to a lower substream when the relayed one stops, and goes back up when it returns', () => {
    const rig = new Rig(new SimulcastContext({ codec: 'vp8', substreams: 3, fallback: 250000 }));
    rig.tick(10);
    assert.equal(rig.ctx.substream, 2);
    rig.sending[2] = false;
    const mark = rig.out.length;
    rig.tick(20);
    const fell = rig.out.slice(mark);
    assert.ok(fell.length > 0, 'video continues');
    assert.equal(fell[0].substream, 1, 'down one level');
    assert.equal(fell[0].keyframe, true);
    assert.ok(rig.events.includes('substream:1'));
    assert.equal(rig.ctx.substream, 1);
    // 1 stops too: down to 0
    rig.sending[1] = false;
    rig.tick(20);
    assert.equal(rig.ctx.substream, 0);
    // 2 comes back: back up to the real target at its keyframe
    rig.sending[1] = true;
    rig.sending[2] = true;
    const back = rig.out.length;
    rig.tick(40);
    assert.equal(rig.ctx.substream, 2);
    const up = rig.out.slice(back);
    const first2 = up.findIndex((o) => o.substream === 2);
    assert.ok(first2 >= 0 && up[first2].keyframe);
    rig.assertContinuous();
    const subs = rig.events.filter((e) => e.startsWith('substream'));
    assert.deepEqual(subs.slice(0, 3), ['substream:2', 'substream:1', 'substream:0']);
    assert.equal(subs[subs.length - 1], 'substream:2');
  });

  it('does not fall back before the fallback time', () => {
    const rig = new Rig(new SimulcastContext({ codec: 'vp8', substreams: 3, fallback: 2_000_000 }));
    rig.tick(10);
    rig.sending[2] = false;
    rig.tick(30); // ~1 s
    assert.equal(rig.ctx.substream, 2);
    rig.tick(40);
    assert.equal(rig.ctx.substream, 1);
  });

  it('caps a target above what the sender has; a single encoding works', () => {
    const two = new SimulcastContext({ codec: 'vp8', substreams: 2, substream: 2 });
    assert.equal(two.substreamTarget, 1);
    const rig = new Rig(new SimulcastContext({ codec: 'vp8', substreams: 1 }));
    rig.sending[1] = rig.sending[2] = false;
    rig.tick(5);
    assert.ok(rig.out.length > 0 && rig.out.every((o) => o.substream === 0));
    // out-of-range substream tags are dropped, never thrown on
    const p = rig.enc[0].nextFrame().packets[0];
    assert.equal(rig.ctx.relay(p, p.length, 7, rig.now), false);
    assert.equal(rig.ctx.relay(p, p.length + 100, 0, rig.now), false);
  });

  it('garbage payload descriptors are relayed or dropped without breaking the stream', () => {
    const rig = new Rig(new SimulcastContext({ codec: 'vp8', substreams: 3 }));
    rig.tick(5);
    const e = rig.enc[2];
    // a truncated descriptor (X set, nothing after) and a bare header on the relayed substream
    for (const bytes of [[0x90], [0x80, 0xff], []]) {
      const p = Buffer.alloc(12 + bytes.length);
      p[0] = 0x80;
      p[1] = 96;
      p.writeUInt16BE(e.seq, 2);
      e.seq = (e.seq + 1) & 0xffff;
      p.writeUInt32BE(e.ts, 4);
      p.writeUInt32BE(e.ssrc, 8);
      Buffer.from(bytes).copy(p, 12);
      rig.feed(p, 2);
    }
    // a packet too short to be RTP
    assert.equal(rig.ctx.relay(Buffer.from([0x80, 96, 0]), 3, 2, rig.now), false);
    assert.equal(rig.ctx.substream, 2);
    const mark = rig.out.length;
    rig.tick(5);
    assert.ok(rig.out.length > mark, 'the stream goes on');
    for (let i = 1; i < rig.out.length; i++) assert.equal(rig.out[i].seq, (rig.out[i - 1].seq + 1) & 0xffff);
  });

  it('restore() puts back what relay() rewrote, for fan-out of one buffer', () => {
    const ctx = new SimulcastContext({ codec: 'vp8', substreams: 3, substream: 0 });
    const rig = new Rig(ctx);
    rig.tick(3);
    ctx.configure({ substream: 2 });
    rig.enc[2].keyframeNext = true;
    const f = rig.enc[2].nextFrame().packets[0];
    const orig = Buffer.from(f);
    assert.equal(ctx.relay(f, f.length, 2, rig.now + 40), true);
    assert.notDeepEqual(f, orig);
    ctx.restore(f);
    assert.deepEqual(f, orig);
  });

  it('H.264 simulcast switches at IDR/SPS packets', () => {
    const ctx = new SimulcastContext({ codec: 'h264', substreams: 3, substream: 1 });
    const pkt = (ssrc: number, seq: number, nal: number) => {
      const b = Buffer.alloc(20);
      b[0] = 0x80;
      b[1] = 102;
      b.writeUInt16BE(seq, 2);
      b.writeUInt32BE(seq * 3000, 4);
      b.writeUInt32BE(ssrc, 8);
      b[12] = nal;
      return b;
    };
    assert.equal(ctx.relay(pkt(1, 1, 1), 20, 0, 1000), false);
    assert.equal(ctx.relay(pkt(1, 2, 5), 20, 0, 1001), false); // IDR on 0, but the target gets its chance first
    assert.equal(ctx.relay(pkt(1, 3, 5), 20, 0, 1300), true); // target 1 never showed up: start on 0
    assert.equal(ctx.relay(pkt(2, 1, 1), 20, 1, 1302), false); // target 1, not a keyframe
    assert.equal(ctx.relay(pkt(2, 2, 7), 20, 1, 1303), true); // SPS on 1: switch
    assert.equal(ctx.substream, 1);
    assert.equal(ctx.relay(pkt(1, 4, 1), 20, 0, 1304), false);
  });

  it('costs little per packet (measured)', function () {
    const ctx = new SimulcastContext({ codec: 'vp8', substreams: 3, substream: 1, temporal: 1 });
    const enc = [new Vp8Encoding(1, 0), new Vp8Encoding(2, 1), new Vp8Encoding(3, 2)];
    const frames: Array<{ p: Buffer; s: number }> = [];
    for (let i = 0; i < 300; i++) for (const e of enc) for (const p of e.nextFrame().packets) frames.push({ p, s: e.substream });
    const N = 300000;
    let now = 0;
    let relayed = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) {
      const f = frames[i % frames.length];
      if (i % frames.length === 0) ctx.reset();
      if (ctx.relay(f.p, f.p.length, f.s, (now += 1))) {
        relayed++;
        ctx.restore(f.p);
      }
    }
    const ns = Number(process.hrtime.bigint() - t0) / N;
    console.log(`      SimulcastContext.relay+restore: ${ns.toFixed(0)} ns/packet (${relayed} of ${N} relayed)`);
    assert.ok(relayed > 0);
    assert.ok(ns < 5000, `${ns} ns per packet`);
  });
});

