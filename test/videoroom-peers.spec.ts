/**
 * VideoRoom against real werift peers: a subscriber `start` carrying an offer (Janus 1.1.2
 * refuses it in the core, 490, and the PeerConnection carries on), and the publisher's bitrate
 * cap re-sent as REMB every second.
 */
import assert from 'node:assert/strict';
import type { Handle } from '../core/handle';
import { SignallingOnlyMedia } from '../core/media/signalling-only';
import { gathered, JanusWs, startMediaServer, until, type MediaServer } from './media-support';
import { event, publisher, vrPeer, VR } from './videoroom-media-support';

describe('videoroom with werift peers: offers on start, REMB cap', function () {
  this.timeout(30000);
  let ts: MediaServer;
  const closers: Array<() => unknown> = [];
  before(async () => {
    ts = await startMediaServer({ 'general.debug_level': 1 });
  });
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });
  after(async () => {
    await ts?.stop();
  });

  it('subscriber start with an offer: 490 from the core, the PeerConnection still completes with the answer', async () => {
    const pub = await publisher(ts.wsUrl, 1234, 7001);
    closers.push(() => pub.pump.stop(), () => pub.pc.close(), () => pub.janus.close());
    const janus = pub.janus;
    const handle = await janus.attach(VR);
    const { transaction } = await janus.message(handle, { request: 'join', ptype: 'subscriber', room: 1234, streams: [{ feed: 7001 }] });
    const ev = await event(janus, transaction);
    assert.equal(ev.plugindata.data.videoroom, 'attached');
    const pc = vrPeer();
    closers.push(() => pc.close());
    let got = 0;
    pc.onTransceiverAdded.subscribe((t) => t.onTrack.subscribe((track) => track.onReceiveRtp.subscribe(() => got++)));

    // a client that ignores our offer and sends its own
    const other = vrPeer();
    other.addTransceiver('video', { direction: 'recvonly' });
    await other.setLocalDescription(await other.createOffer());
    await gathered(other);
    const bad = await janus.message(handle, { request: 'start' }, { type: 'offer', sdp: other.localDescription!.sdp });
    await other.close();
    assert.equal(bad.reply.janus, 'error', JSON.stringify(bad.reply));
    assert.deepEqual(bad.reply.error, { code: 490, reason: 'Error setting ICE locally' });

    // our offer is still the one on the table: answering it works
    await pc.setRemoteDescription(ev.jsep);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    const st = await janus.message(handle, { request: 'start' }, { type: 'answer', sdp: pc.localDescription!.sdp });
    assert.equal(st.reply.janus, 'ack', JSON.stringify(st.reply));
    const started = await event(janus, st.transaction);
    assert.deepEqual(started.plugindata.data, { videoroom: 'event', room: 1234, started: 'ok' });
    await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 20000, 'subscriber webrtcup');
    assert.ok(await until(() => got > 10, 5000), `subscriber received ${got} packets`);
  });

  it('publisher: the bitrate cap is re-sent as REMB every second, and the new value after configure bitrate', async () => {
    const admin = await JanusWs.connect(ts.wsUrl);
    await admin.createSession();
    const ah = await admin.attach(VR);
    const { reply } = await admin.message(ah, { request: 'create', room: 7100, bitrate: 300000, fir_freq: 0 });
    assert.equal(reply.plugindata?.data?.videoroom, 'created', JSON.stringify(reply));
    admin.close();
    const pub = await publisher(ts.wsUrl, 7100, 1);
    closers.push(() => pub.pump.stop(), () => pub.pc.close(), () => pub.janus.close());
    // the first REMB needs a video SSRC (first packet); then one a second
    assert.ok(await until(() => pub.rembs.length >= 1, 3000), 'a first REMB');
    // three more, about a second apart: not a burst, not a one-off
    const first = pub.rembs.length;
    const t0 = Date.now();
    assert.ok(await until(() => pub.rembs.length >= first + 3, 6000), `REMBs after the first: ${pub.rembs.join(',')}`);
    const took = Date.now() - t0;
    assert.ok(took >= 1800, `3 REMBs within ${took} ms: not once a second`);
    assert.ok(pub.rembs.every((b) => Math.abs(b - 300000) < 300000 / 100), `room cap: ${pub.rembs.join(',')}`);

    const { transaction } = await pub.janus.message(pub.handle, { request: 'configure', bitrate: 128000 });
    await event(pub.janus, transaction);
    const before = pub.rembs.length;
    assert.ok(await until(() => pub.rembs.length > before, 2000), 'REMB after configure');
    assert.ok(Math.abs(pub.rembs[pub.rembs.length - 1] - 128000) < 128000 / 100, `new cap: ${pub.rembs.join(',')}`);
    await until(() => pub.rembs.length >= before + 2, 3000);
    const after = pub.rembs.slice(before);
    assert.ok(after.length >= 2 && after.every((b) => Math.abs(b - 128000) < 128000 / 100), `repeated new cap: ${after.join(',')}`);
  });
});

describe('an offer against our unanswered offer, without a media stack', () => {
  it('signalling-only media port: 490 too, and the answer still completes the exchange', async () => {
    const media = new SignallingOnlyMedia();
    const handle = {} as Handle;
    const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n';
    await media.localJsep(handle, { type: 'offer', sdp });
    await assert.rejects(media.remoteJsep(handle, { type: 'offer', sdp }), (e: { code: number; message: string }) => e.code === 490 && e.message === 'Error setting ICE locally');
    assert.equal((await media.remoteJsep(handle, { type: 'answer', sdp })).type, 'answer');
    // no offer of ours pending any more: the client may offer (renegotiation)
    assert.equal((await media.remoteJsep(handle, { type: 'offer', sdp })).type, 'offer');
  });
});
