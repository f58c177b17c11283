import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const CHROMIUM = '/usr/bin/chromium';
const JANUS_JS = '/usr/share/javascript/janus-gateway/janus.js';

function missing(): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} not installed (apt-get install -y chromium)`;
  if (!fs.existsSync(JANUS_JS)) return `${JANUS_JS} not installed (apt-get install -y libjs-janus-gateway)`;
  const ns = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
  if (ns.status !== 0) return 'cannot create a network namespace (unshare -n, needs root and iproute2)';
  return undefined;
}

/**
 * Two headless Chromium pages (fake camera) open the VideoRoom demo page served by our HTTP
 * transport (demos_folder), join one room with janus.js, and each decodes the other's video.
 * Runs in a private network namespace so Chrome uses loopback only.
 */
describe('videoroom: two Chromium pages with janus.js and the demo page', function () {
  this.timeout(60000);

  it('each page decodes the other one\'s video (framesDecoded > 0)', async function () {
    const why = missing();
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    const runner = path.join(__dirname, 'browser-vr', 'videoroom-run.js');
    const child = spawn('unshare', ['-n', 'sh', '-c', `ip link set lo up; exec "${process.execPath}" "${runner}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 50000);
    await new Promise<void>((r) => child.on('exit', () => r()));
    clearTimeout(killer);
    const line = out.trim().split('\n').pop() ?? '';
    let res: { pages: Array<{ framesDecoded: number; remoteTracks: number; joined: boolean; errors: string[]; feeds: string[] }>; page?: number; error?: string; ms?: number };
    try {
      res = JSON.parse(line);
    } catch {
      assert.fail(`runner printed no result: ${out} ${err.slice(-2000)}`);
    }
    assert.equal(res.error, undefined);
    assert.equal(res.page, 200, 'the demo page is served by the HTTP transport');
    assert.equal(res.pages.length, 2, JSON.stringify(res));
    for (const p of res.pages) {
      assert.deepEqual(p.errors, []);
      assert.equal(p.joined, true);
      assert.equal(p.feeds.length, 1, JSON.stringify(p));
      assert.ok(p.framesDecoded > 0, `framesDecoded ${p.framesDecoded}: ${JSON.stringify(res)}`);
    }
  });
});
