import assert from 'node:assert/strict';
import { Sessions } from '../core/sessions';
import { get, post } from './support/clients';
import { until } from './support/wait';
import { distPath, startTestServer, type TestServer } from './support/server';

describe('Admin API over HTTP', function () {
  let t: TestServer;
  let S: number;
  let H: number;
  const admin = (body: Record<string, unknown>, path = '') =>
    post(`${t.adminUrl}/admin${path}`, { admin_secret: 'janusoverlord', ...body });

  before(async () => {
    t = await startTestServer({
      janus: `general: { admin_secret = "janusoverlord" }\nplugins: { load = [ "${distPath('examples', 'hello-plugin')}" ] }`,
    });
    S = (await post(`${t.url}/janus`, { janus: 'create', transaction: 'c' })).json.data.id;
    H = (await post(`${t.url}/janus/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', opaque_id: 'admin-opaque', transaction: 'a' })).json.data.id;
    await post(`${t.url}/janus/${S}/${H}`, { janus: 'message', body: { request: 'hello', name: 'Bob' }, transaction: 'm' });
  });
  after(async () => t?.stop());

  it('info (GET only) and ping need no secret; other requests need admin_secret (not apisecret)', async () => {
    assert.equal((await get(`${t.adminUrl}/admin/info`)).json.janus, 'server_info');
    assert.deepEqual((await post(`${t.adminUrl}/admin/info`, { janus: 'info', transaction: 'ai0' })).json,
      { janus: 'error', error: { code: 450, reason: 'Use GET for the info endpoint' } });
    assert.deepEqual((await post(`${t.adminUrl}/admin`, { janus: 'ping', transaction: 'ap1' })).json, { janus: 'pong', transaction: 'ap1' });
    const unauthorized = { code: 403, reason: 'Unauthorized request (wrong or missing secret/token)' };
    assert.deepEqual((await post(`${t.adminUrl}/admin`, { janus: 'list_sessions', transaction: 'al0' })).json, { janus: 'error', transaction: 'al0', error: unauthorized });
    assert.deepEqual((await post(`${t.adminUrl}/admin`, { janus: 'list_sessions', apisecret: 'janusoverlord', transaction: 'al1b' })).json, { janus: 'error', transaction: 'al1b', error: unauthorized });
    assert.deepEqual((await post(`${t.adminUrl}/admin/${S}`, { janus: 'list_handles', transaction: 'alh4' })).json, { janus: 'error', session_id: S, transaction: 'alh4', error: unauthorized });
    assert.deepEqual((await get(`${t.adminUrl}/admin`)).json, { janus: 'error', error: { code: 454, reason: 'Request payload missing' } });
  });

  it('get_status has Janus\'s fields', async () => {
    assert.deepEqual((await admin({ janus: 'get_status', transaction: 'ag1' })).json, {
      janus: 'success', transaction: 'ag1',
      status: {
        token_auth: false, session_timeout: 60, reclaim_session_timeout: 0, candidates_timeout: 45, log_level: 4,
        log_timestamps: false, log_colors: true, locking_debug: false, refcount_debug: false, libnice_debug: false,
        min_nack_queue: 200, 'nack-optimizations': false, no_media_timer: 1, slowlink_threshold: 0,
      },
    });
  });

  it('list_sessions, list_handles (path or body), unknown ids', async () => {
    assert.ok((await admin({ janus: 'list_sessions', transaction: 'al3' })).json.sessions.includes(S));
    assert.deepEqual((await admin({ janus: 'list_handles', transaction: 'alh1' }, `/${S}`)).json, { janus: 'success', session_id: S, transaction: 'alh1', handles: [H] });
    assert.deepEqual((await admin({ janus: 'list_handles', session_id: S, transaction: 'alh2' })).json, { janus: 'success', session_id: S, transaction: 'alh2', handles: [H] });
    assert.deepEqual((await admin({ janus: 'list_handles', transaction: 'alh3' }, '/12345')).json, { janus: 'error', session_id: 12345, transaction: 'alh3', error: { code: 458, reason: 'No such session 12345' } });
    assert.deepEqual((await admin({ janus: 'handle_info', transaction: 'ahi3' }, `/${S}/12345`)).json, { janus: 'error', session_id: S, transaction: 'ahi3', error: { code: 459, reason: `No such handle 12345 in session ${S}` } });
    assert.deepEqual((await admin({ janus: 'handle_info', handle_id: 0, transaction: 'ahi4' }, `/${S}`)).json, { janus: 'error', session_id: S, transaction: 'ahi4', error: { code: 458, reason: 'Session not found' } });
    assert.deepEqual((await admin({ janus: 'nope', transaction: 'x' })).json, { janus: 'error', transaction: 'x', error: { code: 457, reason: "Unhandled request 'nope' at this path" } });
    assert.deepEqual((await admin({ janus: 'nope', transaction: 'x' }, `/${S}`)).json, { janus: 'error', session_id: S, transaction: 'x', error: { code: 457, reason: "Unhandled request 'nope' at this path" } });
  });

  it('handle_info shows the session, the handle and the plugin\'s own state', async () => {
    const r = (await admin({ janus: 'handle_info', transaction: 'ahi1' }, `/${S}/${H}`)).json;
    assert.equal(r.janus, 'success');
    assert.equal(r.handle_id, H);
    const info = r.info;
    assert.equal(info.session_id, S);
    assert.equal(info.session_timeout, 60);
    assert.equal(info.session_transport, 'janus.transport.http');
    assert.equal(info.handle_id, H);
    assert.equal(info.opaque_id, 'admin-opaque');
    assert.equal(info.plugin, 'janus.plugin.hello');
    assert.deepEqual(info.plugin_specific, { greeted: 1, name: 'Bob' });
    assert.ok(info.flags);
    const only = (await admin({ janus: 'handle_info', plugin_only: true, transaction: 'ahi2' }, `/${S}/${H}`)).json.info;
    assert.equal(only.flags, undefined);
    assert.deepEqual(only.plugin_specific, { greeted: 1, name: 'Bob' });
  });

  it('set_log_level validates the level and applies it live', async () => {
    assert.deepEqual((await admin({ janus: 'set_log_level', level: 9, transaction: 'asl1' })).json,
      { janus: 'error', transaction: 'asl1', error: { code: 467, reason: 'Invalid element type (level should be between 0 and 7)' } });
    assert.deepEqual((await admin({ janus: 'set_log_level', level: '5', transaction: 'asl1b' })).json,
      { janus: 'error', transaction: 'asl1b', error: { code: 467, reason: 'Invalid element type (level should be a positive integer)' } });
    assert.deepEqual((await admin({ janus: 'set_log_level', transaction: 'asl1c' })).json,
      { janus: 'error', transaction: 'asl1c', error: { code: 456, reason: 'Missing mandatory element (level)' } });
    assert.deepEqual((await admin({ janus: 'set_log_level', level: 7, transaction: 'asl2' })).json, { janus: 'success', transaction: 'asl2', level: 7 });
    assert.equal(t.server.logger.level, 7);
    assert.equal((await admin({ janus: 'get_status', transaction: 'g' })).json.status.log_level, 7);
    await admin({ janus: 'set_log_level', level: 4, transaction: 'asl3' });
    assert.equal(t.server.logger.level, 4);
  });

  it('the set_* family echoes and applies values', async () => {
    assert.deepEqual((await admin({ janus: 'set_nack_optimizations', nack_optimizations: true, transaction: 'ano' })).json, { janus: 'success', transaction: 'ano', 'nack-optimizations': true });
    assert.deepEqual((await admin({ janus: 'set_no_media_timer', no_media_timer: 3, transaction: 'anm' })).json, { janus: 'success', transaction: 'anm', no_media_timer: 3 });
    assert.deepEqual((await admin({ janus: 'set_log_timestamps', timestamps: true, transaction: 'alt' })).json, { janus: 'success', transaction: 'alt', log_timestamps: true });
    assert.deepEqual((await admin({ janus: 'set_slowlink_threshold', slowlink_threshold: 4, transaction: 'sl' })).json, { janus: 'success', transaction: 'sl', slowlink_threshold: 4 });
    assert.deepEqual((await admin({ janus: 'set_min_nack_queue', min_nack_queue: 500, transaction: 'mn' })).json, { janus: 'success', transaction: 'mn', min_nack_queue: 500 });
    const st = (await admin({ janus: 'get_status', transaction: 'g' })).json.status;
    assert.equal(st['nack-optimizations'], true);
    assert.equal(st.no_media_timer, 3);
    assert.equal(st.slowlink_threshold, 4);
    assert.equal(st.min_nack_queue, 500);
    assert.deepEqual((await admin({ janus: 'set_no_media_timer', no_media_timer: -1, transaction: 'x' })).json,
      { janus: 'error', transaction: 'x', error: { code: 467, reason: 'Invalid element type (no_media_timer should be a positive integer)' } });
  });

  it('set_session_timeout: global (positive only) and per session (-1 follows global)', async () => {
    assert.deepEqual((await admin({ janus: 'set_session_timeout', timeout: -1, transaction: 'ast2' })).json,
      { janus: 'error', transaction: 'ast2', error: { code: 467, reason: 'Invalid element type (timeout should be a positive integer)' } });
    assert.deepEqual((await admin({ janus: 'set_session_timeout', timeout: 120, transaction: 'ast3' }, `/${S}`)).json,
      { janus: 'success', transaction: 'ast3', timeout: 120, session_id: S });
    assert.equal((await admin({ janus: 'handle_info', transaction: 'h' }, `/${S}/${H}`)).json.info.session_timeout, 120);
    assert.deepEqual((await admin({ janus: 'set_session_timeout', timeout: -2, transaction: 'ast5' }, `/${S}`)).json,
      { janus: 'error', session_id: S, transaction: 'ast5', error: { code: 467, reason: 'Invalid element type (timeout should be a non-negative integer or -1)' } });
    await admin({ janus: 'set_session_timeout', timeout: -1, transaction: 'ast4' }, `/${S}`);
    assert.equal((await admin({ janus: 'handle_info', transaction: 'h' }, `/${S}/${H}`)).json.info.session_timeout, 60);
  });

  it('accept_new_sessions false makes create fail with 472, info still answers', async () => {
    assert.deepEqual((await admin({ janus: 'accept_new_sessions', accept: false, transaction: 'an1' })).json, { janus: 'success', transaction: 'an1', accept: false });
    assert.deepEqual((await post(`${t.url}/janus`, { janus: 'create', transaction: 'an2' })).json,
      { janus: 'error', transaction: 'an2', error: { code: 472, reason: 'Currently not accepting new sessions' } });
    assert.equal((await post(`${t.url}/janus`, { janus: 'info', transaction: 'i' })).json['accepting-new-sessions'], false);
    await admin({ janus: 'accept_new_sessions', accept: true, transaction: 'an3' });
    assert.equal((await post(`${t.url}/janus`, { janus: 'create', transaction: 'c' })).json.janus, 'success');
    assert.deepEqual((await admin({ janus: 'accept_new_sessions', transaction: 'an4' })).json,
      { janus: 'error', transaction: 'an4', error: { code: 456, reason: 'Missing mandatory element (accept)' } });
  });

  it('token requests need stored-token mode', async () => {
    for (const verb of ['add_token', 'list_tokens', 'allow_token', 'disallow_token', 'remove_token']) {
      assert.deepEqual((await admin({ janus: verb, token: 'tok1', plugins: ['janus.plugin.hello'], transaction: `tk_${verb}` })).json,
        { janus: 'error', transaction: `tk_${verb}`, error: { code: 490, reason: 'Stored-Token based authentication disabled' } });
    }
  });

  it('message_plugin, query_transport, query_eventhandler, custom_logline', async () => {
    assert.deepEqual((await admin({ janus: 'message_plugin', plugin: 'janus.plugin.hello', request: { request: 'count' }, transaction: 'mp1' })).json,
      { janus: 'success', transaction: 'mp1', response: { hello: 'success', handles: 1 } });
    assert.deepEqual((await admin({ janus: 'message_plugin', plugin: 'janus.plugin.nope', request: {}, transaction: 'mp2' })).json,
      { janus: 'error', transaction: 'mp2', error: { code: 460, reason: 'Invalid plugin' } });
    assert.deepEqual((await admin({ janus: 'message_plugin', transaction: 'mp3' })).json,
      { janus: 'error', transaction: 'mp3', error: { code: 456, reason: 'Missing mandatory element (plugin)' } });
    const q = (await admin({ janus: 'query_transport', transport: 'janus.transport.http', request: { request: 'connections' }, transaction: 'qt' })).json;
    assert.equal(q.response.result, 200);
    assert.deepEqual((await admin({ janus: 'query_transport', transport: 'nope', request: {}, transaction: 'qt2' })).json,
      { janus: 'error', transaction: 'qt2', error: { code: 460, reason: 'Invalid transport' } });
    assert.deepEqual((await admin({ janus: 'query_eventhandler', handler: 'nope', request: {}, transaction: 'qe' })).json,
      { janus: 'error', transaction: 'qe', error: { code: 460, reason: 'Invalid event handler' } });
    assert.deepEqual((await admin({ janus: 'custom_logline', line: 'hello from the admin API', level: 4, transaction: 'cl' })).json, { janus: 'success', transaction: 'cl' });
  });

  it('hangup_webrtc and detach_handle act on the handle; destroy_session frees the session', async () => {
    assert.deepEqual((await admin({ janus: 'hangup_webrtc', transaction: 'hw' }, `/${S}/${H}`)).json, { janus: 'success', session_id: S, transaction: 'hw' });
    assert.deepEqual((await admin({ janus: 'detach_handle', transaction: 'dh' }, `/${S}/${H}`)).json, { janus: 'success', session_id: S, transaction: 'dh' });
    assert.deepEqual((await get(`${t.url}/janus/${S}`)).json, { janus: 'detached', session_id: S, sender: H });
    assert.deepEqual((await admin({ janus: 'list_handles', transaction: 'l' }, `/${S}`)).json.handles, []);
    assert.deepEqual((await admin({ janus: 'destroy_session', transaction: 'ds' }, `/${S}`)).json, { janus: 'success', session_id: S, transaction: 'ds' });
    assert.equal((await admin({ janus: 'list_sessions', transaction: 'l' })).json.sessions.includes(S), false);
    assert.equal((await get(`${t.url}/janus/${S}`)).status, 404);
  });

  it('admin requests do not refresh a session\'s timer', async () => {
    const s2 = (await post(`${t.url}/janus`, { janus: 'create', transaction: 'c' })).json.data.id;
    const session = t.server.container.resolve(Sessions).get(s2)!;
    const before = session.lastActivity;
    // a clock tick, so that a refresh would show as a different time
    const t0 = Date.now();
    await until(() => Date.now() > t0 + 1);
    await admin({ janus: 'list_handles', transaction: 'l' }, `/${s2}`);
    assert.equal(session.lastActivity, before);
    await post(`${t.url}/janus/${s2}`, { janus: 'keepalive', transaction: 'k' });
    assert.ok(session.lastActivity > before);
  });
});
