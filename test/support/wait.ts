/**
 * Waiting in tests: for an event or an amount of traffic, never for a fixed time. Rates on a
 * loaded 2-core machine vary, so a test that sleeps "long enough" is either slow or flaky.
 */

/** A pause. Only for pacing what a test sends (and inside the polling below), never as a wait. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Poll until `pred` holds (it may be async), at most `ms`; resolves to whether it held, so the
 * caller asserts with its own message: `assert.ok(await until(() => got > 20), \`got ${got}\`)`.
 */
export async function until(pred: () => boolean | Promise<boolean>, ms = 5000, everyMs = 20): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await pred()) return true;
    if (Date.now() > end) return false;
    await sleep(everyMs);
  }
}

/** As `until`, but throws `timed out waiting for <what>` when it never holds. */
export async function waitUntil(what: string, pred: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  if (!(await until(pred, ms))) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/**
 * Count what a callback sees from now on: `const c = counter(); src.on('x', c.add); await c.atLeast(20)`.
 * Counting "at least N more" is how tests wait for traffic instead of sleeping.
 */
export class Counter {
  n = 0;
  readonly add = (): void => {
    this.n++;
  };

  /** Resolves to whether `n` more arrive (counted from now) within `ms`. */
  more(n: number, ms = 5000): Promise<boolean> {
    const target = this.n + n;
    return until(() => this.n >= target, ms);
  }
}
