import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMjr } from '../core/plugin-api';
import { adminPost, clientPeer, gathered, JanusWs, onTracks, startMediaServer, until, type MediaServer } from './media-support';
import { FramePump, OPUS_SILENCE, ppRec, toolsMissing, vp8Frames } from './recording-support';

const RP = 'janus.plugin.recordplay';
type Msg = Record<string, any>;
const SAMPLES = '/usr/share/janus/recordings';

/** Record&Play with werift peers: record, the .nfo and list, play back what was recorded. */
describe('Record&Play plugin (janus.plugin.recordplay)', function () {
  this.timeout(60000);
  let srv: MediaServer;
  let dir: string;
  let janus: JanusWs;
  before(async function () {
    if (toolsMissing()) return this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-rp-'));
    // Janus's own sample (old .mjr format) plays here too
    if (fs.existsSync(path.join(SAMPLES, '1234.nfo'))) {
      for (const f of ['1234.nfo', 'rec-sample-audio.mjr', 'rec-sample-video.mjr']) fs.copyFileSync(path.join(SAMPLES, f), path.join(dir, f));
    }
    srv = await startMediaServer({}, {}, { 'janus.plugin.recordplay': { 'general.path': dir } });
    janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
  });
  after(async () => {
    janus?.close();
    await srv?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function sync(handle: number, body: Msg): Promise<Msg> {
    return (await janus.request({ janus: 'message', handle_id: handle, body })).plugindata.data;
  }

  it('answers list/update/configure synchronously and refuses bad requests with its error codes', async () => {
    const h = await janus.attach(RP);
    const list = await sync(h, { request: 'list' });
    assert.equal(list.recordplay, 'list');
    if (fs.existsSync(path.join(dir, '1234.nfo'))) {
      assert.deepEqual(list.list.find((r: Msg) => r.id === 1234), { id: 1234, name: 'Lorenzo says hello!', date: '2014-10-22 14:44:36', audio: true, audio_codec: 'opus', video: true, video_codec: 'vp8', data: false });
    }
    assert.deepEqual(await sync(h, { request: 'update' }), { recordplay: 'ok' });
    assert.deepEqual(await sync(h, { request: 'configure', 'video-bitrate-max': 256000 }), { recordplay: 'configure', status: 'ok', settings: { 'video-keyframe-interval': 15000, 'video-bitrate-max': 256000 } });
    assert.deepEqual(await sync(h, {}), { recordplay: 'event', error_code: 415, error: 'Missing mandatory element (request)' });
    assert.deepEqual(await sync(h, { request: 'nope' }), { recordplay: 'event', error_code: 413, error: "Unknown request 'nope'" });
    const r = await janus.message(h, { request: 'record', name: 'x' });
    assert.equal(r.reply.janus, 'ack');
    const ev = await janus.waitFor((m) => m.transaction === r.transaction && m.janus === 'event');
    assert.deepEqual(ev.plugindata.data, { recordplay: 'event', error_code: 415, error: 'Missing SDP offer' });
    const p = await janus.message(h, { request: 'play', id: 999 });
    const pe = await janus.waitFor((m) => m.transaction === p.transaction && m.janus === 'event');
    assert.deepEqual(pe.plugindata.data, { recordplay: 'event', error_code: 416, error: 'No such recording' });
    const s = await janus.message(h, { request: 'start' });
    const se = await janus.waitFor((m) => m.transaction === s.transaction && m.janus === 'event');
    assert.deepEqual(se.plugindata.data, { recordplay: 'event', error_code: 418, error: "Not a playout session, can't start" });
    const admin = await adminPost(srv.adminUrl, { janus: 'message_plugin', plugin: RP, request: { request: 'update' } });
    assert.deepEqual(admin.response, { recordplay: 'ok' });
  });

  it('records audio, video and data, writes the .nfo, lists it, and plays it back at the recorded pace', async () => {
    const frames = vp8Frames(dir, 2, 30);
    const h = await janus.attach(RP);
    const pc = clientPeer();
    const audio = pc.addTransceiver('audio', { direction: 'sendonly' });
    const video = pc.addTransceiver('video', { direction: 'sendonly' });
    const dc = pc.createDataChannel('rec');
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const { transaction } = await janus.message(h, { request: 'record', name: 'werift says hello', id: 4321, filename: 'hello' }, { type: 'offer', sdp: pc.localDescription!.sdp });
    const ev = await janus.waitFor((m) => m.transaction === transaction && m.janus === 'event');
    assert.deepEqual(ev.plugindata.data, { recordplay: 'event', result: { status: 'recording', id: 4321 } });
    assert.equal(ev.jsep.type, 'answer');
    assert.match(ev.jsep.sdp, /m=audio [\s\S]*a=recvonly[\s\S]*m=video [\s\S]*a=recvonly/);
    await pc.setRemoteDescription(ev.jsep);
    await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === h, 8000, 'webrtcup');
    await until(() => dc.readyState === 'open', 5000);
    const vpt = Number(/a=rtpmap:(\d+) VP8/i.exec(ev.jsep.sdp)![1]);
    const apt = Number(/a=rtpmap:(\d+) opus/i.exec(ev.jsep.sdp)![1]);
    const vp = new FramePump(video, vpt, 'vp8', frames, 3000);
    const ap = new FramePump(audio, apt, 'opus', [OPUS_SILENCE], 960);
    vp.start(30);
    ap.start(50);
    const dtimer = setInterval(() => dc.send(`line ${Date.now()}`), 300);
    await until(() => vp.frames >= 90, 10000);
    // a recording in progress is not listed
    assert.equal((await sync(h, { request: 'list' })).list.some((r: Msg) => r.id === 4321), false);
    const stop = await janus.message(h, { request: 'stop' });
    const se = await janus.waitFor((m) => m.transaction === stop.transaction && m.janus === 'event');
    assert.deepEqual(se.plugindata.data, { recordplay: 'event', result: { status: 'stopped', id: 4321 } });
    await janus.waitFor((m) => m.janus === 'event' && m.sender === h && m.plugindata?.data?.result === 'done', 5000, 'done');
    vp.stop();
    ap.stop();
    clearInterval(dtimer);
    await pc.close();
    assert.ok(await until(() => fs.existsSync(path.join(dir, '4321.nfo')), 5000), '.nfo written');
    const nfo = fs.readFileSync(path.join(dir, '4321.nfo'), 'utf8');
    assert.match(nfo, /^\[4321\]\r\nname = werift says hello\r\ndate = \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\r\naudio = hello-audio\.mjr\r\nvideo = hello-video\.mjr\r\ndata = hello-data\.mjr\r\n$/);
    for (const m of ['audio', 'video', 'data']) assert.equal((await ppRec('-p', path.join(dir, `hello-${m}.mjr`))).code, 0, m);
    const listed = (await sync(h, { request: 'list' })).list.find((r: Msg) => r.id === 4321);
    assert.deepEqual({ ...listed, date: 'x' }, { id: 4321, name: 'werift says hello', date: 'x', audio: true, audio_codec: 'opus', video: true, video_codec: 'vp8', data: true });

    // play it back on another handle
    const recorded = await readMjr(path.join(dir, 'hello-video.mjr'));
    const recordedAudio = await readMjr(path.join(dir, 'hello-audio.mjr'));
    const ph = await janus.attach(RP);
    const pl = await janus.message(ph, { request: 'play', id: 4321 });
    const pev = await janus.waitFor((m) => m.transaction === pl.transaction && m.janus === 'event');
    assert.deepEqual(pev.plugindata.data, { recordplay: 'event', result: { status: 'preparing', id: 4321 } });
    assert.equal(pev.jsep.type, 'offer');
    assert.match(pev.jsep.sdp, /m=audio[\s\S]*a=sendonly[\s\S]*m=video[\s\S]*a=sendonly[\s\S]*m=application/);
    const viewer = clientPeer();
    await viewer.setRemoteDescription(pev.jsep);
    let gotVideo = 0;
    let gotAudio = 0;
    const texts: string[] = [];
    viewer.onDataChannel.subscribe((ch) => ch.onMessage.subscribe((m) => texts.push(String(m))));
    for (const t of viewer.getTransceivers()) {
      onTracks(t, () => {
        if (t.kind === 'video') gotVideo++;
        else gotAudio++;
      });
    }
    await viewer.setLocalDescription(await viewer.createAnswer());
    await gathered(viewer);
    const st = await janus.message(ph, { request: 'start' }, { type: 'answer', sdp: viewer.localDescription!.sdp });
    const stev = await janus.waitFor((m) => m.transaction === st.transaction && m.janus === 'event');
    assert.deepEqual(stev.plugindata.data, { recordplay: 'event', result: { status: 'playing' } });
    const t0 = Date.now();
    await janus.waitFor((m) => m.janus === 'event' && m.sender === ph && m.plugindata?.data?.result === 'done', 20000, 'playout done');
    const took = (Date.now() - t0) / 1000;
    const span = recorded.data.readUInt32BE(recorded.frames[recorded.frames.length - 1].offset + 4) / 90000;
    assert.ok(took >= span * 0.9 && took <= span + 2, `playout took ${took}s for ${span}s of video`);
    assert.ok(gotVideo >= recorded.frames.length * 0.95, `video ${gotVideo}/${recorded.frames.length}`);
    assert.ok(gotAudio >= recordedAudio.frames.length * 0.95, `audio ${gotAudio}/${recordedAudio.frames.length}`);
    assert.ok(texts.some((t) => t.startsWith('line ')), `data ${texts.length}`);
    await viewer.close();
  });

  it("plays Janus's own sample recording (the legacy MEETECHO .mjr format)", async function () {
    if (!fs.existsSync(path.join(dir, '1234.nfo'))) return this.skip();
    const h = await janus.attach(RP);
    const pl = await janus.message(h, { request: 'play', id: 1234 });
    const pev = await janus.waitFor((m) => m.transaction === pl.transaction && m.janus === 'event');
    assert.deepEqual(pev.plugindata.data, { recordplay: 'event', result: { status: 'preparing', id: 1234 } });
    assert.match(pev.jsep.sdp, /a=rtpmap:\d+ opus\/48000\/2[\s\S]*a=rtpmap:\d+ VP8\/90000/);
    const viewer = clientPeer();
    await viewer.setRemoteDescription(pev.jsep);
    let video = 0;
    let audio = 0;
    for (const t of viewer.getTransceivers()) onTracks(t, () => (t.kind === 'video' ? video++ : audio++));
    await viewer.setLocalDescription(await viewer.createAnswer());
    await gathered(viewer);
    const st = await janus.message(h, { request: 'start' }, { type: 'answer', sdp: viewer.localDescription!.sdp });
    await janus.waitFor((m) => m.transaction === st.transaction && m.janus === 'event');
    // 10.5 s of media: the first two seconds are enough to see both flow at their pace
    assert.ok(await until(() => video >= 30 && audio >= 90, 8000), `video ${video}, audio ${audio}`);
    const stop = await janus.message(h, { request: 'stop' });
    const se = await janus.waitFor((m) => m.transaction === stop.transaction && m.janus === 'event');
    assert.deepEqual(se.plugindata.data, { recordplay: 'event', result: { status: 'stopped', id: 1234 } });
    await janus.waitFor((m) => m.janus === 'event' && m.sender === h && m.plugindata?.data?.result === 'done', 5000, 'done');
    await viewer.close();
  });
});
