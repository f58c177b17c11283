import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Settings } from '../core/config/settings';
import { Logger } from '../core/logger';
import { readMjr } from '../core/plugin-api';
import { Recorder } from '../core/recording/recorder';
import { ppRec, toolsMissing } from './recording-support';

function rtp(seq: number, ts: number, ssrc: number, pt = 111, size = 100): Buffer {
  const b = Buffer.alloc(size, 0x33);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The .mjr writer on its own: header layout, frames, Janus's header rewriting, file handling. */
describe('Recording: .mjr files (format 2)', function () {
  this.timeout(20000);
  let dir: string;
  let recorder: Recorder;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-mjr-'));
    recorder = new Recorder(new Settings(), new Logger({ level: 0, stdout: false, file: path.join(dir, 'log'), timestamps: false }));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the info header with every optional field in Janus order and layout', async () => {
    const rec = recorder.create({
      dir, filename: 'full', codec: 'opus', fmtp: 'minptime=10', description: 'mic "A"',
      extensions: [{ id: 3, uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level' }, { id: 1, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }],
      opusRedPt: 63, encrypted: true,
    });
    rec.saveRtp(rtp(10, 1000, 5), 100);
    await rec.close();
    const d = fs.readFileSync(path.join(dir, 'full.mjr'));
    assert.equal(d.toString('latin1', 0, 8), 'MJR00002');
    const len = d.readUInt16BE(8);
    const text = d.toString('utf8', 10, 10 + len);
    assert.match(text, /^\{"t": "a", "c": "opus", "f": "minptime=10", "d": "mic \\"A\\"", "x": \{"1": "urn:ietf:params:rtp-hdrext:sdes:mid", "3": "urn:ietf:params:rtp-hdrext:ssrc-audio-level"\}, "s": \d{16}, "u": \d{16}, "or": 63, "e": true\}$/);
    // then one frame: MEET, relative ms, length, the packet
    const f = 10 + len;
    assert.equal(d.toString('latin1', f, f + 4), 'MEET');
    assert.equal(d.readUInt32BE(f + 4), 0);
    assert.equal(d.readUInt16BE(f + 8), 100);
    assert.equal(d.length, f + 10 + 100);
    if (!toolsMissing()) {
      const j = await ppRec('-j', path.join(dir, 'full.mjr'));
      assert.equal(j.code, 0);
      assert.ok(j.out.includes('"or": 63'));
    }
  });

  it("rewrites sequence numbers and timestamps as Janus: from 1 and 0, continuous across an SSRC change (gap = time passed) and a pause (cut out), SSRC kept", async () => {
    const rec = recorder.create({ dir, filename: 'seq', codec: 'opus' });
    for (let i = 0; i < 5; i++) rec.saveRtp(rtp(60000 + i, 4e9 + i * 960, 7), 100);
    const tA = performance.now();
    await sleep(100);
    const tB = performance.now();
    // a new SSRC with unrelated numbers: the gap is filled with the time that passed (48 kHz)
    for (let i = 0; i < 5; i++) rec.saveRtp(rtp(100 + i, 5000 + i * 960, 8), 100);
    const tC = performance.now();
    rec.pause();
    rec.saveRtp(rtp(105, 5000 + 5 * 960, 8), 100); // not recorded
    await sleep(100);
    rec.resume();
    rec.saveRtp(rtp(106, 5000 + 6 * 960, 8), 100);
    await rec.close();
    const m = await readMjr(rec.file);
    const seq = m.frames.map((f) => m.data.readUInt16BE(f.offset + 2));
    const ts = m.frames.map((f) => m.data.readUInt32BE(f.offset + 4));
    const ssrc = m.frames.map((f) => m.data.readUInt32BE(f.offset + 8));
    assert.deepEqual(seq, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.deepEqual(ts.slice(0, 5), [0, 960, 1920, 2880, 3840]);
    const gap1 = ts[5] - ts[4];
    // the time between the two saves, at 48 kHz (the saves happen just outside tA..tB, inside tA..tC)
    assert.ok(gap1 >= Math.floor((tB - tA) * 48) - 48 && gap1 <= Math.ceil((tC - tA) * 48) + 48, `gap after SSRC change ${gap1} for ${(tB - tA).toFixed(1)} ms`);
    assert.deepEqual(ts.slice(6, 10).map((t, i) => t - ts[5 + i]), [960, 960, 960, 960]);
    // as Janus: resume restarts the clock, so the paused time is cut out of the file
    const gap2 = ts[10] - ts[9];
    assert.ok(gap2 >= 1 && gap2 < 960, `gap after resume ${gap2}`);
    assert.deepEqual([...new Set(ssrc)], [7, 8]);
    assert.equal(rec.info().packets, 11);
  });

  it('data frames carry their wall-clock time; RTP saves on a data recording (and data on RTP) are ignored', async () => {
    const rec = recorder.create({ dir, filename: 'data', codec: 'binary' });
    const before = Date.now() * 1000;
    rec.saveData(Buffer.from([1, 2, 3]), 3);
    rec.saveRtp(rtp(1, 1, 1), 100);
    await rec.close();
    const m = await readMjr(rec.file);
    assert.equal(m.header.t, 'd');
    assert.equal(m.header.c, 'binary');
    assert.equal(m.frames.length, 1);
    assert.deepEqual([...m.data.subarray(m.frames[0].offset, m.frames[0].offset + 3)], [1, 2, 3]);
    assert.ok(m.frames[0].when! >= before - 1000 && m.frames[0].when! <= Date.now() * 1000 + 1000);
  });

  it('recordings_tmp_ext: .mjr.<ext> while open, renamed on close; the same file again waits for the old one', async () => {
    recorder.tmpExt = 'tmp';
    const a = recorder.create({ dir, filename: 'same', codec: 'vp8' });
    for (let i = 0; i < 300; i++) a.saveRtp(rtp(i, i * 3000, 1, 96, 1000), 1000);
    await sleep(50);
    assert.ok(fs.existsSync(path.join(dir, 'same.mjr.tmp')));
    assert.equal(fs.existsSync(path.join(dir, 'same.mjr')), false);
    void a.close();
    const b = recorder.create({ dir, filename: 'same', codec: 'vp8' });
    for (let i = 0; i < 7; i++) b.saveRtp(rtp(i, i * 3000, 2, 96, 500), 500);
    await b.close();
    const m = await readMjr(path.join(dir, 'same.mjr'));
    assert.equal(m.frames.length, 7);
    assert.equal(fs.existsSync(path.join(dir, 'same.mjr.tmp')), false);
  });

  it('the folder is created (with parents); a folder that is a file fails asynchronously with the reason', async () => {
    const deep = path.join(dir, 'a', 'b', 'c');
    const ok = recorder.create({ dir: deep, filename: 'x', codec: 'h264' });
    ok.saveRtp(rtp(1, 1, 1, 96), 100);
    await ok.close();
    assert.ok(fs.existsSync(path.join(deep, 'x.mjr')));
    // dir + a filename with folders: inside dir, as Janus's "<dir>/<filename>"
    const inside = recorder.create({ dir, filename: '/sub/y', codec: 'opus' });
    assert.equal(inside.file, path.join(dir, 'sub', 'y.mjr'));
    await inside.close();
    fs.writeFileSync(path.join(dir, 'file'), '');
    const reasons: string[] = [];
    const bad = recorder.create({ dir: path.join(dir, 'file', 'sub'), filename: 'y', codec: 'vp9' }, { failed: (_r, why) => reasons.push(why) });
    bad.saveRtp(rtp(1, 1, 1, 96), 100);
    await bad.close();
    assert.equal(reasons.length, 1);
    assert.match(reasons[0], /ENOTDIR|EEXIST|not a folder/);
    assert.equal(bad.info().state, 'failed');
    assert.equal(bad.error, reasons[0]);
  });
});
