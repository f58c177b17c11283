/** Helpers shared by the jcfg specs. */
import assert from 'node:assert/strict';
import { JcfgSyntaxError, parseJcfg } from '../core/config/jcfg';

/** Asserts that parsing fails with a JcfgSyntaxError at the given position (and message part). */
export function assertSyntaxError(text: string, line: number, column: number, reason?: RegExp, file?: string): JcfgSyntaxError {
  let caught: unknown;
  try {
    parseJcfg(text, file);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof JcfgSyntaxError, `expected JcfgSyntaxError, got ${String(caught)}`);
  assert.equal(caught.line, line, caught.message);
  assert.equal(caught.column, column, caught.message);
  assert.ok(caught.message.startsWith(`${file ?? '<input>'}:${line}:${column}: `), caught.message);
  if (reason) assert.match(caught.reason, reason);
  return caught;
}
