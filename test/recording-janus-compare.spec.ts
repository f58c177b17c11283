import * as assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RTCPeerConnection, RTCRtpCodecParameters, useNACK, usePLI, useREMB, useSdesMid } from 'werift';
import { readMjr } from '../core/plugin-api';
import { waitForPort } from './support/brokers';
import { clientPeer, gathered, JanusWs, sleep, startMediaServer, until, type MediaServer } from './media-support';
import { freePort, rtpPortRange, udpRange } from './support/ports';
import { FramePump, OPUS_SILENCE, ppRec, probe, toolsMissing, vp8Frames } from './recording-support';

const JANUS = '/usr/bin/janus';
/** Janus's ICE ignores loopback: it and its client use a veth end that exists only in this namespace. */
const IP = '10.78.0.1';
let JANUS_WS = 0;

function janusPeer(): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [IP],
    iceInterfaceAddresses: { udp4: IP } as never,
    icePortRange: udpRange(4),
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI(), useREMB()] })],
    },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
}

/** Record exactly `n` video frames and `n * 5 / 3` audio frames through EchoTest on one server. */
async function recordThrough(url: string, pc: RTCPeerConnection, base: string, frames: Buffer[], n: number): Promise<void> {
  const janus = await JanusWs.connect(url);
  await janus.createSession();
  const handle = await janus.attach('janus.plugin.echotest');
  const audio = pc.addTransceiver('audio', { direction: 'sendrecv' });
  const video = pc.addTransceiver('video', { direction: 'sendrecv' });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const { transaction } = await janus.message(handle, { audio: true, video: true, record: true, filename: base }, { type: 'offer', sdp: pc.localDescription!.sdp });
  const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction, 10000);
  await pc.setRemoteDescription(ev.jsep);
  await janus.waitFor((m) => m.janus === 'webrtcup', 10000, 'webrtcup');
  await sleep(300);
  const vpt = Number(/a=rtpmap:(\d+) VP8/i.exec(ev.jsep.sdp)![1]);
  const apt = Number(/a=rtpmap:(\d+) opus/i.exec(ev.jsep.sdp)![1]);
  const vp = new FramePump(video, vpt, 'vp8', frames, 3000);
  const ap = new FramePump(audio, apt, 'opus', [OPUS_SILENCE], 960);
  vp.start(30, n);
  ap.start(50, Math.round((n * 5) / 3));
  await until(() => vp.frames >= n && ap.frames >= Math.round((n * 5) / 3), 20000);
  vp.stop();
  ap.stop();
  await sleep(500);
  const stop = await janus.message(handle, { record: false });
  await janus.waitFor((m) => m.janus === 'event' && m.transaction === stop.transaction, 10000);
  await sleep(300);
  janus.close();
  await pc.close();
}

/** The info header with its numbers blanked: the layout must be Janus's byte for byte. */
function headerShape(file: string): string {
  const d = fs.readFileSync(file);
  const len = d.readUInt16BE(8);
  return d.subarray(0, 10).toString('latin1').slice(0, 8) + d.toString('utf8', 10, 10 + len).replace(/\d+/g, 'N');
}

