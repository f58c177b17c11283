import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { browserMissing, runInNamespace } from './support/browser';

/**
 * Headless Chromium runs the official janus.js EchoTest against our server, on loopback inside
 * a private network namespace (Chrome only gathers 127.0.0.1 there, with
 * --allow-loopback-in-peer-connection).
 */
describe('EchoTest with headless Chromium and janus.js', function () {
  this.timeout(60000);

  it('decodes echoed video, Chrome ramps its video bitrate above 300 kbps within 10 s, and its pc.close() gets a hangup', async function () {
    const why = browserMissing();
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    const runner = path.join(__dirname, 'browser', 'echotest-run.js');
    const { out, err } = await runInNamespace(runner, 50000);
    const line = out.trim().split('\n').pop() ?? '';
    let res: { hangup?: string; hangupMs?: number; state: string; error?: string; framesDecoded: number; maxKbpsWithin10s: number; maxAvailKbpsWithin10s: number; events: string[]; kbps: unknown[] };
    try {
      res = JSON.parse(line);
    } catch {
      assert.fail(`runner printed no result: ${out} ${err.slice(-2000)}`);
    }
    assert.equal(res.state, 'up', `${res.error ?? ''} ${JSON.stringify(res.events)}`);
    assert.ok(res.events.includes('webrtcState:true'));
    assert.ok(res.framesDecoded > 0, `framesDecoded ${res.framesDecoded}`);
    assert.ok(res.maxKbpsWithin10s > 300, `Chrome video bitrate stayed at ${res.maxKbpsWithin10s} kbps: ${JSON.stringify(res.kbps)}`);
    // the TWCC trap: with broken feedback Chrome's estimate sat at ~115 kbps
    assert.ok(res.maxAvailKbpsWithin10s > 300, `Chrome's estimate stayed at ${res.maxAvailKbpsWithin10s} kbps`);
    // Chrome closing its PeerConnection (DTLS close_notify) gets a Janus hangup at once
    assert.equal(res.hangup, 'hangup:DTLS alert');
    if (process.env.MEDIA_VERBOSE) console.log(JSON.stringify(res.kbps));
  });
});
