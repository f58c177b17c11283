import * as assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { RecordReader, writeData, writeRtp } from '../core/media-workers/media-record';
import { createRingMemory, RingReader, RingWriter } from '../core/media-workers/packet-ring';
import type { DataPacket, RtpPacket } from '../core/plugin-api';

const ext = () => ({ audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1 });

function rtp(seq: number, size: number): RtpPacket {
  const buffer = Buffer.alloc(size, seq & 0xff);
  buffer.writeUInt16BE(seq & 0xffff, 2);
  return { mindex: 1, mid: '1', video: true, buffer, length: size, substream: 2, extensions: ext() };
}

describe('Media workers: shared-memory packet ring', () => {
  it('keeps records whole and in order across many wraps', () => {
    const mem = createRingMemory(4096);
    const w = new RingWriter(mem, () => undefined);
    const r = new RingReader(mem);
    let next = 0;
    let expect = 0;
    for (let round = 0; round < 2000; round++) {
      // write a few records of varying sizes, read some of them
      for (let i = 0; i < 3; i++) {
        const len = 1 + ((next * 37) % 900);
        const b = Buffer.alloc(len, next & 0xff);
        if (w.push(b)) next++;
      }
      r.drain((d, off, len) => {
        assert.equal(len, 1 + ((expect * 37) % 900));
        assert.equal(d[off], expect & 0xff);
        assert.equal(d[off + len - 1], expect & 0xff);
        expect++;
      }, 2);
    }
    r.drain(() => expect++);
    assert.equal(expect, next);
    assert.ok(next > 4000);
  });

  it('drops (and counts) when full instead of overwriting', () => {
    const mem = createRingMemory(4096);
    const w = new RingWriter(mem, () => undefined);
    const r = new RingReader(mem);
    let ok = 0;
    for (let i = 0; i < 10; i++) if (w.push(Buffer.alloc(1000, i))) ok++;
    assert.equal(ok, 4); // 4 × 1004 bytes fit in 4096 with the gap word
    assert.equal(w.dropped, 6);
    const seen: number[] = [];
    r.drain((d, off) => seen.push(d[off]));
    assert.deepEqual(seen, [0, 1, 2, 3]);
    assert.equal(r.used, 0);
  });

  it('a route reader drops (and counts) RTP that waited past its bound, and relays the rest', () => {
    const mem = createRingMemory(65536);
    const w = new RingWriter(mem, () => undefined);
    const r = new RingReader(mem);
    for (let seq = 1; seq <= 4; seq++) assert.ok(writeRtp(w, 9, rtp(seq, 200)));
    const relayed: number[] = [];
    const reader = new RecordReader(
      { rtp: (_k, q) => relayed.push(q.buffer.readUInt16BE(2)), rtcp: () => undefined, data: () => undefined, event: () => undefined },
      200,
    );
    // records 2 and 3 have waited 250 ms and 10 s (their write stamp moved back), 1 and 4 are fresh
    const age = new Map([[2, 250], [3, 10_000]]);
    r.drain((d, at, len) => {
      const back = age.get(d.readUInt16BE(at + 28 + 1 + 2)); // header, mid "1", then the packet's seq
      if (back !== undefined) d.writeUInt32LE((d.readUInt32LE(at + 24) - back) >>> 0, at + 24);
      reader.onRecord(d, at, len);
    });
    assert.deepEqual(relayed, [1, 4]);
    assert.equal(reader.stale, 2);
    // without a bound (the plugin's own packets between main thread and workers) nothing is dropped
    const all = new RecordReader({ rtp: () => undefined, rtcp: () => undefined, data: () => undefined, event: () => undefined });
    assert.ok(writeRtp(w, 9, rtp(5, 200)));
    r.drain((d, at, len) => {
      d.writeUInt32LE((d.readUInt32LE(at + 24) - 60_000) >>> 0, at + 24);
      all.onRecord(d, at, len);
    });
    assert.equal(all.stale, 0);
  });

  it('carries RTP and data packets with their metadata', () => {
    const mem = createRingMemory(65536);
    const w = new RingWriter(mem, () => undefined);
    const r = new RingReader(mem);
    const p = rtp(7, 300);
    p.extensions.audioLevel = 42;
    p.extensions.audioLevelVad = true;
    p.extensions.videoRotation = 270;
    p.extensions.maxDelay = 1000;
    assert.ok(writeRtp(w, 99, p));
    const d: DataPacket = { label: 'chat', protocol: 'p', binary: false, buffer: Buffer.from('hello'), length: 5 };
    assert.ok(writeData(w, 5, d));
    const got: unknown[] = [];
    const reader = new RecordReader({
      rtp: (key, q) => got.push({ key, mid: q.mid, mindex: q.mindex, sub: q.substream, video: q.video, len: q.length, blen: q.buffer.length, seq: q.buffer.readUInt16BE(2), ext: { ...q.extensions } }),
      rtcp: () => assert.fail('no rtcp'),
      data: (key, q) => got.push({ key, label: q.label, protocol: q.protocol, text: q.buffer.toString(), binary: q.binary }),
      event: () => assert.fail('no event'),
    });
    r.drain(reader.onRecord);
    assert.deepEqual(got, [
      { key: 99, mid: '1', mindex: 1, sub: 2, video: true, len: 300, blen: 300, seq: 7, ext: { ...ext(), audioLevel: 42, audioLevelVad: true, videoRotation: 270, maxDelay: 1000 } },
      { key: 5, label: 'chat', protocol: 'p', text: 'hello', binary: false },
    ]);
  });

  it('wakes a consumer on another thread, batched, without losing records', async function () {
    this.timeout(20000);
    const mem = createRingMemory(1 << 20);
    // the worker counts records and sums their first byte, then reports through its own ring
    const src = `
      const { workerData, parentPort } = require('node:worker_threads');
      const { RingReader } = require(${JSON.stringify(require.resolve('../core/media-workers/packet-ring'))});
      const r = new RingReader(workerData.mem);
      let n = 0, sum = 0;
      parentPort.on('message', () => r.wake());
      r.start((d, off) => { n++; sum += d[off]; if (n === workerData.total) parentPort.postMessage({ n, sum }); });
    `;
    const total = 50000;
    const worker = new Worker(src, { eval: true, workerData: { mem, total } });
    const done = new Promise<{ n: number; sum: number }>((res, rej) => {
      worker.once('message', res);
      worker.once('error', rej);
      worker.once('exit', (code) => rej(new Error(`worker exited (${code})`)));
    });
    const w = new RingWriter(mem, () => worker.postMessage('wake'));
    const pkt = Buffer.alloc(1200);
    let sent = 0;
    let sum = 0;
    while (sent < total) {
      // bursts of 100, yielding so the batched wake-up runs; a full ring waits a little
      let full = false;
      for (let i = 0; i < 100 && sent < total && !full; i++) {
        pkt[0] = sent & 0xff;
        if (w.push(pkt)) {
          sum += sent & 0xff;
          sent++;
        } else full = true;
      }
      await new Promise((r) => (full ? setTimeout(r, 2) : setImmediate(r)));
    }
    const res = await done;
    await worker.terminate();
    assert.deepEqual(res, { n: total, sum });
    // batched: far fewer wake-ups than records
    assert.ok(w.wakeups < total / 10, `${w.wakeups} wake-ups for ${total} records`);
  });
});
