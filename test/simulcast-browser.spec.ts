import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Layers, Rids, SubStats as Sub } from './browser-sim/simulcast-run';
import { browserMissing, runInNamespace } from './support/browser';

interface Result {
  layers?: Layers;
  windows?: unknown[];
  last?: { subs: Record<string, Sub>; rids: Rids };
  rates?: Record<string, number>;
  switched?: Sub;
  temporal?: { before: Sub & { rate: number }; after: Sub & { rate: number } };
  echo?: { layers: Layers; start: Sub; low: Sub; mid: Sub; asked: number; events: string[]; errors: string[] };
  events?: Record<string, string[]>;
  errors?: string[];
  error?: string;
  step?: string;
}

/** What Chrome sent per encoding, and why it held back (a loaded machine: cpu, bandwidth). */
const sent = (l: Layers | undefined) =>
  l ? `${Object.entries(l.rids).map(([r, s]) => `${r} ${s.width}px${s.q && s.q !== 'none' ? ` (${s.q})` : ''}`).join(', ')}; estimate ${l.avail} kbit/s; after ${l.ms} ms` : 'no stats';

/**
 * Headless Chromium publishes into a VideoRoom with janus.js `simulcast: true` (three rid
 * encodings); two subscriptions ask for substream 0 and 2 and decode different resolutions at
 * different bitrates (measured with getStats); then the low one asks for 2 and follows, and the
 * high one drops to temporal layer 0 (frame rate falls, no NACKs: sequence numbers stay continuous).
 * Runs in a private network namespace so Chrome uses loopback only.
 *
 * Chrome decides which encodings it sends from its bandwidth estimate and CPU: on a loaded machine
 * it starts later with the top ones and may pause them for a while. The runner measures only once
 * all three flow, and measures a bitrate window again when the top encoding paused in it.
 */
