import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const JANUS_JS = '/usr/share/javascript/janus-gateway/janus.js';

/** Why the browser test cannot run here, or undefined when it can. */
function missing(): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} not installed (apt-get install -y chromium)`;
  if (!fs.existsSync(JANUS_JS)) return `${JANUS_JS} not installed (apt-get install -y libjs-janus-gateway)`;
  const ns = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
  if (ns.status !== 0) return 'cannot create a network namespace (unshare -n, needs root and iproute2)';
  return undefined;
}

/**
 * Headless Chromium runs the official janus.js EchoTest against our server, on loopback inside
 * a private network namespace (Chrome only gathers 127.0.0.1 there, with
 * --allow-loopback-in-peer-connection).
 */
describe('EchoTest with headless Chromium and janus.js', function () {
  this.timeout(60000);

  it('decodes echoed video, Chrome ramps its video bitrate above 300 kbps within 10 s, and its pc.close() gets a hangup', async function () {
    const why = missing();
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    const runner = path.join(__dirname, 'browser', 'echotest-run.js');
    const child = spawn('unshare', ['-n', 'sh', '-c', `ip link set lo up; exec "${process.execPath}" "${runner}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 50000);
    await new Promise<void>((r) => child.on('exit', () => r()));
    clearTimeout(killer);
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
