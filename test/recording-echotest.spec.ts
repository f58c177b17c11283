import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMjr } from '../core/plugin-api';
import { adminPost, clientPeer, gathered, JanusWs, startMediaServer, until, type MediaServer } from './media-support';
import { FramePump, OPUS_SILENCE, ppRec, probe, toolsMissing, vp8Frames } from './recording-support';

/**
 * EchoTest `record` with a werift peer sending real VP8 (ffmpeg's test pattern), Opus and data
 * channel text; the files are checked with Debian's janus-pp-rec and ffprobe.
 */
describe('Recording: EchoTest record/filename, post-processed by janus-pp-rec', function () {
  this.timeout(60000);
  let srv: MediaServer;
  let dir: string;
  before(async function () {
    const missing = toolsMissing();
    if (missing) return this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-rec-'));
    srv = await startMediaServer({ 'general.recordings_tmp_ext': 'part' });
  });
  after(async () => {
    await srv?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes audio, video and data .mjr files that janus-pp-rec turns into .opus/.webm/.srt with the expected duration and frames', async () => {
    const fps = 30;
    const frames = vp8Frames(dir, 2, fps);
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const handle = await janus.attach();
    const pc = clientPeer();
    const audio = pc.addTransceiver('audio', { direction: 'sendrecv' });
    const video = pc.addTransceiver('video', { direction: 'sendrecv' });
    const dc = pc.createDataChannel('echo');
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const base = path.join(dir, 'echo');
    const { transaction } = await janus.message(handle, { audio: true, video: true, record: true, filename: base }, { type: 'offer', sdp: pc.localDescription!.sdp });
    const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    assert.deepEqual(ev.plugindata.data, { echotest: 'event', result: 'ok' });
    await pc.setRemoteDescription(ev.jsep);
    await janus.waitFor((m) => m.janus === 'webrtcup', 8000, 'webrtcup');
    await until(() => dc.readyState === 'open', 5000);

    // while open, the files carry the temporary extension
    assert.ok(await until(() => fs.existsSync(`${base}-video.mjr.part`), 3000), 'video file (.part) created');
    const vpt = Number(/a=rtpmap:(\d+) VP8/i.exec(ev.jsep.sdp)?.[1] ?? 96);
    const apt = Number(/a=rtpmap:(\d+) opus/i.exec(ev.jsep.sdp)?.[1] ?? 111);
    const vpump = new FramePump(video, vpt, 'vp8', frames, 90000 / fps);
    const apump = new FramePump(audio, apt, 'opus', [OPUS_SILENCE], 960);
    vpump.start(fps);
    apump.start(50);
    const texts: string[] = [];
    const dtimer = setInterval(() => {
      const t = `hello ${texts.length}`;
      texts.push(t);
      dc.send(t);
    }, 250);
    // Admin handle_info lists the open recordings, and EchoTest's own `recording` names them
    await until(() => vpump.frames >= 4 * fps, 15000);
    const info = await adminPost(srv.adminUrl, { janus: 'handle_info', session_id: janus.session, handle_id: handle });
    assert.deepEqual(info.info.plugin_specific.recording, { audio: 'echo-audio.mjr', video: 'echo-video.mjr', data: 'echo-data.mjr' });
    assert.equal(info.info.recordings.length, 3);
    for (const r of info.info.recordings) assert.equal(r.state, 'recording', JSON.stringify(r));

    const stop = await janus.message(handle, { record: false });
    vpump.stop();
    apump.stop();
    clearInterval(dtimer);
    await janus.waitFor((m) => m.janus === 'event' && m.transaction === stop.transaction);
    // renamed once closed
    for (const m of ['audio', 'video', 'data']) {
      assert.ok(await until(() => fs.existsSync(`${base}-${m}.mjr`), 5000), `${m} renamed on close`);
      assert.equal(fs.existsSync(`${base}-${m}.mjr.part`), false);
    }

    // the info headers: janus-pp-rec -j prints them as written
    const hv = await ppRec('-j', `${base}-video.mjr`);
    assert.equal(hv.code, 0, hv.err);
    const jv = JSON.parse(hv.out.trim().split('\n').pop()!);
    assert.equal(jv.t, 'v');
    assert.equal(jv.c, 'vp8');
    assert.ok(jv.u >= jv.s && jv.s > 1.6e15, JSON.stringify(jv));
    assert.match(fs.readFileSync(`${base}-video.mjr`).subarray(0, 40).toString('latin1'), /^MJR00002\0.\{"t": "v", "c": "vp8", "s": \d+/s);
    for (const m of ['audio', 'video', 'data']) {
      const p = await ppRec('-p', `${base}-${m}.mjr`);
      assert.equal(p.code, 0, `${m}: ${p.err}`);
    }

    // what we wrote: sequence numbers from 1, continuous; timestamps from 0
    const mv = await readMjr(`${base}-video.mjr`);
    const seqs = mv.frames.map((f) => mv.data.readUInt16BE(f.offset + 2));
    assert.equal(seqs[0], 1);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], (seqs[i - 1] + 1) & 0xffff);
    assert.equal(mv.data.readUInt32BE(mv.frames[0].offset + 4), 0);
    const lastTs = mv.data.readUInt32BE(mv.frames[mv.frames.length - 1].offset + 4);
    const recordedFrames = lastTs / (90000 / fps) + 1;

    await ppRec(`${base}-video.mjr`, `${base}.webm`);
    await ppRec(`${base}-audio.mjr`, `${base}.opus`);
    await ppRec(`${base}-data.mjr`, `${base}.srt`);
    const pv = await probe(`${base}.webm`, true);
    assert.equal(pv.codec, 'vp8');
    assert.equal(pv.width, 320);
    assert.ok(Math.abs(pv.frames - recordedFrames) <= Math.max(2, recordedFrames * 0.05), `webm frames ${pv.frames} vs recorded ${recordedFrames}`);
    assert.ok(Math.abs(pv.duration - recordedFrames / fps) <= (recordedFrames / fps) * 0.05, `webm duration ${pv.duration} vs ${recordedFrames / fps}`);

    const ma = await readMjr(`${base}-audio.mjr`);
    const pa = await probe(`${base}.opus`, false);
    assert.equal(pa.codec, 'opus');
    const audioSpan = (ma.data.readUInt32BE(ma.frames[ma.frames.length - 1].offset + 4) + 960) / 48000;
    assert.ok(Math.abs(pa.duration - audioSpan) <= audioSpan * 0.05, `opus duration ${pa.duration} vs ${audioSpan}`);
    assert.ok(Math.abs(pa.frames - ma.frames.length) <= 2, `opus packets ${pa.frames} vs ${ma.frames.length}`);

    // data: what the peer sent, with wall-clock times
    const md = await readMjr(`${base}-data.mjr`);
    const got = md.frames.map((f) => md.data.toString('utf8', f.offset, f.offset + f.length));
    assert.ok(got.length >= 5, `data frames ${got.length}`);
    for (const g of got) assert.ok(texts.includes(g), g);
    assert.ok(md.frames.every((f) => f.when! > 1.6e15));
    assert.match(fs.readFileSync(`${base}.srt`, 'utf8'), /hello \d+/);

    janus.close();
    await pc.close();
  });
});