describe('Simulcast with Chromium and janus.js (VideoRoom, EchoTest)', function () {
  // quiet: ~35 s; the runner waits up to 30 s for Chrome's layers per page on a loaded machine
  this.timeout(180000);

  it('two subscribers on substreams 0 and 2 decode different resolutions and bitrates; configure switches', async function () {
    const why = browserMissing();
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    const runner = path.join(__dirname, 'browser-sim', 'simulcast-run.js');
    const { out, err } = await runInNamespace(runner, 170000);
    const line = out.trim().split('\n').pop() ?? '';
    let res: Result;
    try {
      res = JSON.parse(line);
    } catch {
      assert.fail(`runner printed no result: ${out} ${err.slice(-2000)}`);
    }
    assert.equal(res.error, undefined, `${res.error}; layers: ${sent(res.layers)}`);
    assert.deepEqual(res.errors, []);
    assert.ok(res.layers!.ok, `Chrome never sent all three encodings: ${sent(res.layers)}`);
    const { low, high } = res.last!.subs;
    console.log(
      `      all rids flowing: ${sent(res.layers)}; bitrate windows: ${res.windows!.length}; ` +
        `substream 0: ${low.width}x${low.height} ${Math.round(res.rates!.low / 1000)} kbit/s; substream 2: ${high.width}x${high.height} ${Math.round(res.rates!.high / 1000)} kbit/s; ` +
        `after configure substream 2: ${res.switched?.width}x${res.switched?.height}; ` +
        `temporal 2 -> 0: ${res.temporal?.before.rate} -> ${res.temporal?.after.rate} frames/s, NACKs ${res.temporal?.after.nacks}`,
    );
    assert.ok(low.framesDecoded > 20 && high.framesDecoded > 20, JSON.stringify(res.last));
    assert.ok(high.width > low.width, `resolutions ${low.width} vs ${high.width}: ${JSON.stringify(res.windows)}`);
    assert.ok(res.rates!.high > res.rates!.low * 2, `bitrates ${JSON.stringify(res.windows)}`);
    // the switch asked for (0, then 2) comes first and is where it ends; in between, Janus's fallback may
    // step down while Chrome pauses its top encoding on a loaded machine (substream:1, then 2 again)
    const lowSwitches = res.events!.low.filter((e) => e.startsWith('substream'));
    assert.deepEqual(lowSwitches.slice(0, 2), ['substream:0', 'substream:2'], lowSwitches.join());
    assert.equal(lowSwitches[lowSwitches.length - 1], 'substream:2', lowSwitches.join());
    // likewise "high": on substream 2 first and last, temporal 2 then the 0 asked for
    const highSwitches = res.events!.high.filter((e) => e.startsWith('substream'));
    assert.deepEqual([highSwitches[0], highSwitches[highSwitches.length - 1]], ['substream:2', 'substream:2'], res.events!.high.join());
    assert.deepEqual(res.events!.high.filter((e) => e.startsWith('temporal')), ['temporal:2', 'temporal:0'], res.events!.high.join());
    assert.equal(res.switched!.width, high.width, 'the low subscriber now decodes the top substream');
    // a broken switch leaves a sequence gap Chrome NACKs over and over (tens of NACKs); one or two
    // can come from ordinary UDP loss on a loaded machine (exact continuity: simulcast-echotest)
    assert.ok(res.switched!.nacks <= 2, `NACKs across the substream switch: ${res.switched!.nacks}`);
    // temporal layer 0 only: a quarter of the frame rate (frames decoded over 2-3 s windows), still
    // decoding, and no sequence gaps (Chrome would NACK them)
    const { before, after } = res.temporal!;
    assert.ok(after.rate > 0 && after.rate <= before.rate / 2, `frames/s ${before.rate} -> ${after.rate}`);
    assert.ok(after.framesDecoded > before.framesDecoded + 5);
    assert.ok(after.nacks <= 2, `NACKs after dropping temporal layers: ${after.nacks} (a sequence gap gives tens)`);
    // EchoTest with janus.js simulcast: the echoed resolution follows the substream asked for
    const echo = res.echo!;
    console.log(`      EchoTest echo: all rids flowing: ${sent(echo.layers)}; ${echo.start.width}px, substream 0 -> ${echo.low.width}px, substream 2 -> ${echo.mid.width}px, NACKs ${echo.mid.nacks}`);
    assert.deepEqual(echo.errors, []);
    // on a loaded machine Chrome's estimate on the EchoTest PeerConnection stayed low (measured 244-320
    // kbit/s, against 560-965 for the VideoRoom publisher) and could keep its top encoding off for good:
    // the echo then starts on the widest encoding that flows (Janus's fallback), the switch down is
    // checked from it
    if (!echo.layers.ok) console.log(`      (EchoTest: Chrome kept its top encoding off for 30 s: ${sent(echo.layers)}; checked from the ${echo.layers.top}px one)`);
    const top = echo.layers.ok ? high.width : echo.layers.top;
    assert.ok(top > low.width, `Chrome sent only its lowest encoding to EchoTest, nothing to switch from: ${sent(echo.layers)}`);
    // down to the lowest layer always works (it always flows); going back up depends on Chrome still
    // sending its top encoding on this PeerConnection, which its bandwidth estimate decides (the way
    // up is asserted exactly with werift publishers in simulcast-echotest)
    assert.deepEqual([echo.start.width, echo.low.width], [top, low.width]);
    assert.ok(echo.mid.nacks <= 2, `NACKs across the echo's switches: ${echo.mid.nacks}`);
    // the echo starts on substream 2; the first switch after asking for 0 is to 0 (before asking,
    // Janus's fallback may have stepped down and up while Chrome paused its top encoding)
    const asked = echo.events.slice(echo.asked).filter((e) => e.startsWith('substream'));
    if (echo.layers.ok) assert.deepEqual(echo.events.slice(0, 2), ['substream:2', 'temporal:2'], echo.events.join());
    assert.equal(asked[0], 'substream:0', `after asking for substream 0: ${echo.events.join()} (asked at ${echo.asked})`);
  });
});
