'use strict';
// Spec output plus the closing "N passed, N failed" line that CI reads.
const Mocha = require('mocha');
const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      process.nextTick(() => {
        const skipped = s.pending ? `, ${s.pending} skipped` : '';
        console.log(`${s.passes || 0} passed, ${s.failures || 0} failed${skipped}`);
      });
    });
  }
}
module.exports = SummaryReporter;
