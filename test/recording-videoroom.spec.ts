import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RTCPeerConnection, RTCRtpTransceiver } from 'werift';
import { EventBus } from '../core/events/event-bus';
import { PLUGIN_API_VERSION, readMjr, type JanusEvent } from '../core/plugin-api';
import { adminPost, gathered, JanusWs, sleep, startMediaServer, until, type MediaServer } from './media-support';
import { FramePump, OPUS_SILENCE, ppRec, probe, toolsMissing, vp8Frames } from './recording-support';
import { vrPeer } from './videoroom-media-support';

const VR = 'janus.plugin.videoroom';
type Msg = Record<string, any>;

interface Pub {
  janus: JanusWs;
  handle: number;
  pc: RTCPeerConnection;
  audio: RTCRtpTransceiver;
  video: RTCRtpTransceiver;
  dc: ReturnType<RTCPeerConnection['createDataChannel']>;
  pumps: FramePump[];
  answer: string;
}

async function sync(janus: JanusWs, handle: number, body: Msg): Promise<Msg> {
  const r = await janus.request({ janus: 'message', handle_id: handle, body });
  return r.plugindata.data;
}

async function publish(url: string, room: number, id: number, extra: Msg = {}): Promise<Pub> {
  const janus = await JanusWs.connect(url);
  await janus.createSession();
  const handle = await janus.attach(VR);
  const pc = vrPeer();
  const audio = pc.addTransceiver('audio', { direction: 'sendonly' });
  const video = pc.addTransceiver('video', { direction: 'sendonly' });
  const dc = pc.createDataChannel('chat');
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const { transaction } = await janus.message(handle, { request: 'joinandconfigure', ptype: 'publisher', room, id, ...extra }, { type: 'offer', sdp: pc.localDescription!.sdp });
  const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
  assert.equal(ev.plugindata.data.videoroom, 'joined', JSON.stringify(ev.plugindata.data));
  await pc.setRemoteDescription(ev.jsep);
  await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 8000, 'webrtcup');
  await until(() => dc.readyState === 'open', 5000);
  return { janus, handle, pc, audio, video, dc, pumps: [], answer: ev.jsep.sdp };
}

function startPumps(p: Pub, frames: Buffer[]): void {
  const vpt = Number(/a=rtpmap:(\d+) VP8/i.exec(p.answer)![1]);
  const apt = Number(/a=rtpmap:(\d+) opus/i.exec(p.answer)![1]);
  const v = new FramePump(p.video, vpt, 'vp8', frames, 3000);
  const a = new FramePump(p.audio, apt, 'opus', [OPUS_SILENCE], 960);
  v.start(30);
  a.start(50);
  p.pumps.push(v, a);
}

async function stopPub(p: Pub): Promise<void> {
  for (const x of p.pumps) x.stop();
  p.janus.close();
  await p.pc.close();
}

