import 'reflect-metadata';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RtpHeader, RtpPacket } from 'werift';
import { adminPost, startMediaServer, until, type MediaServer } from './media-support';
import { AbPeer, PcmWindow, ToneSource, UdpListener } from './audiobridge-support';
import { sleep } from './support/wait';
import { startTestServer } from './support/server';

/** Talking events, a plain-RTP participant, an rtp_forward of the mix, the WAV recording. */
describe('AudioBridge media: talking, plain RTP, forwarders, recording', function () {
  this.timeout(60000);
  let srv: MediaServer;
  const cleanup: Array<() => unknown> = [];
  const admin = (request: Record<string, unknown>) =>
    adminPost(srv.adminUrl, { janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', request }).then((r) => r.response as Record<string, any>);

  before(async () => {
    srv = await startMediaServer();
  });
  // each test's peers, sockets and timers go when it ends: on a loaded machine, leftover 50 packet/s
  // senders from earlier tests would starve the later ones
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  after(async () => {
    await srv?.stop();
  });

  it('talking / stopped-talking follow the audio-level extension, to everyone including the talker', async () => {
    const room = 5001;
    await admin({ request: 'create', room, audiolevel_event: true, audio_active_packets: 10, audio_level_average: 25 });
    const a = await AbPeer.join(srv.wsUrl, room);
    const b = await AbPeer.join(srv.wsUrl, room);
    cleanup.push(() => a.close(), () => b.close());
    a.level = 10;
    a.sendTone(new ToneSource(700));
    const talkB = await b.janus.waitFor((m) => m.plugindata?.data?.audiobridge === 'talking', 10000, 'talking at b');
    assert.equal(talkB.plugindata.data.id, a.id);
    await a.janus.waitFor((m) => m.plugindata?.data?.audiobridge === 'talking', 5000, 'talking at a');
    const list = await admin({ request: 'listparticipants', room });
    assert.equal(list.participants.find((p: any) => p.id === a.id).talking, true);
    a.level = 127;
    const stop = await b.janus.waitFor((m) => m.plugindata?.data?.audiobridge === 'stopped-talking', 10000, 'stopped-talking');
    assert.equal(stop.plugindata.data.id, a.id);
  });

  it('kick closes the PeerConnection; the participant then leaves (others see kicked, then leaving)', async () => {
    const room = 5007;
    await admin({ request: 'create', room, secret: 'k' });
    const a = await AbPeer.join(srv.wsUrl, room);
    const b = await AbPeer.join(srv.wsUrl, room);
    cleanup.push(() => a.close(), () => b.close());
    const r = await admin({ request: 'kick', room, secret: 'k', id: a.id });
    assert.deepEqual(r, { audiobridge: 'success' });
    await b.janus.waitFor((m) => m.plugindata?.data?.kicked === a.id, 5000, 'kicked');
    await b.janus.waitFor((m) => m.plugindata?.data?.leaving === a.id, 10000, 'leaving');
    await a.janus.waitFor((m) => m.janus === 'hangup', 10000, 'hangup at the kicked one');
    const list = await admin({ request: 'listparticipants', room });
    assert.deepEqual(list.participants.map((p: any) => p.id), [b.id]);
  });

  it('a plain-RTP participant hears the WebRTC one and is heard by it', async () => {
    const room = 5002;
    await admin({ request: 'create', room, allow_rtp_participants: true });
    const w = await AbPeer.join(srv.wsUrl, room);
    cleanup.push(() => w.close());
    w.sendTone(new ToneSource(900));
    const udp = await new UdpListener().open();
    cleanup.push(() => udp.close());
    // the plain-RTP leg is driven through a second handle, as an orchestrator would
    const ctl = await AbPeer.joinless(srv.wsUrl);
    cleanup.push(() => ctl.close());
    const joined = await ctl.request({ request: 'join', room, display: 'sip', rtp: { ip: '127.0.0.1', port: udp.port, payload_type: 100 } });
    assert.equal(joined.audiobridge, 'joined');
    assert.equal(joined.rtp.payload_type, 100);
    assert.ok(joined.rtp.port > 0);
    // send our own tone to the port we were given
    const tone = new ToneSource(1700);
    let seq = 1;
    let ts = 0;
    const timer = setInterval(() => {
      const pkt = new RtpPacket(new RtpHeader({ payloadType: 100, sequenceNumber: seq++, timestamp: (ts += 960), ssrc: 1234 }), tone.next());
      udp.socket.send(pkt.serialize(), joined.rtp.port, joined.rtp.ip);
    }, 20);
    cleanup.push(() => clearInterval(timer));
    assert.ok(await until(() => udp.heard.samples >= 48000 * 1.5, 10000), `plain leg heard ${udp.heard.samples}`);
    assert.equal(udp.lastPt, 100);
    assert.ok(udp.heard.power(900) > 0.005, `plain hears webrtc: ${udp.heard.power(900)}`);
    assert.ok(udp.heard.power(1700) < udp.heard.power(900) / 50, 'plain does not hear itself');
    w.heard.reset();
    assert.ok(await until(() => w.heard.samples >= 48000 * 1.2, 10000));
    assert.ok(w.heard.power(1700) > 0.005, `webrtc hears plain: ${w.heard.power(1700)}`);
    assert.ok(w.heard.power(900) < w.heard.power(1700) / 50, 'webrtc does not hear itself');
  });

  it('rtp_forward sends the full mix (Opus), stop_rtp_forward stops it', async () => {
    const room = 5003;
    await admin({ request: 'create', room });
    const a = await AbPeer.join(srv.wsUrl, room);
    const b = await AbPeer.join(srv.wsUrl, room);
    cleanup.push(() => a.close(), () => b.close());
    a.sendTone(new ToneSource(600));
    b.sendTone(new ToneSource(1500));
    const udp = await new UdpListener().open();
    cleanup.push(() => udp.close());
    const f = await admin({ request: 'rtp_forward', room, host: '127.0.0.1', port: udp.port, ptype: 111, ssrc: 777 });
    assert.equal(f.audiobridge, 'success');
    assert.ok(await until(() => udp.heard.samples >= 48000 * 1.5, 10000), `forward heard ${udp.heard.samples}`);
    assert.equal(udp.lastPt, 111);
    assert.equal(udp.lastSsrc, 777);
    assert.ok(udp.heard.power(600) > 0.005 && udp.heard.power(1500) > 0.005, `both tones forwarded: ${udp.heard.power(600)} ${udp.heard.power(1500)}`);
    // a second forwarder keeps running: 25 packets on it after the stop bound the wait for
    // packets that must not come on the first
    const witness = await new UdpListener().open();
    cleanup.push(() => witness.close());
    assert.equal((await admin({ request: 'rtp_forward', room, host: '127.0.0.1', port: witness.port, ptype: 111 })).audiobridge, 'success');
    const s = await admin({ request: 'stop_rtp_forward', room, stream_id: f.stream_id });
    assert.equal(s.audiobridge, 'success');
    const n = udp.packets;
    const w = witness.packets;
    assert.ok(await until(() => witness.packets >= w + 25, 10000), `the other forwarder sent ${witness.packets - w}`);
    assert.ok(udp.packets <= n + 1, `${udp.packets - n} packets after stop`);
  });

  it('groups: join needs a known group, a group forwarder carries only that group', async () => {
    const room = 5008;
    await admin({ request: 'create', room, groups: ['red', 'blue'] });
    const none = await AbPeer.joinless(srv.wsUrl);
    cleanup.push(() => none.close());
    assert.deepEqual(await none.request({ request: 'join', room }), { audiobridge: 'event', error_code: 483, error: 'Missing mandatory element (group)' });
    assert.deepEqual(await none.request({ request: 'join', room, group: 'green' }), { audiobridge: 'event', error_code: 494, error: 'No such group (green)' });
    const red = await AbPeer.join(srv.wsUrl, room, { group: 'red' });
    const blue = await AbPeer.join(srv.wsUrl, room, { group: 'blue' });
    cleanup.push(() => red.close(), () => blue.close());
    red.sendTone(new ToneSource(650));
    blue.sendTone(new ToneSource(1450));
    const udp = await new UdpListener().open();
    cleanup.push(() => udp.close());
    const f = await admin({ request: 'rtp_forward', room, group: 'red', host: '127.0.0.1', port: udp.port });
    assert.equal(f.group, 'red');
    assert.equal((await admin({ request: 'rtp_forward', room, group: 'green', host: '127.0.0.1', port: udp.port })).error_code, 494);
    const end = Date.now() + 15000;
    do {
      udp.heard.reset();
      assert.ok(await until(() => udp.heard.samples >= 48000 * 1.2, 10000));
    } while (!(udp.heard.power(650) > 0.005) && Date.now() < end);
    assert.ok(udp.heard.power(650) > 0.005, `red in the red forward: ${udp.heard.power(650)}`);
    assert.ok(udp.heard.power(1450) < udp.heard.power(650) / 50, `blue not in it: ${udp.heard.power(1450)}`);
    const list = await admin({ request: 'listforwarders', room });
    assert.equal(list.rtp_forwarders[0].group, 'red');
  });

  it('records the mix to a WAV file of the right length and content', async () => {
    const room = 5004;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-wav-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    await admin({ request: 'create', room, sampling_rate: 16000, record: false });
    const a = await AbPeer.join(srv.wsUrl, room);
    cleanup.push(() => a.close());
    a.sendTone(new ToneSource(800));
    await until(() => a.sent >= 25, 5000);
    const t0 = Date.now();
    const on = await admin({ request: 'enable_recording', room, record: true, record_dir: dir, record_file: 'mix.wav' });
    assert.deepEqual(on, { audiobridge: 'success', record: true });
    // the recording's length is what is checked against the wall clock: a duration, not a wait
    await sleep(3000);
    const off = await admin({ request: 'enable_recording', room, record: false });
    const elapsed = (Date.now() - t0) / 1000;
    assert.deepEqual(off, { audiobridge: 'success', record: false });
    const file = path.join(dir, 'mix.wav');
    let wav = Buffer.alloc(0);
    assert.ok(await until(() => fs.existsSync(file) && (wav = fs.readFileSync(file)).length > 44 && wav.readUInt32LE(40) === wav.length - 44, 5000), 'header finalised');
    assert.equal(wav.toString('ascii', 0, 4), 'RIFF');
    assert.equal(wav.readUInt32LE(24), 16000);
    assert.equal(wav.readUInt16LE(22), 1);
    const seconds = wav.readUInt32LE(40) / 2 / 16000;
    assert.ok(Math.abs(seconds - elapsed) < 0.6, `wav ${seconds.toFixed(2)} s for ${elapsed.toFixed(2)} s`);
    // the whole recording: a loaded machine may leave gaps, the tone must still dominate
    const pcm = new PcmWindow((wav.length - 44) / 2 / 16000, 16000);
    pcm.add(wav.subarray(44));
    assert.ok(pcm.power(800) > 0.005, `tone in the recording: ${pcm.power(800)}`);
    assert.ok(pcm.power(1900) < pcm.power(800) / 50);
  });

  it('records a participant to .mjr (record on join) that janus-pp-rec reads and converts', async () => {
    const room = 5006;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ab-mjr-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    await admin({ request: 'create', room });
    const a = await AbPeer.join(srv.wsUrl, room, { record: true, filename: path.join(dir, 'leg') });
    cleanup.push(() => a.close());
    a.sendTone(new ToneSource(1000));
    // 1.5 s of audio sent, however long a loaded machine takes
    await until(() => a.sent >= 75, 10000);
    a.stop();
    assert.equal((await a.request({ request: 'leave' })).audiobridge, 'left');
    const file = path.join(dir, 'leg.mjr');
    const header = JSON.parse(execFileSync('janus-pp-rec', ['-j', file], { encoding: 'utf8' }));
    assert.equal(header.t, 'a');
    assert.equal(header.c, 'opus');
    execFileSync('janus-pp-rec', [file, path.join(dir, 'leg.opus')], { stdio: 'ignore' });
    assert.ok(fs.statSync(path.join(dir, 'leg.opus')).size > 1000, 'converted to .opus');
  });

  it('plays an .opus file into the room (announcement-started / -stopped)', async () => {
    const room = 5005;
    await admin({ request: 'create', room });
    const a = await AbPeer.join(srv.wsUrl, room);
    cleanup.push(() => a.close());
    const file = path.join(os.tmpdir(), `ab-tone-${process.pid}.opus`);
    fs.writeFileSync(file, oggOpusTone(1300, 2));
    cleanup.push(() => fs.rmSync(file, { force: true }));
    const r = await admin({ request: 'play_file', room, filename: file, file_id: 'f1' });
    assert.deepEqual(r, { audiobridge: 'success', room, file_id: 'f1' });
    await a.janus.waitFor((m) => m.plugindata?.data?.audiobridge === 'announcement-started', 5000, 'announcement-started');
    assert.equal((await admin({ request: 'is_playing', room, file_id: 'f1' })).playing, true);
    a.heard.reset();
    assert.ok(await until(() => a.heard.samples >= 48000 * 1.0, 5000));
    assert.ok(a.heard.power(1300) > 0.005, `file heard: ${a.heard.power(1300)}`);
    await a.janus.waitFor((m) => m.plugindata?.data?.audiobridge === 'announcement-stopped', 8000, 'announcement-stopped');
  });
});

/** A minimal Ogg Opus file (OpusHead, OpusTags, 20 ms packets): CRCs are not checked by our reader. */
function oggOpusTone(freq: number, seconds: number): Buffer {
  const tone = new ToneSource(freq);
  const page = (serialNo: number, seqNo: number, granule: number, flags: number, packets: Buffer[]) => {
    const segs: number[] = [];
    for (const p of packets) {
      let l = p.length;
      while (l >= 255) {
        segs.push(255);
        l -= 255;
      }
      segs.push(l);
    }
    const h = Buffer.alloc(27 + segs.length);
    h.write('OggS', 0, 'ascii');
    h[5] = flags;
    h.writeBigUInt64LE(BigInt(granule), 6);
    h.writeUInt32LE(serialNo, 14);
    h.writeUInt32LE(seqNo, 18);
    h[26] = segs.length;
    segs.forEach((s, i) => (h[27 + i] = s));
    return Buffer.concat([h, ...packets]);
  };
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'ascii');
  head[8] = 1;
  head[9] = 1;
  head.writeUInt32LE(48000, 12);
  const tags = Buffer.concat([Buffer.from('OpusTags', 'ascii'), Buffer.from([4, 0, 0, 0]), Buffer.from('test'), Buffer.alloc(4)]);
  const pages = [page(1, 0, 0, 2, [head]), page(1, 1, 0, 0, [tags])];
  const n = seconds * 50;
  for (let i = 0; i < n; i += 10) {
    const pk: Buffer[] = [];
    for (let j = i; j < Math.min(n, i + 10); j++) pk.push(tone.next());
    pages.push(page(1, pages.length, (i + pk.length) * 960, i + 10 >= n ? 4 : 0, pk));
  }
  return Buffer.concat(pages);
}

describe('AudioBridge static rooms: rtp_forward_* keys', function () {
  this.timeout(20000);
  it('a room with rtp_forward_host/port/codec/always_on forwards the (silent) mix from the start', async () => {
    const udp = await new UdpListener().open();
    const srv = await startTestServer({
      files: {
        'janus.plugin.audiobridge.jcfg': `room-6000: { description = "static", rtp_forward_id = 99, rtp_forward_host = "127.0.0.1", rtp_forward_port = ${udp.port}, rtp_forward_codec = "pcmu", rtp_forward_ssrc = 4321, rtp_forward_always_on = true }\n`,
      },
    });
    try {
      assert.ok(await until(() => udp.packets >= 25, 5000), `packets: ${udp.packets}`);
      assert.equal(udp.lastPt, 0);
      assert.equal(udp.lastSsrc, 4321);
      const r = await adminPost(`${srv.adminUrl}/admin`, { janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', request: { request: 'listforwarders', room: 6000 } });
      assert.deepEqual(r.response.rtp_forwarders, [{ stream_id: 99, ip: '127.0.0.1', port: udp.port, ssrc: 4321, codec: 'pcmu', ptype: 0, always_on: true }]);
    } finally {
      await srv.stop();
      udp.close();
    }
  });
});
