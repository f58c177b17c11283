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
