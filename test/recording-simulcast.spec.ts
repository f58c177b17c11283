import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMjr } from '../core/plugin-api';
import { JanusWs, until } from './media-support';
import { gatheredPc, simulcastClient, SimulcastPublisher, startSimulcastServer } from './simulcast-peer';

const VR = 'janus.plugin.videoroom';

/**
 * A simulcast publisher is recorded as Janus records it: the best substream only, one SSRC for
 * the whole file (Janus writes substream 0's SSRC, byte-swapped), continuous sequence numbers.
 */
describe('Recording: a VideoRoom simulcast publisher', function () {
  this.timeout(40000);
  let srv: Awaited<ReturnType<typeof startSimulcastServer>>;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-simrec-'));
    // written as .mjr.tmp, renamed when closed: the .mjr appearing is the "recording done" event
    srv = await startSimulcastServer({ 'general.recordings_tmp_ext': 'tmp' });
  });
  after(async () => {
    await srv?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records the highest substream under one SSRC, with continuous sequence numbers', async () => {
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const h = await janus.attach(VR);
    const pc = simulcastClient();
    pc.addTransceiver('video', { direction: 'sendonly', simulcast: ['h', 'm', 'l'].map((rid) => ({ rid, direction: 'send' as const })) });
    await pc.setLocalDescription(await pc.createOffer());
    await gatheredPc(pc);
    const base = path.join(dir, 'sim');
    const jc = await janus.message(h, { request: 'joinandconfigure', ptype: 'publisher', room: 1234, id: 9101, record: true, filename: base }, { type: 'offer', sdp: pc.localDescription!.sdp });
    const joined = await janus.waitFor((m) => m.janus === 'event' && m.transaction === jc.transaction);
    await pc.setRemoteDescription(joined.jsep);
    await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === h, 8000, 'webrtcup');
    const t = pc.getTransceivers()[0];
    const pub = new SimulcastPublisher(pc, t.mid!, t.codecs[0].payloadType!, ['h', 'm', 'l']);
    // enc[i] is substream i (0 = lowest, as the core tags them)
    pub.enc[0].payloadSize = 150;
    pub.enc[1].payloadSize = 500;
    pub.enc[2].payloadSize = 1100;
    pub.start();
    assert.ok(await until(() => pub.frames >= 60, 10000));
    const off = await janus.message(h, { request: 'configure', record: false });
    await janus.waitFor((m) => m.janus === 'event' && m.transaction === off.transaction);
    pub.stop();
    const file = `${base}-video-0.mjr`;
    assert.ok(await until(() => fs.existsSync(file), 5000), fs.readdirSync(dir).join(','));
    const m = await readMjr(file);
    assert.ok(m.frames.length > 20, `${m.frames.length} packets`);
    const ssrcs = new Set(m.frames.map((f) => m.data.readUInt32BE(f.offset + 8)));
    // substream 0's SSRC (0x1111), stored by Janus in host order: 0x11110000 on the wire
    assert.deepEqual([...ssrcs], [0x11110000]);
    const sizes = new Set(m.frames.map((f) => f.length - 12 - (m.data[f.offset] & 0x10 ? 4 + m.data.readUInt16BE(f.offset + 14) * 4 : 0)));
    assert.ok([...sizes].every((s) => s >= 1100), `payload sizes ${[...sizes]}`);
    for (let i = 1; i < m.frames.length; i++) {
      assert.equal(m.data.readUInt16BE(m.frames[i].offset + 2), (m.data.readUInt16BE(m.frames[i - 1].offset + 2) + 1) & 0xffff);
    }
    janus.close();
    await pc.close();
  });

  it('EchoTest records what it echoes of a simulcast sender under SSRC 1, as Janus', async () => {
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const h = await janus.attach('janus.plugin.echotest');
    const pc = simulcastClient();
    pc.addTransceiver('video', { direction: 'sendrecv', simulcast: ['h', 'm', 'l'].map((rid) => ({ rid, direction: 'send' as const })) });
    await pc.setLocalDescription(await pc.createOffer());
    await gatheredPc(pc);
    const base = path.join(dir, 'echo');
    const o = await janus.message(h, { video: true, record: true, filename: base }, { type: 'offer', sdp: pc.localDescription!.sdp });
    const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === o.transaction);
    await pc.setRemoteDescription(ev.jsep);
    await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === h, 8000, 'webrtcup');
    const t = pc.getTransceivers()[0];
    const pub = new SimulcastPublisher(pc, t.mid!, t.codecs[0].payloadType!, ['h', 'm', 'l']);
    pub.start();
    assert.ok(await until(() => pub.frames >= 60, 10000));
    // switching substreams mid-recording keeps one continuous stream in the file
    const sw = await janus.message(h, { substream: 0 });
    await janus.waitFor((m) => m.janus === 'event' && m.transaction === sw.transaction);
    const n = pub.frames;
    assert.ok(await until(() => pub.frames >= n + 40, 10000));
    const off = await janus.message(h, { record: false });
    await janus.waitFor((m) => m.janus === 'event' && m.transaction === off.transaction);
    pub.stop();
    assert.ok(await until(() => fs.existsSync(`${base}-video.mjr`), 5000), fs.readdirSync(dir).join(','));
    const m = await readMjr(`${base}-video.mjr`);
    assert.ok(m.frames.length > 40, `${m.frames.length} packets`);
    assert.deepEqual([...new Set(m.frames.map((f) => m.data.readUInt32BE(f.offset + 8)))], [1]);
    for (let i = 1; i < m.frames.length; i++) {
      assert.equal(m.data.readUInt16BE(m.frames[i].offset + 2), (m.data.readUInt16BE(m.frames[i - 1].offset + 2) + 1) & 0xffff);
    }
    janus.close();
    await pc.close();
  });
});
