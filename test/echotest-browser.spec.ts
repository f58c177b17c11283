import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { browserMissing, runInNamespace } from './support/browser';

/**
 * Headless Chromium runs the official janus.js EchoTest against our server, on loopback inside
 * a private network namespace (Chrome only gathers 127.0.0.1 there, with
 * --allow-loopback-in-peer-connection).
 */
describe('EchoTest with headless Chromium and janus.js', function () {
  // quiet: ~20 s; loaded: up to 30 s until the PeerConnection is up, then 11 s measured
  this.timeout(90000);

  it('decodes echoed video, plays echoed audio, Chrome ramps its video bitrate above 300 kbps within 10 s, and its pc.close() gets a hangup', async function () {
    const why = browserMissing();
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    const runner = path.join(__dirname, 'browser', 'echotest-run.js');
    const { out, err } = await runInNamespace(runner, 80000);
    const line = out.trim().split('\n').pop() ?? '';
    type Audio = { seconds: number; packets: number; discarded: number; samples: number; concealed: number };
    let res: { hangup?: string; hangupMs?: number; state: string; error?: string; framesDecoded: number; audio: Audio; maxKbpsWithin10s: number; maxAvailKbpsWithin10s: number; events: string[]; kbps: unknown[] };
    try {
      res = JSON.parse(line);
    } catch {
      assert.fail(`runner printed no result: ${out} ${err.slice(-2000)}`);
    }
    assert.equal(res.state, 'up', `${res.error ?? ''} ${JSON.stringify(res.events)}`);
    assert.ok(res.events.includes('webrtcState:true'));
    assert.ok(res.framesDecoded > 0, `framesDecoded ${res.framesDecoded}`);
    // Chrome plays the echoed audio: packets that arrive are not enough (a RED-in-Opus mislabel once
    // had every packet arrive, half discarded, and Chrome's decoder fail on all of them: 0 samples)
    const a = res.audio;
    const au = JSON.stringify(a);
    assert.ok(a.seconds >= 3, `audio measured over ${a.seconds} s: ${au}`);
    assert.ok(a.packets > a.seconds * 25, `echoed audio packets: ${au}`);
    assert.ok(a.samples > a.seconds * 48000 * 0.5, `Chrome played ${a.samples} echoed samples: ${au}`);
    assert.ok(a.concealed / a.samples < 0.2, `Chrome concealed ${a.concealed} of ${a.samples} samples: ${au}`);
    assert.ok(a.discarded <= a.packets * 0.05, `Chrome discarded ${a.discarded} of ${a.packets} packets: ${au}`);
    assert.ok(res.maxKbpsWithin10s > 300, `Chrome video bitrate stayed at ${res.maxKbpsWithin10s} kbps: ${JSON.stringify(res.kbps)}`);
    // the TWCC trap: with broken feedback Chrome's estimate sat at ~115 kbps
    assert.ok(res.maxAvailKbpsWithin10s > 300, `Chrome's estimate stayed at ${res.maxAvailKbpsWithin10s} kbps`);
    // Chrome closing its PeerConnection (DTLS close_notify) gets a Janus hangup at once
    assert.equal(res.hangup, 'hangup:DTLS alert');
    if (process.env.MEDIA_VERBOSE) console.log(JSON.stringify(res.kbps));
  });
});
