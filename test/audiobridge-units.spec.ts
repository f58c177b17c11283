import * as assert from 'node:assert/strict';
import { g711Decode, g711Encode } from '../plugins/audiobridge/mixer/g711';
import { JitterBuffer, POP_EMPTY, POP_LOST, POP_PACKET } from '../plugins/audiobridge/mixer/jitter';
import { createRing, RingReader, RingWriter } from '../plugins/audiobridge/mixer/ring';
import { RoomMixer } from '../plugins/audiobridge/mixer/room-mixer';
import type { LegSettings } from '../plugins/audiobridge/mixer/protocol';
import { PcmWindow } from './audiobridge-support';

function sine(freq: number, rate: number, n: number, amp: number, phase = 0): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(Math.sin(phase + (2 * Math.PI * freq * i) / rate) * amp);
  return out;
}

describe('AudioBridge units', () => {
  it('G.711 µ-law and A-law: silence codes and a round trip within the companding error', () => {
    const out = new Uint8Array(4);
    g711Encode(false, new Int16Array([0]), 1, out, 0);
    assert.equal(out[0], 0xff);
    g711Encode(true, new Int16Array([0]), 1, out, 0);
    assert.equal(out[0], 0xd5);
    for (const alaw of [false, true]) {
      const pcm = sine(1000, 8000, 160, 12000);
      const enc = new Uint8Array(160);
      g711Encode(alaw, pcm, 160, enc, 0);
      const dec = new Int16Array(160);
      g711Decode(alaw, enc, 160, dec);
      for (let i = 0; i < 160; i++) assert.ok(Math.abs(dec[i] - pcm[i]) <= Math.max(16, Math.abs(pcm[i]) * 0.07), `${alaw ? 'A' : 'µ'}-law sample ${i}: ${pcm[i]} -> ${dec[i]}`);
    }
  });

  it('jitter buffer: prebuffers, reorders, conceals a hole, re-arms after an underrun', () => {
    const j = new JitterBuffer(3);
    const p = (seq: number) => j.push(seq, false, new Uint8Array([seq & 0xff]));
    p(10);
    p(12);
    assert.equal(j.pop(), POP_EMPTY, 'still prebuffering');
    p(11);
    assert.equal(j.pop(), POP_PACKET);
    assert.equal(j.out.data[0], 10);
    assert.equal(j.pop(), POP_PACKET);
    assert.equal(j.out.data[0], 11);
    p(14);
    assert.equal(j.pop(), POP_PACKET);
    assert.equal(j.out.data[0], 12);
    assert.equal(j.pop(), POP_LOST, '13 is missing, 14 waits');
    assert.equal(j.pop(), POP_PACKET);
    assert.equal(j.out.data[0], 14);
    p(13);
    assert.equal(j.late, 1, 'a late packet is dropped');
    for (let i = 0; i < 6; i++) j.pop();
    assert.equal(j.isPrebuffering, true);
  });

  it('ring: records written on one side come out whole on the other, full ring drops', () => {
    const sab = createRing(4);
    const w = new RingWriter(sab);
    const r = new RingReader(sab);
    const src = Buffer.from([0x80, 111, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 9, 8, 7]);
    for (let i = 0; i < 5; i++) w.push(i + 1, 100 + i, 960 * i, 0, src, 12, 3);
    assert.equal(w.dropped, 1);
    const seen: Array<[number, number, number[]]> = [];
    r.drain((rec) => seen.push([rec.slot, rec.seq, [...rec.payload]]));
    assert.deepEqual(seen, [1, 2, 3, 4].map((s) => [s, 99 + s, [9, 8, 7]]));
  });

  it('mixer: G.711 legs hear each other, not themselves; the full mix is encoded once for silent legs', () => {
    const m = new RoomMixer({ samplingRate: 16000, stereo: false, defaultBitrate: 0, defaultExpectedLoss: 0 });
    const s = (slot: number): LegSettings => ({ muted: false, volume: 100, spatial: 50, send: true, group: 0, bitrate: 0, complexity: 4, expectedLoss: 0, fec: false, prebuffer: 1, pt: 0, ssrc: slot });
    for (const slot of [1, 2, 3]) m.addLeg(slot, 'pcmu', s(slot));
    const heard = new Map<number, PcmWindow>([1, 2, 3].map((k) => [k, new PcmWindow(0.5, 8000)]));
    const out = new Uint8Array(m.maxOutput());
    const freqs: Record<number, number> = { 1: 400, 2: 1200 };
    for (let t = 0; t < 40; t++) {
      for (const slot of [1, 2]) {
        const pcm = sine(freqs[slot], 8000, 160, 8000, (2 * Math.PI * freqs[slot] * 160 * t) / 8000);
        const enc = new Uint8Array(160);
        g711Encode(false, pcm, 160, enc, 0);
        m.push(slot, t, 0, enc);
      }
      const len = m.tick(out);
      if (t === 39) assert.deepEqual([m.stats.encoded, m.stats.shared], [3, 1], 'two talkers + one shared mix');
      const v = new DataView(out.buffer);
      for (let off = 0; off < len; ) {
        const id = v.getUint32(off + 1);
        const l = v.getUint16(off + 5);
        const pcm = new Int16Array(160);
        g711Decode(false, out.subarray(off + 7 + 12, off + 7 + l), l - 12, pcm);
        heard.get(id)!.add(Buffer.from(pcm.buffer));
        off += 7 + l;
      }
    }
    const pw = (slot: number, f: number) => heard.get(slot)!.power(f);
    assert.ok(pw(1, 1200) > 0.01 && pw(1, 400) < pw(1, 1200) / 50, `leg 1: ${pw(1, 400)} ${pw(1, 1200)}`);
    assert.ok(pw(2, 400) > 0.01 && pw(2, 1200) < pw(2, 400) / 50, `leg 2: ${pw(2, 400)} ${pw(2, 1200)}`);
    assert.ok(pw(3, 400) > 0.01 && pw(3, 1200) > 0.01, 'the silent leg hears both');
    m.close();
  });
});