describe('Recording: our .mjr files against real Janus 1.1.2 recording the same stream', function () {
  this.timeout(90000);
  let dir: string;
  let janusProc: ChildProcess | undefined;
  let ours: MediaServer | undefined;
  before(async function () {
    if (toolsMissing() || !fs.existsSync(JANUS)) return this.skip();
    JANUS_WS = await freePort();
    try {
      execFileSync('ip', ['link', 'add', 'rc0', 'type', 'veth', 'peer', 'name', 'rc1'], { stdio: 'ignore' });
      execFileSync('ip', ['link', 'set', 'rc1', 'up']);
      execFileSync('ip', ['addr', 'add', `${IP}/24`, 'dev', 'rc0']);
      execFileSync('ip', ['link', 'set', 'rc0', 'up']);
    } catch {
      return this.skip(); // not root in a private network namespace
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-cmp-'));
    const conf = path.join(dir, 'conf');
    fs.mkdirSync(conf);
    for (const f of fs.readdirSync('/etc/janus')) if (f.endsWith('.jcfg')) fs.copyFileSync(path.join('/etc/janus', f), path.join(conf, f));
    const main = path.join(conf, 'janus.jcfg');
    let jc = fs.readFileSync(main, 'utf8');
    jc = jc.replace(/#?disable = "libjanus_voicemail.so,libjanus_recordplay.so"/, 'disable = "libjanus_audiobridge.so,libjanus_sip.so,libjanus_nosip.so,libjanus_streaming.so,libjanus_textroom.so,libjanus_voicemail.so,libjanus_recordplay.so,libjanus_videocall.so,libjanus_videoroom.so,libjanus_lua.so,libjanus_duktape.so"');
    jc = jc.replace(/#?disable = "libjanus_rabbitmq.so"/, 'disable = "libjanus_http.so,libjanus_pfunix.so,libjanus_mqtt.so,libjanus_rabbitmq.so,libjanus_nanomsg.so"');
    jc = jc.replace(/\t#ice_enforce_list = "eth0"/, '\tice_enforce_list = "rc0"').replace(/\t#rtp_port_range = .*/, `\trtp_port_range = "${rtpPortRange()}"`);
    fs.writeFileSync(main, jc);
    const ws = path.join(conf, 'janus.transport.websockets.jcfg');
    fs.writeFileSync(ws, fs.readFileSync(ws, 'utf8').replace('ws_port = 8188', `ws_port = ${JANUS_WS}`).replace(/admin_ws = true/, 'admin_ws = false'));
    janusProc = spawn(JANUS, ['-F', conf, '-N', '-L', path.join(dir, 'janus.log'), '-d', '4'], { stdio: 'ignore' });
    await waitForPort(JANUS_WS, 15000);
    ours = await startMediaServer();
  });
  after(async () => {
    await ours?.stop();
    if (janusProc?.pid) janusProc.kill('SIGTERM');
    try {
      execFileSync('ip', ['link', 'del', 'rc0'], { stdio: 'ignore' });
    } catch {
      // gone with the namespace anyway
    }
    if (dir && !process.env.KEEP_REC) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('same header layout, same packet and frame counts, sequence numbers from 1 and timestamps from 0 in both', async () => {
    const n = 90;
    const frames = vp8Frames(dir, 3, 30);
    await recordThrough(`ws://${IP}:${JANUS_WS}`, janusPeer(), path.join(dir, 'janus'), frames, n);
    await recordThrough(ours!.wsUrl, clientPeer(), path.join(dir, 'ours'), frames, n);
    for (const m of ['video', 'audio']) {
      const jf = path.join(dir, `janus-${m}.mjr`);
      const of = path.join(dir, `ours-${m}.mjr`);
      assert.ok(fs.existsSync(jf), `Janus wrote ${jf}`);
      assert.equal(headerShape(of), headerShape(jf));
      const jm = await readMjr(jf);
      const om = await readMjr(of);
      assert.deepEqual(Object.keys(om.header), Object.keys(jm.header));
      assert.equal(om.frames.length, jm.frames.length, `${m} packets`);
      for (const x of [jm, om]) {
        assert.equal(x.data.readUInt16BE(x.frames[0].offset + 2), 1);
        assert.equal(x.data.readUInt32BE(x.frames[0].offset + 4), 0);
      }
    }
    await ppRec(path.join(dir, 'janus-video.mjr'), path.join(dir, 'janus.webm'));
    await ppRec(path.join(dir, 'ours-video.mjr'), path.join(dir, 'ours.webm'));
    const pj = await probe(path.join(dir, 'janus.webm'), true);
    const po = await probe(path.join(dir, 'ours.webm'), true);
    assert.equal(po.frames, pj.frames);
    assert.equal(po.frames, n);
    await ppRec(path.join(dir, 'janus-audio.mjr'), path.join(dir, 'janus.opus'));
    await ppRec(path.join(dir, 'ours-audio.mjr'), path.join(dir, 'ours.opus'));
    assert.equal((await probe(path.join(dir, 'ours.opus'), false)).frames, (await probe(path.join(dir, 'janus.opus'), false)).frames);
  });
});
