'use strict';
// `npm test`: the whole suite (media plane on worker threads, the default), then the media specs
// once more with the in-thread media plane (media_workers = 0). Each mocha run's reporter adds its
// counts to one file; the last line printed is the total, "N passed, N failed", which CI reads.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const totals = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-tests-')), 'totals.json');
const mocha = require.resolve('mocha/bin/mocha.js');
const inThread = ['echotest-media', 'media-events', 'media-nack', 'videoroom-media', 'simulcast-echotest']
  .map((n) => `dist/test/${n}.spec.js`);
const runs = [
  { args: [], env: {} },
  {
    args: ['--no-config', '--require', 'reflect-metadata', '--reporter', './test/summary-reporter.js',
      '--timeout', '20000', '--exit', ...inThread],
    env: { JANUS_MEDIA_WORKERS: '0' },
  },
];
let status = 0;
for (const r of runs) {
  const res = spawnSync(process.execPath, [mocha, ...r.args, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, ...r.env, JANUS_TEST_TOTALS: totals },
  });
  if (res.status !== 0) status = 1;
}
const t = fs.existsSync(totals) ? JSON.parse(fs.readFileSync(totals, 'utf8')) : { passes: 0, failures: 1, pending: 0 };
fs.rmSync(path.dirname(totals), { recursive: true, force: true });
console.log('\nAll runs (workers, then media_workers = 0):');
console.log(`${t.passes} passed, ${t.failures} failed${t.pending ? `, ${t.pending} skipped` : ''}`);
process.exit(status || (t.failures > 0 ? 1 : 0));
