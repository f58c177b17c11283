/**
 * Event-handler media stats (type 32 subtype 3) carry Janus's jitter-local and the four
 * link-quality scores, and one last stats event follows a hangup. EchoTest with a werift client
 * that skips sequence numbers to fake loss.
 */
import assert from 'node:assert/strict';
import { RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';
import { EventBus } from '../core/events/event-bus';
import type { EventHandler, JanusEvent } from '../core/plugin-api';
import { qualityStep } from '../core/media/link-quality';
import { clientPeer, gathered, JanusWs, openVideoEcho, RtpPump, startMediaServer, until } from './media-support';

/** VP8-looking RTP at a fixed rate; `skip` of every 10 sequence numbers are never sent (lost on the wire). */
class LossyPump {
  private seq = 5000;
  private ts = 0;
  skip = 0;
  private n = 0;
  private timer?: NodeJS.Timeout;
  constructor(private readonly t: RTCRtpTransceiver) {}
  start(pps: number): void {
    this.timer = setInterval(() => this.one(), Math.round(1000 / pps));
  }
  private one(): void {
    const seq = this.seq++ & 0xffff;
    this.ts += 3000;
    if (this.n++ % 10 < this.skip) return;
    const payload = Buffer.alloc(500, 0xab);
    payload[0] = 0x10;
    const header = new RtpHeader({ payloadType: this.t.codecs[0].payloadType!, sequenceNumber: seq, timestamp: this.ts >>> 0, marker: true });
    this.t.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

describe('media stats for event handlers', function () {
  this.timeout(40000);

  it('qualityStep: 0 until packets are expected, then the interval score, dropping faster than it recovers', () => {
    assert.equal(qualityStep(0, 0, 0), 0);
    assert.equal(qualityStep(0, 0, 50), 100);
    assert.equal(qualityStep(100, 10, 50), 90); // 80 this second, halfway down
    assert.equal(qualityStep(80, 0, 50), 85); // 100 this second, a quarter of the way up
    assert.equal(qualityStep(90, 0, 0), 90); // nothing expected: unchanged
    assert.equal(qualityStep(90, 80, 50), 45); // lost never counts above expected
  });

  it('stats bodies carry jitter-local and link quality that follows the loss; a last stats event after hangup', async () => {
    const ts = await startMediaServer({ 'general.debug_level': 1, 'events.broadcast': true, 'events.stats_period': 1 });
    const seen: JanusEvent[] = [];
    const sink = {
      kind: 'eventhandler',
      info: { package: 'test.stats.sink', name: 'sink', author: '', description: '', version: 1, versionString: '1' },
      eventsMask: 16 | 32,
      init: () => true,
      destroy: () => undefined,
      incomingEvent: (e: JanusEvent) => void seen.push(e),
    } as unknown as EventHandler;
    ts.server.container.resolve(EventBus).addHandler(sink);
    const pc = clientPeer();
    const janus = await JanusWs.connect(ts.wsUrl);
    const pump = new LossyPump(pc.addTransceiver('video', { direction: 'sendrecv' }));
    try {
      await janus.createSession();
      const handle = await janus.attach('janus.plugin.echotest');
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const { transaction } = await janus.message(handle, { video: true, audio: false }, { type: 'offer', sdp: pc.localDescription!.sdp });
      const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
      await pc.setRemoteDescription(ev.jsep);
      await janus.waitFor((m) => m.janus === 'webrtcup', 8000, 'webrtcup');
      const stats = () => seen.filter((e) => e.handle_id === handle && e.type === 32 && e.subtype === 3).map((e) => e.event as Record<string, any>);
      pump.start(50);
      assert.ok(await until(() => stats().some((b) => b['packets-received'] > 80), 6000), 'stats with traffic');
      // one more stats period, so the echo has been reported on too
      const n = stats().length;
      assert.ok(await until(() => stats().length > n, 4000), 'next stats event');
      const clean = stats()[stats().length - 1];
      for (const k of ['jitter-local', 'jitter-remote', 'lost', 'in-link-quality', 'in-media-link-quality', 'out-link-quality', 'out-media-link-quality']) {
        assert.equal(typeof clean[k], 'number', `${k} in ${JSON.stringify(clean)}`);
      }
      assert.ok(clean['in-link-quality'] >= 95, `clean link: ${JSON.stringify(clean)}`);
      assert.ok(clean['in-media-link-quality'] >= 95, `clean link: ${JSON.stringify(clean)}`);
      assert.ok(clean['out-link-quality'] > 0, `echoed back and reported on: ${JSON.stringify(clean)}`);
      assert.ok(clean.lost <= 2, `no loss yet: ${clean.lost}`);

      pump.skip = 3; // 30 % of the sequence numbers never sent
      const from = stats().length;
      assert.ok(await until(() => stats().length >= from + 4, 6000), 'stats during loss');
      const lossy = stats()[stats().length - 1];
      assert.ok(lossy['in-link-quality'] <= 80 && lossy['in-link-quality'] >= 55, `30 % loss: ${JSON.stringify(lossy)}`);
      assert.ok(lossy['in-media-link-quality'] <= 80, `nothing repaired: ${JSON.stringify(lossy)}`);
      assert.ok(lossy.lost > 30, `lost counted: ${lossy.lost}`);
      pump.stop();

      // a second call is the clock: two of its stats events after the hangup are two stats
      // periods in which the first call's stats would have shown up
      const witness = await openVideoEcho(ts.wsUrl);
      const wpump = new RtpPump(witness.video, witness.video.codecs[0].payloadType!, 600, 3000);
      wpump.start(30);
      const witnessStats = () => seen.filter((e) => e.handle_id === witness.handle && e.type === 32 && e.subtype === 3).length;
      const before = seen.length;
      await janus.request({ janus: 'hangup', handle_id: handle });
      assert.ok(await until(() => seen.slice(before).some((e) => e.handle_id === handle && e.type === 16 && (e.event as any).connection === 'hangup'), 2000), 'hangup event');
      const after = seen.slice(before).filter((e) => e.handle_id === handle && e.type === 32 && e.subtype === 3);
      assert.equal(after.length, 1, 'exactly one last stats event at teardown');
      assert.ok((after[0].event as any)['packets-received'] >= lossy['packets-received']);
      const w0 = witnessStats();
      assert.ok(await until(() => witnessStats() >= w0 + 2, 6000), 'the witness call got no stats');
      wpump.stop();
      await witness.pc.close();
      witness.janus.close();
      assert.equal(seen.slice(before).filter((e) => e.handle_id === handle && e.type === 32 && e.subtype === 3).length, 1, 'no stats after teardown');
    } finally {
      pump.stop();
      await pc.close();
      janus.close();
      await ts.stop();
    }
  });
});
