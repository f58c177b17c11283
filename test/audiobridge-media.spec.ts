import 'reflect-metadata';
import * as assert from 'node:assert/strict';
import { adminPost, startMediaServer, until, type MediaServer } from './media-support';
import { AbPeer, PcmuToneSource, ToneSource } from './audiobridge-support';

/**
 * Real werift participants in a room, each sending its own tone: everyone hears the others'
 * tones and not its own (Goertzel on the decoded mix); mute and volume change the mix.
 */
describe('AudioBridge media: mixing', function () {
  this.timeout(60000);
  let srv: MediaServer;
  const peers: AbPeer[] = [];
  const freqs = [500, 1100, 2300];
  const room = 4242;

  const admin = (request: Record<string, unknown>) =>
    adminPost(srv.adminUrl, { janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', request }).then((r) => r.response as Record<string, any>);

  /** Wait for the mix to fill a fresh 1 s window. */
  async function listen(p: AbPeer): Promise<void> {
    p.heard.reset();
    assert.ok(await until(() => p.heard.samples >= p.heard.rate * 1.2, 10000), `peer ${p.id} heard ${p.heard.samples} samples`);
  }

  /** Listen again until `ok` holds (the mix settles after a change; the machine may be loaded), at most ~15 s. */
  async function settle(p: AbPeer, ok: () => boolean): Promise<void> {
    const end = Date.now() + 15000;
    do await listen(p);
    while (!ok() && Date.now() < end);
  }

  before(async () => {
    srv = await startMediaServer();
    const r = await admin({ request: 'create', room, sampling_rate: 16000 });
    assert.equal(r.audiobridge, 'created');
    for (let i = 0; i < 3; i++) {
      const p = await AbPeer.join(srv.wsUrl, room, { display: `p${i}` });
      p.sendTone(new ToneSource(freqs[i]));
      peers.push(p);
    }
  });
  after(async () => {
    for (const p of peers) await p.close();
    await srv?.stop();
  });

  it('each participant hears the two others and not itself', async () => {
    for (let i = 0; i < 3; i++) {
      const p = peers[i];
      await listen(p);
      const pw = freqs.map((f) => p.heard.power(f));
      const others = pw.filter((_, j) => j !== i);
      for (const o of others) assert.ok(o > 0.005, `peer ${i} hears others: ${pw.map((x) => x.toExponential(2))}`);
      assert.ok(pw[i] < Math.min(...others) / 50, `peer ${i} does not hear itself: ${pw.map((x) => x.toExponential(2))}`);
    }
  });

  it('mute takes a participant out of the mix, unmute brings it back', async () => {
    const r = await admin({ request: 'mute', room, id: peers[0].id });
    assert.equal(r.audiobridge, 'success');
    await settle(peers[1], () => peers[1].heard.power(freqs[0]) < peers[1].heard.power(freqs[2]) / 50);
    const muted = peers[1].heard.power(freqs[0]);
    const other = peers[1].heard.power(freqs[2]);
    assert.ok(muted < other / 50, `muted tone gone: ${muted} vs ${other}`);
    await admin({ request: 'unmute', room, id: peers[0].id });
    await settle(peers[1], () => peers[1].heard.power(freqs[0]) > 0.005);
    assert.ok(peers[1].heard.power(freqs[0]) > 0.005, 'unmuted tone back');
  });

  it('volume scales a participant in the mix', async () => {
    await listen(peers[1]);
    const before = peers[1].heard.power(freqs[0]) / peers[1].heard.power(freqs[2]);
    const r = await peers[0].request({ request: 'configure', volume: 50 });
    assert.equal(r.result, 'ok');
    const ratio = () => peers[1].heard.power(freqs[0]) / peers[1].heard.power(freqs[2]);
    await settle(peers[1], () => ratio() < before * 0.45);
    const after = ratio();
    // half the amplitude is a quarter of the power
    assert.ok(after < before * 0.45 && after > before * 0.1, `power ratio ${before.toFixed(3)} -> ${after.toFixed(3)}`);
    await peers[0].request({ request: 'configure', volume: 100 });
  });

  it('listparticipants shows everyone set up', async () => {
    const r = await admin({ request: 'listparticipants', room });
    assert.equal(r.participants.length, 3);
    for (const p of r.participants) assert.equal(p.setup, true);
  });

  it('spatial_position places participants left and right in a stereo room', async () => {
    // the first room's tones are no longer needed: less load for what follows
    for (const p of peers) p.stop();
    const r = await admin({ request: 'create', room: room + 1, sampling_rate: 48000, spatial_audio: true });
    assert.equal(r.audiobridge, 'created');
    const left = await AbPeer.join(srv.wsUrl, room + 1, { spatial_position: 0 });
    const right = await AbPeer.join(srv.wsUrl, room + 1, { spatial_position: 100 });
    const ear = await AbPeer.join(srv.wsUrl, room + 1);
    peers.push(left, right, ear);
    ear.stereo = true;
    left.sendTone(new ToneSource(600));
    right.sendTone(new ToneSource(1800));
    // both tones flowing (the second joiner starts later), then a fresh window
    const end = Date.now() + 15000;
    do {
      ear.left.reset();
      ear.right.reset();
      assert.ok(await until(() => ear.left.samples >= 48000 * 1.2, 10000));
    } while (!(ear.left.power(600) > 0.005 && ear.right.power(1800) > 0.005) && Date.now() < end);
    const [l6, l18, r6, r18] = [ear.left.power(600), ear.left.power(1800), ear.right.power(600), ear.right.power(1800)];
    const fmt = [l6, l18, r6, r18].map((x) => x.toExponential(2)).join(' ');
    assert.ok(l6 > 0.005 && r18 > 0.005, `tones where placed: ${fmt}`);
    assert.ok(l18 < l6 / 20 && r6 < r18 / 20, `and not on the other side: ${fmt}`);
    const list = await admin({ request: 'listparticipants', room: room + 1 });
    assert.deepEqual(list.participants.map((p: any) => p.spatial_position).sort((a: number, b: number) => a - b), [0, 50, 100]);
    for (const p of peers.splice(3)) await p.close();
  });

  it('a G.711 (PCMU) participant and an Opus one hear each other', async () => {
    await admin({ request: 'create', room: room + 2, sampling_rate: 16000 });
    const g = await AbPeer.join(srv.wsUrl, room + 2, { codec: 'pcmu' });
    const o = await AbPeer.join(srv.wsUrl, room + 2);
    peers.push(g, o);
    g.sendTone(new PcmuToneSource(700));
    o.sendTone(new ToneSource(1900));
    await settle(g, () => g.heard.power(1900) > 0.005);
    assert.ok(g.heard.power(1900) > 0.005, `pcmu hears opus: ${g.heard.power(1900)}`);
    assert.ok(g.heard.power(700) < g.heard.power(1900) / 50, 'pcmu does not hear itself');
    await settle(o, () => o.heard.power(700) > 0.005);
    assert.ok(o.heard.power(700) > 0.005, `opus hears pcmu: ${o.heard.power(700)}`);
    assert.ok(o.heard.power(1900) < o.heard.power(700) / 50, 'opus does not hear itself');
    for (const p of peers.splice(3)) await p.close();
  });
});
