import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { post } from './support/clients';
import { until } from './support/mq-harness';
import { startTestServer, type TestServer } from './support/server';

/**
 * Every Admin request that changes something, observed where the change shows (log file,
 * sessions, tokens), not only in its answer or in get_status. Answers are checked against
 * Janus 1.1.2's shapes in test/admin-api.spec.ts.
 */
describe('Admin API requests have the effect they answer', function () {
  this.timeout(20000);
  let t: TestServer;
  const admin = async (body: Record<string, unknown>, p = '') =>
    (await post(`${t.adminUrl}/admin${p}`, { admin_secret: 'janusoverlord', transaction: 'x', ...body })).json;
  const logText = () => fs.readFileSync(path.join(t.folder, 'janus.log'), 'utf8');
  /** The log line carrying `marker`, once it has been flushed to the file. */
  const lineWith = async (marker: string): Promise<string> => {
    let line: string | undefined;
    await until(`log line ${marker}`, () => (line = logText().split('\n').find((l) => l.includes(marker))) !== undefined, 5000);
    return line!;
  };
  const create = async () => (await post(`${t.url}/janus`, { janus: 'create', transaction: 'c' })).json;

  before(async () => {
    t = await startTestServer({ janus: 'general: { admin_secret = "janusoverlord", debug_timestamps = false }' });
  });
  after(async () => t?.stop());

  it('set_log_timestamps: lines start with the time once on, and lose it once off', async () => {
    await admin({ janus: 'custom_logline', line: 'marker-ts-0', level: 4 });
    assert.match(await lineWith('marker-ts-0'), /^\[INFO\] /, 'debug_timestamps = false at start');
    assert.deepEqual(await admin({ janus: 'set_log_timestamps', timestamps: true }), { janus: 'success', transaction: 'x', log_timestamps: true });
    await admin({ janus: 'custom_logline', line: 'marker-ts-1', level: 4 });
    assert.match(await lineWith('marker-ts-1'), /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] \[INFO\] /);
    await admin({ janus: 'set_log_timestamps', timestamps: false });
    await admin({ janus: 'custom_logline', line: 'marker-ts-2', level: 4 });
    assert.match(await lineWith('marker-ts-2'), /^\[INFO\] /);
    assert.equal((await admin({ janus: 'get_status' })).status.log_timestamps, false);
  });

  it('set_log_colors never colours the log file (colours are for a terminal stdout only)', async () => {
    await admin({ janus: 'set_log_colors', colors: true });
    await admin({ janus: 'custom_logline', line: 'marker-colors', level: 2 });
    assert.equal((await lineWith('marker-colors')).includes('\x1b['), false);
    assert.equal((await admin({ janus: 'get_status' })).status.log_colors, true);
  });

  it('set_log_level: lines above the level are dropped, custom_logline writes at its level', async () => {
    await admin({ janus: 'set_log_level', level: 3 });
    await admin({ janus: 'custom_logline', line: 'marker-level-hidden', level: 4 });
    await admin({ janus: 'custom_logline', line: 'marker-level-shown', level: 3 });
    assert.match(await lineWith('marker-level-shown'), /\[WARN\] marker-level-shown/);
    assert.equal(logText().includes('marker-level-hidden'), false, 'a level-4 line after set_log_level 3');
    await admin({ janus: 'set_log_level', level: 4 });
  });

  it('set_session_timeout (global) makes idle sessions expire; per session it overrides', async () => {
    const keep = (await create()).data.id as number;
    await admin({ janus: 'set_session_timeout', timeout: 0 }, `/${keep}`);
    const idle = (await create()).data.id as number;
    assert.deepEqual(await admin({ janus: 'set_session_timeout', timeout: 1 }), { janus: 'success', transaction: 'x', timeout: 1 });
    await until('the idle session to time out', async () => !(await admin({ janus: 'list_sessions' })).sessions.includes(idle), 8000);
    assert.ok((await admin({ janus: 'list_sessions' })).sessions.includes(keep), 'timeout 0 on the session: never expires');
    await admin({ janus: 'set_session_timeout', timeout: 60 });
    await admin({ janus: 'destroy_session' }, `/${keep}`);
    assert.equal((await admin({ janus: 'list_sessions' })).sessions.includes(keep), false);
  });

  it('setters with nothing to act on here answer as Janus and log that they changed nothing', async () => {
    for (const [janus, field, value] of [['set_min_nack_queue', 'min_nack_queue', 300], ['set_nack_optimizations', 'nack_optimizations', true],
      ['set_locking_debug', 'debug', true], ['set_refcount_debug', 'debug', true], ['set_libnice_debug', 'debug', true]] as const) {
      assert.equal((await admin({ janus, [field]: value })).janus, 'success');
      assert.match(await lineWith(`request=${janus} `), /no effect in janus-ts/);
    }
  });

  it('accept_new_sessions: create is refused, then accepted again', async () => {
    await admin({ janus: 'accept_new_sessions', accept: false });
    assert.equal((await create()).error.code, 472);
    await admin({ janus: 'accept_new_sessions', accept: true });
    assert.equal((await create()).janus, 'success');
  });
});

describe('Admin token requests gate the Janus API (stored-token mode)', function () {
  this.timeout(20000);
  let t: TestServer;
  const admin = async (body: Record<string, unknown>) =>
    (await post(`${t.adminUrl}/admin`, { admin_secret: 'janusoverlord', transaction: 'x', ...body })).json;
  const createWith = async (token?: string) => (await post(`${t.url}/janus`, { janus: 'create', transaction: 'c', ...(token ? { token } : {}) })).json;
  const attach = async (token: string) => {
    const s = (await createWith(token)).data.id as number;
    return (await post(`${t.url}/janus/${s}`, { janus: 'attach', plugin: 'janus.plugin.echotest', token, transaction: 'a' })).json;
  };

  before(async () => {
    t = await startTestServer({ janus: 'general: { admin_secret = "janusoverlord", token_auth = true }' });
  });
  after(async () => t?.stop());

  it('add_token lets a token in, disallow_token/allow_token gate a plugin, remove_token shuts it out', async () => {
    assert.equal((await createWith('tok')).error.code, 403);
    const added = await admin({ janus: 'add_token', token: 'tok' });
    assert.ok(added.data.plugins.includes('janus.plugin.echotest'), 'no plugins given: every plugin');
    assert.equal((await createWith('tok')).janus, 'success');
    assert.equal((await attach('tok')).janus, 'success');
    assert.deepEqual((await admin({ janus: 'list_tokens' })).data.tokens.map((x: { token: string }) => x.token), ['tok']);
    await admin({ janus: 'disallow_token', token: 'tok', plugins: ['janus.plugin.echotest'] });
    assert.equal((await attach('tok')).error.code, 405);
    await admin({ janus: 'allow_token', token: 'tok', plugins: ['janus.plugin.echotest'] });
    assert.equal((await attach('tok')).janus, 'success');
    await admin({ janus: 'remove_token', token: 'tok' });
    assert.equal((await createWith('tok')).error.code, 403);
  });
});
