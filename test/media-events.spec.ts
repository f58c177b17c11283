import 'reflect-metadata';
import * as assert from 'node:assert/strict';
import { EventBus } from '../core/events/event-bus';
import type { EventHandler, JanusEvent } from '../core/plugin-api';
import { clientPeer, JanusWs, RtpPump, until, startMediaServer, type MediaServer } from './media-support';

/** Full trickle both ways, and what event handlers get (types 16 and 32). */
describe('Media stack: trickle both ways and event-handler events', function () {
  this.timeout(30000);
  let srv: MediaServer;
  const seen: JanusEvent[] = [];
  before(async () => {
    srv = await startMediaServer({ 'nat.full_trickle': true, 'events.broadcast': true, 'events.stats_period': 1 });
    const sink: EventHandler = {
      kind: 'eventhandler',
      info: { package: 'test.sink', name: 'sink', author: '', description: '', version: 1, versionString: '1' },
      eventsMask: 16 | 32,
      init: () => true,
      destroy: () => undefined,
      incomingEvent: (e: JanusEvent) => void seen.push(e),
    } as unknown as EventHandler;
    srv.server.container.resolve(EventBus).addHandler(sink);
  });
  after(async () => {
    await srv?.stop();
  });

  it('trickles our candidates as events, applies the client trickles, and emits webrtc/media events', async () => {
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const handle = await janus.attach();
    const pc = clientPeer();
    const video = pc.addTransceiver('video', { direction: 'sendrecv' });
    // client candidates go by trickle (some before the offer reaches the plugin: queued)
    const trickled: Array<Promise<unknown>> = [];
    pc.onIceCandidate.subscribe((c) => {
      trickled.push(janus.request({ janus: 'trickle', handle_id: handle, candidate: c ? { candidate: c.candidate, sdpMid: c.sdpMid ?? '0', sdpMLineIndex: 0 } : { completed: true } }));
    });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    const sdp = offer.sdp.replace(/a=candidate:[^\r\n]*\r\n/g, '').replace(/a=end-of-candidates\r\n/g, '');
    const { transaction } = await janus.message(handle, { video: true }, { type: 'offer', sdp, trickle: true });
    const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    await pc.setRemoteDescription(ev.jsep);
    const completed = await janus.waitFor((m) => m.janus === 'trickle' && m.candidate?.completed === true, 5000, 'trickle completed');
    assert.equal(completed.sender, handle);
    const cands = janus.events.filter((m) => m.janus === 'trickle' && m.candidate?.candidate);
    assert.ok(cands.length >= 1);
    for (const c of cands) {
      assert.equal(c.candidate.sdpMLineIndex, 0);
      assert.equal(c.candidate.sdpMid, '0');
      assert.match(c.candidate.candidate, /^candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/);
      await pc.addIceCandidate({ candidate: c.candidate.candidate, sdpMid: '0', sdpMLineIndex: 0 });
    }
    await Promise.all(trickled);
    await janus.waitFor((m) => m.janus === 'webrtcup', 8000, 'webrtcup');
    const pump = new RtpPump(video, video.codecs[0].payloadType!, 400, 3000);
    pump.start(50);
    await janus.waitFor((m) => m.janus === 'media' && m.receiving === true, 5000, 'media');
    await until(() => pump.sent > 100, 10000);
    // two stats events at least, the last one with traffic both ways
    const statsOf = () => seen.filter((e) => e.handle_id === handle && e.type === 32 && e.subtype === 3).map((e) => e.event as any);
    await until(() => statsOf().length >= 2 && statsOf().at(-1)['packets-received'] > 50 && statsOf().at(-1)['packets-sent'] > 50, 6000);
    pump.stop();
    // an array of candidates with an end marker, after the PeerConnection is up: acked, harmless
    const arr = await janus.request({
      janus: 'trickle', handle_id: handle,
      candidates: [{ sdpMid: '0', sdpMLineIndex: 0, candidate: 'candidate:9 1 udp 1 127.0.0.1 9 typ host' }, { sdpMid: 'x' }, { completed: true }],
    });
    assert.equal(arr.janus, 'ack');
    await janus.request({ janus: 'hangup', handle_id: handle });
    await until(() => seen.some((e) => e.handle_id === handle && e.type === 16 && e.subtype === 6 && (e.event as any).connection === 'hangup'), 3000);

    const mine = seen.filter((e) => e.handle_id === handle);
    const has = (type: number, subtype: number, pred: (b: any) => boolean = () => true) =>
      mine.some((e) => e.type === type && e.subtype === subtype && pred(e.event));
    assert.ok(has(16, 1, (b) => b.ice === 'connecting' && b.stream_id === 1 && b.component_id === 1), 'ice state');
    assert.ok(has(16, 2, (b) => /^\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/.test(b['local-candidate'])), 'local candidate');
    assert.ok(has(16, 3, (b) => typeof b['remote-candidate'] === 'string'), 'remote candidate');
    assert.ok(has(16, 4, (b) => /127\.0\.0\.1:\d+ \[host,udp\] <-> 127\.0\.0\.1/.test(b['selected-pair']) && b.candidates.local.family === 4), 'selected pair');
    assert.ok(has(16, 5, (b) => b.dtls === 'connected'), 'dtls');
    assert.ok(has(16, 6, (b) => b.connection === 'webrtcup'), 'webrtcup');
    assert.ok(has(16, 6, (b) => b.connection === 'hangup' && b.reason === 'Janus API'), 'hangup');
    assert.ok(has(32, 1, (b) => b.media === 'video' && b.mid === '0' && b.receiving === true), 'media state');
    const stats = mine.filter((e) => e.type === 32 && e.subtype === 3).map((e) => e.event as any);
    assert.ok(stats.length >= 2, `stats events: ${stats.length}`);
    const last = stats[stats.length - 1];
    assert.equal(last.mid, '0');
    assert.equal(last.media, 'video');
    assert.equal(last.codec, 'vp8');
    assert.ok(last['packets-received'] > 50);
    assert.ok(last['packets-sent'] > 50);
    assert.equal(typeof last['bytes-received-lastsec'], 'number');
    await pc.close();
    janus.close();
  });
});
