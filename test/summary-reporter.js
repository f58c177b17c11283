'use strict';
// Spec output plus the closing "N passed, N failed" line that CI reads.
const fs = require('node:fs');
const Mocha = require('mocha');
const { EVENT_RUN_END, EVENT_TEST_FAIL } = Mocha.Runner.constants;

// test/run-suites.js runs mocha more than once and prints the sum of all runs last. Taken out of
// the environment at once: a spec that runs mocha in a child process (the cascade specs do) must
// not add its inner counts to ours.
const totalsFile = process.env.JANUS_TEST_TOTALS;
delete process.env.JANUS_TEST_TOTALS;

function addToTotals(s, failedTests) {
  const file = totalsFile;
  if (!file) return;
  let t = { passes: 0, failures: 0, pending: 0, failed: [] };
  try { t = JSON.parse(fs.readFileSync(file, 'utf8')); } catch { /* first run */ }
  t.passes += s.passes || 0;
  t.failures += s.failures || 0;
  t.pending += s.pending || 0;
  // the runner repeats these in its closing summary, so the tail of a CI log names what failed
  t.failed = [...(t.failed || []), ...failedTests];
  fs.writeFileSync(file, JSON.stringify(t));
}

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const failedTests = [];
    runner.on(EVENT_TEST_FAIL, (test, err) => {
      const msg = String((err && err.message) || err).split('\n')[0].slice(0, 300);
      failedTests.push(`${test.fullTitle()}: ${msg}`);
    });
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      process.nextTick(() => {
        const skipped = s.pending ? `, ${s.pending} skipped` : '';
        console.log(`${s.passes || 0} passed, ${s.failures || 0} failed${skipped}`);
        addToTotals(s, failedTests);
      });
    });
  }
}
module.exports = SummaryReporter;
