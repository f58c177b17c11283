import assert from 'node:assert/strict';
import * as path from 'node:path';
import { browserMissing, runInNamespace } from './support/browser';

/**
 * Two headless Chromium pages (fake camera) open the VideoRoom demo page served by our HTTP
 * transport (demos_folder), join one room with janus.js, and each decodes the other's video.
 * Runs in a private network namespace so Chrome uses loopback only.
 */
describe('videoroom: two Chromium pages with janus.js and the demo page', function () {
  this.timeout(60000);

  it('each page decodes the other one\'s video (framesDecoded > 0)', async function () {
    const why = browserMissing();
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    const runner = path.join(__dirname, 'browser-vr', 'videoroom-run.js');
    const { out, err } = await runInNamespace(runner, 50000);
    // the result is the last line with "pages" (server logs may share stdout)
    const line = out.trim().split('\n').filter((l) => l.includes('"pages"')).pop() ?? '';
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
