import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { RTCPeerConnection } from 'werift';
import { clientPeer, gathered, JanusWs, sleep, startMediaServer, type MediaServer } from './media-support';

/**
 * The plugin-offers path (VideoRoom subscribers): the core writes the offer from the plugin's
 * m-line description, the client answers, the plugin's RTP reaches the client with the core's
 * SSRC and negotiated payload type; then renegotiation (added m-line) and ICE restart.
 */
describe('Media stack: plugin offers, renegotiation and ICE restart', function () {
  this.timeout(40000);
  let srv: MediaServer;
  before(async () => {
    srv = await startMediaServer({ 'plugins.load': path.resolve(__dirname, 'fixtures', 'offerer') });
  });
  after(async () => {
    await srv?.stop();
  });

  async function answer(janus: JanusWs, handle: number, pc: RTCPeerConnection, offerSdp: string) {
    await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    await pc.setLocalDescription(await pc.createAnswer());
    // werift (the test client) skips ICE checks while DTLS is up: kick them after a restart
    for (const d of pc.dtlsTransports) {
      if (d.state === 'connected' && !(d.iceTransport as any).connection.nominated) d.iceTransport.start().catch(() => undefined);
    }
    await gathered(pc);
    const { reply, transaction } = await janus.message(handle, {}, { type: 'answer', sdp: pc.localDescription!.sdp });
    assert.equal(reply.janus, 'ack');
    return janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
  }

  it('offers what the plugin describes, and delivers the plugin RTP with our SSRC and negotiated PT', async () => {
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const handle = await janus.attach('test.plugin.offerer');
    const { transaction } = await janus.message(handle, { request: 'offer', kinds: ['audio', 'video'] });
    const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    const offer: string = ev.jsep.sdp;
    assert.equal(ev.jsep.type, 'offer');
    assert.match(offer, /m=audio \d+ UDP\/TLS\/RTP\/SAVPF/);
    assert.match(offer, /a=sendonly/);
    assert.match(offer, /a=msid:feed1 video-track/);
    assert.match(offer, /a=rtpmap:\d+ VP8\/90000/i);
    assert.match(offer, /a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1/);
    const vp8Pt = Number(/a=rtpmap:(\d+) VP8\/90000/i.exec(offer)![1]);

    const pc = clientPeer();
    const got = new Map<string, { n: Set<number>; pt: Set<number>; ssrc: Set<number> }>();
    pc.onTrack.subscribe((track) => {
      const g = { n: new Set<number>(), pt: new Set<number>(), ssrc: new Set<number>() };
      got.set(track.kind, g);
      track.onReceiveRtp.subscribe((rtp) => {
        g.n.add(rtp.payload.readUInt32BE(4));
        g.pt.add(rtp.header.payloadType);
        g.ssrc.add(rtp.header.ssrc);
      });
    });
    const answered = await answer(janus, handle, pc, offer);
    assert.equal(answered.plugindata.data.result, 'answered');
    assert.deepEqual(answered.plugindata.data.media.map((m: { direction: string }) => m.direction), ['recvonly', 'recvonly']);
    await janus.waitFor((m) => m.janus === 'webrtcup', 8000, 'webrtcup');
    await sleep(1000);
    const v = got.get('video')!;
    const a = got.get('audio')!;
    assert.ok(v.n.size > 30 && a.n.size > 30, `video ${v?.n.size} audio ${a?.n.size}`);
    assert.deepEqual([...v.pt], [vp8Pt]);
    const offeredSsrcs = [...offer.matchAll(/a=ssrc:(\d+) /g)].map((m) => Number(m[1]));
    for (const s of [...v.ssrc, ...a.ssrc]) assert.ok(offeredSsrcs.includes(s), `SSRC ${s} not in our offer`);
    assert.equal(v.ssrc.has(0x12345678), false);

    // renegotiation: a third m-line, existing mids kept
    const add = await janus.message(handle, { request: 'add', kind: 'video' });
    const ev2 = await janus.waitFor((m) => m.janus === 'event' && m.transaction === add.transaction && m.jsep);
    const offer2: string = ev2.jsep.sdp;
    assert.deepEqual([...offer2.matchAll(/a=mid:(\S+)/g)].map((m) => m[1]), ['0', '1', '2']);
    const before = v.n.size;
    const answered2 = await answer(janus, handle, pc, offer2);
    assert.equal(answered2.plugindata.data.result, 'answered');
    await sleep(800);
    assert.ok(v.n.size > before + 20, 'video still flowing after renegotiation');
    assert.equal(janus.events.filter((m) => m.janus === 'webrtcup').length, 1);

    // ICE restart: new credentials, media keeps flowing
    const ufrag = /a=ice-ufrag:(\S+)/.exec(offer2)![1];
    const rs = await janus.message(handle, { request: 'restart' });
    const ev3 = await janus.waitFor((m) => m.janus === 'event' && m.transaction === rs.transaction && m.jsep);
    assert.notEqual(/a=ice-ufrag:(\S+)/.exec(ev3.jsep.sdp)![1], ufrag);
    await answer(janus, handle, pc, ev3.jsep.sdp);
    const before3 = a.n.size;
    for (let i = 0; i < 20 && a.n.size < before3 + 20; i++) await sleep(250);
    assert.ok(a.n.size > before3 + 20, `audio after ICE restart: ${a.n.size - before3}`);
    assert.equal(janus.events.some((m) => m.janus === 'hangup'), false);
    await pc.close();
    janus.close();
  });
});
