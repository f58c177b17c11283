import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { get, post } from './support/clients';
import { distPath, startTestServer, type TestServer } from './support/server';

const hello = `plugins: { load = [ "${distPath('examples', 'hello-plugin')}" ] }`;
const unauthorized = { code: 403, reason: 'Unauthorized request (wrong or missing secret/token)' };

describe('Authentication', function () {
  describe('api_secret', () => {
    let t: TestServer;
    before(async () => (t = await startTestServer({ janus: `general: { api_secret = "apisecret", admin_secret = "janusoverlord" }\n${hello}` })));
    after(async () => t?.stop());

    it('info and ping need no secret; scope is checked before the secret', async () => {
      assert.equal((await post(`${t.url}/janus`, { janus: 'ping', transaction: 'p' })).json.janus, 'pong');
      assert.equal((await get(`${t.url}/janus/info`)).json.api_secret, true);
      assert.equal((await post(`${t.url}/janus`, { janus: 'foo', transaction: 'u' })).json.error.code, 457);
    });

    it('create/attach/message need apisecret; 403 otherwise', async () => {
      assert.deepEqual((await post(`${t.url}/janus`, { janus: 'create', transaction: 'c0' })).json, { janus: 'error', transaction: 'c0', error: unauthorized });
      assert.deepEqual((await post(`${t.url}/janus`, { janus: 'create', apisecret: 'wrong', transaction: 'c1' })).json, { janus: 'error', transaction: 'c1', error: unauthorized });
      const S = (await post(`${t.url}/janus`, { janus: 'create', apisecret: 'apisecret', transaction: 'c2' })).json.data.id;
      assert.deepEqual((await post(`${t.url}/janus/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', transaction: 'a0' })).json,
        { janus: 'error', session_id: S, transaction: 'a0', error: unauthorized });
      // auth comes before the session lookup
      assert.deepEqual((await post(`${t.url}/janus/12345`, { janus: 'keepalive', transaction: 'k' })).json,
        { janus: 'error', session_id: 12345, transaction: 'k', error: unauthorized });
      const H = (await post(`${t.url}/janus/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', apisecret: 'apisecret', transaction: 'a1' })).json.data.id;
      assert.ok(H > 0);
    });

    it('long polls carry the secret in the query string; without it HTTP 403', async () => {
      const S = (await post(`${t.url}/janus`, { janus: 'create', apisecret: 'apisecret', transaction: 'c' })).json.data.id;
      const no = await get(`${t.url}/janus/${S}`);
      assert.equal(no.status, 403);
      assert.equal(no.text, '');
      assert.equal((await get(`${t.url}/janus/12345`)).status, 403);
      const H = (await post(`${t.url}/janus/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', apisecret: 'apisecret', transaction: 'a' })).json.data.id;
      await post(`${t.url}/janus/${S}/${H}`, { janus: 'message', apisecret: 'apisecret', body: { request: 'later', delay: 0 }, transaction: 'm' });
      const ev = await get(`${t.url}/janus/${S}?apisecret=apisecret`);
      assert.equal(ev.json.transaction, 'm');
    });
  });

  describe('stored tokens', () => {
    let t: TestServer;
    const admin = (body: Record<string, unknown>) => post(`${t.adminUrl}/admin`, { admin_secret: 'janusoverlord', transaction: 'adm', ...body });
    before(async () => (t = await startTestServer({ janus: `general: { token_auth = true, admin_secret = "janusoverlord" }\n${hello}` })));
    after(async () => t?.stop());

    it('tokens are managed by the Admin API and checked per plugin', async () => {
      assert.deepEqual((await admin({ janus: 'add_token', token: 'tok1', plugins: ['janus.plugin.hello', 'janus.plugin.nope'] })).json,
        { janus: 'success', transaction: 'adm', data: { plugins: ['janus.plugin.hello'] } });
      // no plugin list: every loaded plugin
      const loaded = Object.keys((await get(`${t.url}/janus/info`)).json.plugins);
      assert.ok(loaded.includes('janus.plugin.hello'));
      assert.deepEqual((await admin({ janus: 'add_token', token: 'tok2' })).json.data.plugins, loaded);
      assert.deepEqual((await admin({ janus: 'list_tokens' })).json.data.tokens, [
        { token: 'tok1', allowed_plugins: ['janus.plugin.hello'] },
        { token: 'tok2', allowed_plugins: loaded },
      ]);
      assert.deepEqual((await post(`${t.url}/janus`, { janus: 'create', transaction: 'c0' })).json, { janus: 'error', transaction: 'c0', error: unauthorized });
      assert.deepEqual((await post(`${t.url}/janus`, { janus: 'create', token: 'nope', transaction: 'c0' })).json, { janus: 'error', transaction: 'c0', error: unauthorized });
      const S = (await post(`${t.url}/janus`, { janus: 'create', token: 'tok1', transaction: 'c1' })).json.data.id;
      assert.deepEqual((await admin({ janus: 'disallow_token', token: 'tok1', plugins: ['janus.plugin.hello'] })).json.data.plugins, []);
      assert.deepEqual((await post(`${t.url}/janus/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', token: 'tok1', transaction: 'a1' })).json,
        { janus: 'error', session_id: S, transaction: 'a1', error: { code: 405, reason: "Provided token can't access plugin 'janus.plugin.hello'" } });
      assert.deepEqual((await admin({ janus: 'allow_token', token: 'tok1', plugins: ['janus.plugin.hello'] })).json.data.plugins, ['janus.plugin.hello']);
      const H = (await post(`${t.url}/janus/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', token: 'tok1', transaction: 'a2' })).json.data.id;
      assert.ok(H > 0);
      assert.deepEqual((await admin({ janus: 'allow_token', token: 'ghost', plugins: ['janus.plugin.hello'] })).json,
        { janus: 'error', transaction: 'adm', error: { code: 470, reason: 'Token ghost not found' } });
      assert.deepEqual((await admin({ janus: 'allow_token', token: 'tok1', plugins: [] })).json,
        { janus: 'error', transaction: 'adm', error: { code: 467, reason: 'Invalid element type (plugins should be a non-empty array)' } });
      assert.deepEqual((await admin({ janus: 'allow_token', token: 'tok1', plugins: ['janus.plugin.nope'] })).json,
        { janus: 'error', transaction: 'adm', error: { code: 467, reason: 'Invalid element type (some of the provided plugins are invalid)' } });
      assert.deepEqual((await admin({ janus: 'remove_token', token: 'tok1' })).json, { janus: 'success', transaction: 'adm' });
      assert.deepEqual((await admin({ janus: 'remove_token', token: 'tok1' })).json, { janus: 'error', transaction: 'adm', error: { code: 490, reason: 'Error removing token' } });
      assert.deepEqual((await post(`${t.url}/janus/${S}`, { janus: 'keepalive', token: 'tok1', transaction: 'k' })).json,
        { janus: 'error', session_id: S, transaction: 'k', error: unauthorized });
      // GETs carry the token in the query: a valid one passes (302 here), a removed one is 403
      assert.equal((await get(`${t.url}/janus/${S}/${H}?token=tok2`)).status, 302);
      assert.equal((await get(`${t.url}/janus/${S}/${H}?token=tok1`)).status, 403);
    });
  });

  describe('signed tokens', () => {
    let t: TestServer;
    const sign = (data: string) => `${data}:${createHmac('sha1', 'signkey').update(data).digest('base64')}`;
    before(async () => (t = await startTestServer({ janus: `general: { token_auth = true, token_auth_secret = "signkey", admin_secret = "janusoverlord" }\n${hello}` })));
    after(async () => t?.stop());

    it('accepts valid HMAC tokens with the janus realm, checks expiry and plugin descriptors', async () => {
      const future = Math.floor(Date.now() / 1000) + 3600;
      const good = sign(`${future},janus,janus.plugin.hello`);
      const S = (await post(`${t.url}/janus`, { janus: 'create', token: good, transaction: 'c' })).json.data.id;
      assert.ok((await post(`${t.url}/janus/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', token: good, transaction: 'a' })).json.data.id > 0);
      const noPlugin = sign(`${future},janus`);
      assert.equal((await post(`${t.url}/janus/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', token: noPlugin, transaction: 'a2' })).json.error.code, 405);
      const expired = sign(`${Math.floor(Date.now() / 1000) - 10},janus,janus.plugin.hello`);
      assert.deepEqual((await post(`${t.url}/janus`, { janus: 'create', token: expired, transaction: 'c2' })).json, { janus: 'error', transaction: 'c2', error: unauthorized });
      const wrongRealm = sign(`${future},other,janus.plugin.hello`);
      assert.equal((await post(`${t.url}/janus`, { janus: 'create', token: wrongRealm, transaction: 'c3' })).json.error.code, 403);
      const forged = `${future},janus,janus.plugin.hello:AAAA`;
      assert.equal((await post(`${t.url}/janus`, { janus: 'create', token: forged, transaction: 'c4' })).json.error.code, 403);
      assert.deepEqual((await post(`${t.adminUrl}/admin`, { janus: 'add_token', token: 'x', admin_secret: 'janusoverlord', transaction: 'ad' })).json,
        { janus: 'error', transaction: 'ad', error: { code: 490, reason: 'Stored-Token based authentication disabled' } });
    });
  });
});
