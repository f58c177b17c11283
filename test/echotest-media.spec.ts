import * as assert from 'node:assert/strict';
import { adminPost, clientPeer, gathered, JanusWs, onTracks, RtpPump, until, startMediaServer, type MediaServer, openVideoEcho } from './media-support';

/** Full echo through our server with a werift client playing the browser. */
describe('EchoTest over WebRTC (werift client on loopback)', function () {
  this.timeout(30000);
  let srv: MediaServer;
  before(async () => {
    srv = await startMediaServer({ 'media.no_media_timer': 1 });
  });
  after(async () => {
    await srv?.stop();
  });

  it('echoes audio, video and data back, with webrtcup and media events, and handle_info shows the PeerConnection', async () => {
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const handle = await janus.attach();
    const pc = clientPeer();
    const audio = pc.addTransceiver('audio', { direction: 'sendrecv' });
    const video = pc.addTransceiver('video', { direction: 'sendrecv' });
    const dc = pc.createDataChannel('echo');
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);

    const { reply, transaction } = await janus.message(handle, { audio: true, video: true }, { type: 'offer', sdp: pc.localDescription!.sdp });
    assert.equal(reply.janus, 'ack');
    assert.equal(reply.hint, "I'm taking my time!");
    const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    assert.deepEqual(ev.plugindata, { plugin: 'janus.plugin.echotest', data: { echotest: 'event', result: 'ok' } });
    assert.equal(ev.jsep.type, 'answer');
    assert.match(ev.jsep.sdp, /a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/);
    assert.doesNotMatch(ev.jsep.sdp, /transport-cc/);
    await pc.setRemoteDescription(ev.jsep);
    // half-trickle (full_trickle off): our candidates are in the SDP, and on the rtp_port_range
    const port = Number(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/.exec(ev.jsep.sdp)![1]);
    assert.ok(port >= srv.rtpPorts[0] && port <= srv.rtpPorts[1], `port ${port} in ${srv.rtpPorts.join('-')}`);

    await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 8000, 'webrtcup');
    assert.equal(janus.events.some((m) => m.janus === 'trickle'), false);

    const got = { audio: new Set<number>(), video: new Set<number>() };
    onTracks(audio, (rtp) => got.audio.add(rtp.payload.readUInt32BE(4)));
    onTracks(video, (rtp) => got.video.add(rtp.payload.readUInt32BE(4)));
    const texts: string[] = [];
    dc.onMessage.subscribe((m) => texts.push(String(m)));

    const ap = new RtpPump(audio, audio.codecs[0].payloadType!, 160, 960);
    const vp = new RtpPump(video, video.codecs[0].payloadType!, 1000, 3000);
    ap.start(50);
    vp.start(100);
    await janus.waitFor((m) => m.janus === 'media' && m.type === 'audio' && m.receiving === true, 5000, 'media audio');
    await janus.waitFor((m) => m.janus === 'media' && m.type === 'video' && m.receiving === true, 5000, 'media video');
    const media = janus.events.find((m) => m.janus === 'media' && m.type === 'video')!;
    assert.equal(media.mid, '1');
    await until(() => vp.sent >= 150, 10000);
    ap.stop();
    vp.stop();
    if (dc.readyState !== 'open') await new Promise<void>((r) => dc.stateChanged.subscribe((s) => s === 'open' && r()));
    dc.send('hello');
    await until(() => texts.length > 0 && got.video.size >= vp.sent * 0.95 && got.audio.size >= ap.sent * 0.95, 4000);
    // nearly everything comes back (loopback: allow a little loss at start-up)
    assert.ok(got.audio.size >= ap.sent * 0.95, `audio ${got.audio.size}/${ap.sent}`);
    assert.ok(got.video.size >= vp.sent * 0.95, `video ${got.video.size}/${vp.sent}`);
    assert.deepEqual(texts, ['Janus EchoTest here! You wrote: hello']);

    // silence: media receiving:false after no_media_timer
    await janus.waitFor((m) => m.janus === 'media' && m.type === 'video' && m.receiving === false, 4000, 'media receiving false');

    const info = await adminPost(`${srv.adminUrl}/${janus.session}/${handle}`, { janus: 'handle_info' });
    assert.equal(info.janus, 'success');
    const i = info.info;
    assert.equal(i.plugin, 'janus.plugin.echotest');
    assert.equal(i.flags.ready, true);
    assert.equal(i.flags['got-offer'], true);
    assert.equal(i.flags['data-channels'], true);
    assert.equal(i.webrtc.ice.state === 'connected' || i.webrtc.ice.state === 'ready', true);
    assert.equal(i.webrtc.dtls['dtls-state'], 'connected');
    assert.match(i.webrtc.ice['selected-pair'], /^127\.0\.0\.1:\d+ \[host,udp\] <-> 127\.0\.0\.1:\d+ \[host,udp\]$/);
    assert.equal(i.webrtc.media['1'].codecs.codec, 'vp8');
    assert.ok(i.webrtc.media['1'].stats.in.packets >= vp.sent * 0.95);
    assert.ok(i.webrtc.media['0'].stats.out.packets >= ap.sent * 0.95);
    assert.equal(i.plugin_specific.audio_active, true);

    // hangup: core hangup with Janus's reason, plugin's "done"
    const h = await janus.request({ janus: 'hangup', handle_id: handle });
    assert.equal(h.janus, 'success');
    await janus.waitFor((m) => m.janus === 'hangup' && m.reason === 'Janus API', 3000, 'hangup');
    await janus.waitFor((m) => m.janus === 'event' && m.plugindata?.data?.result === 'done', 3000, 'done');
    // Janus's order: the plugin's "done" before the core's hangup
    const at = (p: (m: { janus?: string; reason?: string; plugindata?: { data?: { result?: string } } }) => boolean) => janus.events.findIndex(p);
    assert.ok(at((m) => m.plugindata?.data?.result === 'done') < at((m) => m.janus === 'hangup' && m.reason === 'Janus API'));
    const after = await adminPost(`${srv.adminUrl}/${janus.session}/${handle}`, { janus: 'handle_info' });
    assert.equal(after.info.webrtc, undefined);
    await pc.close();
    janus.close();
  });

  it('stops echoing video when {video:false} and resumes with {video:true}', async () => {
    const { janus, handle, pc, video } = await openVideoEcho(srv.wsUrl, 8000);
    let count = 0;
    onTracks(video, () => count++);
    const vp = new RtpPump(video, video.codecs[0].payloadType!, 500, 3000);
    vp.start(50);
    await until(() => count > 10);
    assert.ok(count > 10, `echoed ${count}`);
    const off = await janus.message(handle, { video: false });
    await janus.waitFor((m) => m.transaction === off.transaction && m.janus === 'event');
    // 30 more packets sent bound the wait; what was in flight when the event came may still land
    const frozen = count;
    const sentAtFreeze = vp.sent;
    await until(() => vp.sent - sentAtFreeze > 30);
    assert.ok(count - frozen <= 3, `still echoing: ${count - frozen}`);
    const on = await janus.message(handle, { video: true });
    await janus.waitFor((m) => m.transaction === on.transaction && m.janus === 'event');
    await until(() => count - frozen > 10);
    assert.ok(count - frozen > 10);
    vp.stop();
    const hw = await adminPost(`${srv.adminUrl}/${janus.session}/${handle}`, { janus: 'hangup_webrtc' });
    assert.equal(hw.janus, 'success');
    await janus.waitFor((m) => m.janus === 'hangup' && m.reason === 'Admin API', 3000, 'hangup Admin API');
    await pc.close();
    janus.close();
  });
});