describe('Recording: VideoRoom rooms and publishers', function () {
  this.timeout(60000);
  let srv: MediaServer;
  let dir: string;
  let frames: Buffer[];
  const events: JanusEvent[] = [];
  before(async function () {
    if (toolsMissing()) return this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-vrrec-'));
    frames = vp8Frames(dir, 2, 30);
    srv = await startMediaServer({ 'events.broadcast': true });
    // an in-process event handler: what event handlers hear of recordings
    srv.server.container.resolve(EventBus).addHandler({
      kind: 'eventhandler',
      apiVersion: PLUGIN_API_VERSION,
      info: { package: 'test.evh', name: 't', author: 't', description: 't', version: 1, versionString: '1' },
      init: () => true,
      destroy: () => undefined,
      eventsMask: 64,
      incomingEvent: (e) => void events.push(e),
    });
  });
  after(async () => {
    await srv?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a recorded room (rec_dir created) writes one file per stream with Janus default names; janus-pp-rec converts them', async () => {
    const admin = await JanusWs.connect(srv.wsUrl);
    await admin.createSession();
    const ah = await admin.attach(VR);
    const recDir = path.join(dir, 'new', 'folder');
    const created = await sync(admin, ah, { request: 'create', room: 4242, record: true, rec_dir: recDir, secret: 's' });
    assert.equal(created.videoroom, 'created');
    const list = await sync(admin, ah, { request: 'list' });
    const entry = list.list.find((r: Msg) => r.room === 4242);
    assert.equal(entry.record, true);
    assert.equal(entry.rec_dir, recDir);
    assert.equal(entry.lock_record, false);

    const p = await publish(srv.wsUrl, 4242, 77);
    startPumps(p, frames);
    const texts: string[] = [];
    const dtimer = setInterval(() => {
      texts.push(`msg ${texts.length}`);
      p.dc.send(texts[texts.length - 1]);
    }, 200);
    await until(() => p.pumps[0].frames >= 90, 10000);
    const info = await adminPost(srv.adminUrl, { janus: 'handle_info', session_id: p.janus.session, handle_id: p.handle });
    const streams = info.info.plugin_specific.streams as Msg[];
    for (const s of streams) assert.match(s.recording, new RegExp(`^videoroom-4242-user-77-\\d{16}-${s.type}-${s.mindex}\\.mjr$`));
    const unpub = await p.janus.message(p.handle, { request: 'unpublish' });
    await p.janus.waitFor((m) => m.transaction === unpub.transaction && m.janus === 'event');
    clearInterval(dtimer);
    await stopPub(p);

    const files = await waitFiles(recDir, 3);
    const byType = (t: string) => path.join(recDir, files.find((f) => f.includes(`-${t}-`))!);
    assert.match(path.basename(byType('audio')), /^videoroom-4242-user-77-\d+-audio-0\.mjr$/);
    assert.match(path.basename(byType('video')), /^videoroom-4242-user-77-\d+-video-1\.mjr$/);
    assert.match(path.basename(byType('data')), /^videoroom-4242-user-77-\d+-data-2\.mjr$/);
    await sleep(300);
    for (const t of ['audio', 'video', 'data']) assert.equal((await ppRec('-p', byType(t))).code, 0, t);
    const mv = await readMjr(byType('video'));
    const span = mv.data.readUInt32BE(mv.frames[mv.frames.length - 1].offset + 4) / 3000 + 1;
    const webm = path.join(dir, 'vr.webm');
    await ppRec(byType('video'), webm);
    const pv = await probe(webm, true);
    assert.equal(pv.codec, 'vp8');
    assert.ok(Math.abs(pv.frames - span) <= Math.max(2, span * 0.05), `frames ${pv.frames} vs ${span}`);
    assert.ok(Math.abs(pv.duration - span / 30) <= (span / 30) * 0.05, `duration ${pv.duration}`);
    const opus = path.join(dir, 'vr.opus');
    await ppRec(byType('audio'), opus);
    assert.equal((await probe(opus, false)).codec, 'opus');
    const md = await readMjr(byType('data'));
    assert.equal(md.header.c, 'text');
    assert.ok(md.frames.length >= 5 && md.frames.every((f) => texts.includes(md.data.toString('utf8', f.offset, f.offset + f.length))));
    admin.close();
  });

  it('publisher record/filename on configure, lock_record needs the secret, enable_recording answers as Janus', async () => {
    const admin = await JanusWs.connect(srv.wsUrl);
    await admin.createSession();
    const ah = await admin.attach(VR);
    const recDir = path.join(dir, 'locked');
    await sync(admin, ah, { request: 'create', room: 4343, rec_dir: recDir, lock_record: true, secret: 'sec' });
    const p = await publish(srv.wsUrl, 4343, 88);
    startPumps(p, frames);
    const base = path.join(dir, 'custom', 'talk');
    // no secret: accepted, nothing recorded
    let c = await p.janus.message(p.handle, { request: 'configure', record: true, filename: base });
    let ev = await p.janus.waitFor((m) => m.transaction === c.transaction && m.janus === 'event');
    assert.equal(ev.plugindata.data.configured, 'ok');
    await sleep(500);
    assert.equal(fs.existsSync(path.dirname(base)) && fs.readdirSync(path.dirname(base)).length > 0, false);
    // with the secret: files <filename>-<type>-<mindex>.mjr (rec_dir + filename)
    c = await p.janus.message(p.handle, { request: 'configure', record: true, filename: 'talk', secret: 'sec' });
    ev = await p.janus.waitFor((m) => m.transaction === c.transaction && m.janus === 'event');
    await until(() => fs.existsSync(path.join(recDir, 'talk-video-1.mjr')), 3000);
    await until(() => p.pumps[0].frames >= 60, 5000);
    c = await p.janus.message(p.handle, { request: 'configure', record: false, secret: 'sec' });
    await p.janus.waitFor((m) => m.transaction === c.transaction && m.janus === 'event');
    assert.ok(await until(() => fs.existsSync(path.join(recDir, 'talk-audio-0.mjr')) && fs.existsSync(path.join(recDir, 'talk-data-2.mjr')), 3000));
    await sleep(300);
    assert.equal((await ppRec('-p', path.join(recDir, 'talk-video-1.mjr'))).code, 0);

    // enable_recording: {videoroom: success, record} without room; needs the secret
    const bad = await sync(admin, ah, { request: 'enable_recording', room: 4343, record: true });
    assert.equal(bad.error_code, 429);
    const wrong = await sync(admin, ah, { request: 'enable_recording', room: 4343, record: true, secret: 'nope' });
    assert.equal(wrong.error_code, 433);
    const ok = await sync(admin, ah, { request: 'enable_recording', room: 4343, record: true, secret: 'sec' });
    assert.deepEqual(ok, { videoroom: 'success', record: true });
    // the active publisher records again, under the filename it gave before (as Janus: it keeps it until hangup)
    const info = await adminPost(srv.adminUrl, { janus: 'handle_info', session_id: p.janus.session, handle_id: p.handle });
    assert.deepEqual(info.info.plugin_specific.streams.map((s: Msg) => s.recording), ['talk-audio-0.mjr', 'talk-video-1.mjr', 'talk-data-2.mjr']);
    const off = await sync(admin, ah, { request: 'enable_recording', room: 4343, record: false, secret: 'sec' });
    assert.deepEqual(off, { videoroom: 'success', record: false });
    await stopPub(p);
    admin.close();
  });

  it('an unwritable rec_dir: Janus answers success; the handle, event handlers and Admin handle_info say why; others keep recording', async () => {
    const admin = await JanusWs.connect(srv.wsUrl);
    await admin.createSession();
    const ah = await admin.attach(VR);
    const blocker = path.join(dir, 'a-file');
    fs.writeFileSync(blocker, 'x');
    const badDir = path.join(blocker, 'rec');
    await sync(admin, ah, { request: 'create', room: 4444, record: true, rec_dir: badDir });
    await sync(admin, ah, { request: 'create', room: 4445, record: true, rec_dir: path.join(dir, 'good') });
    const good = await publish(srv.wsUrl, 4445, 2);
    startPumps(good, frames);
    const p = await publish(srv.wsUrl, 4444, 1);
    startPumps(p, frames);
    const failed = await p.janus.waitFor((m) => m.janus === 'event' && m.plugindata?.data?.recording?.status === 'failed', 5000, 'recording failed event');
    const d = failed.plugindata.data;
    assert.equal(d.videoroom, 'event');
    assert.equal(d.room, 4444);
    assert.equal(d.id, 1);
    assert.match(d.recording.reason, /ENOTDIR|not a folder|cannot create folder/);
    assert.ok(d.recording.file.startsWith(badDir));
    const info = await adminPost(srv.adminUrl, { janus: 'handle_info', session_id: p.janus.session, handle_id: p.handle });
    assert.ok(info.info.recordings.length >= 1);
    assert.ok(info.info.recordings.every((r: Msg) => r.state === 'failed' && r.error), JSON.stringify(info.info.recordings));
    assert.ok(await until(() => events.some((e) => (e.event as Msg).data?.event === 'recording-failed' && e.handle_id === p.handle), 3000));
    const log = fs.readFileSync(path.join(srv.folder, 'janus.log'), 'utf8');
    assert.ok(log.includes(badDir), 'the log names the file');
    // the other publisher's recording is fine
    const ginfo = await adminPost(srv.adminUrl, { janus: 'handle_info', session_id: good.janus.session, handle_id: good.handle });
    assert.ok(ginfo.info.recordings.every((r: Msg) => r.state === 'recording' || r.state === 'opening'), JSON.stringify(ginfo.info.recordings));
    await until(() => good.pumps[0].frames >= 60, 5000);
    const ginfo2 = await adminPost(srv.adminUrl, { janus: 'handle_info', session_id: good.janus.session, handle_id: good.handle });
    assert.ok(ginfo2.info.recordings.find((r: Msg) => r.kind === 'video').packets > 30);
    await stopPub(p);
    await stopPub(good);
    admin.close();
  });
});

async function waitFiles(folder: string, n: number): Promise<string[]> {
  let files: string[] = [];
  await until(() => {
    files = fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.endsWith('.mjr')) : [];
    return files.length >= n;
  }, 5000);
  assert.equal(files.length, n, files.join(','));
  return files;
}
