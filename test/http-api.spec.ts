import assert from 'node:assert/strict';
import { get, post, request } from './support/clients';
import { distPath, startTestServer, type TestServer } from './support/server';

/**
 * The Janus API over HTTP, request by request, against the exact JSON the real Janus 1.1.2
 * answered for the same requests (captured on this machine).
 */
describe('Janus API over HTTP', function () {
  let t: TestServer;
  let S: number;
  let H: number;
  const janus = () => `${t.url}/janus`;

  before(async () => {
    t = await startTestServer({
      janus: `general: { admin_secret = "janusoverlord" }\nplugins: { load = [ "${distPath('examples', 'hello-plugin')}" ] }`,
    });
    S = (await post(janus(), { janus: 'create', transaction: 'c1' })).json.data.id;
    H = (await post(`${janus()}/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', opaque_id: 'op-1', transaction: 'a1' })).json.data.id;
  });
  after(async () => t?.stop());

  describe('root requests', () => {
    it('GET /janus/info returns server_info with an 11-character transaction and the loaded modules', async () => {
      const r = await get(`${janus()}/info`);
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.json.janus, 'server_info');
      assert.match(r.json.transaction, /^[A-Za-z0-9]{11}$/);
      assert.equal(r.json.version_string, '1.1.2');
      assert.equal(r.json.name, 'Janus WebRTC Server');
      assert.ok(r.json.transports['janus.transport.http']);
      assert.ok(r.json.transports['janus.transport.websockets']);
      assert.deepEqual(r.json.plugins['janus.plugin.hello'], {
        name: 'Hello plugin', author: 'janus-ts examples', description: 'Greets you, now or a little later.', version_string: '0.0.1', version: 1,
      });
      assert.equal(r.json['session-timeout'], 60);
      assert.equal(r.json.api_secret, false);
    });

    it('answers info and ping case-insensitively, with indented JSON like Janus', async () => {
      const r = await post(janus(), { janus: 'INFO', transaction: 'inf2' });
      assert.equal(r.json.transaction, 'inf2');
      const p = await post(janus(), { janus: 'ping', transaction: 'png1' });
      assert.equal(p.text, '{\n   "janus": "pong",\n   "transaction": "png1"\n}');
    });

    it('POST /janus/info is HTTP 400 with an empty body', async () => {
      const r = await post(`${janus()}/info`, { janus: 'info', transaction: 'x' });
      assert.equal(r.status, 400);
      assert.equal(r.text, '');
    });

    it('create with a chosen id, then the same id again (468), id not an integer (467, no transaction)', async () => {
      assert.deepEqual((await post(janus(), { janus: 'create', id: 1234567, transaction: 'cid1' })).json,
        { janus: 'success', transaction: 'cid1', data: { id: 1234567 } });
      assert.deepEqual((await post(janus(), { janus: 'create', id: 1234567, transaction: 'cid2' })).json,
        { janus: 'error', session_id: 1234567, transaction: 'cid2', error: { code: 468, reason: 'Session ID already in use' } });
      for (const id of ['7654321', -5, 1.5, null]) {
        assert.deepEqual((await post(janus(), { janus: 'create', id, transaction: 'cid3' })).json,
          { janus: 'error', error: { code: 467, reason: 'Invalid element type (id should be a positive integer)' } }, `id ${id}`);
      }
      const zero = await post(janus(), { janus: 'create', id: 0, transaction: 'cid5' });
      assert.ok(zero.json.data.id > 0);
      assert.deepEqual((await post(`${janus()}/1234567`, { janus: 'destroy', transaction: 'cidd' })).json,
        { janus: 'success', session_id: 1234567, transaction: 'cidd' });
    });
  });

  describe('envelope errors', () => {
    const cases: Array<[string, unknown, unknown]> = [
      ['missing transaction', { janus: 'ping' }, { janus: 'error', error: { code: 456, reason: 'Missing mandatory element (transaction)' } }],
      ['transaction as number', { janus: 'ping', transaction: 5 }, { janus: 'error', error: { code: 467, reason: 'Invalid element type (transaction should be a string)' } }],
      ['missing janus', { transaction: 'e1' }, { janus: 'error', error: { code: 456, reason: 'Missing mandatory element (janus)' } }],
      ['janus as number', { janus: 5, transaction: 'e2' }, { janus: 'error', error: { code: 467, reason: 'Invalid element type (janus should be a string)' } }],
      ['JSON array body', [{ janus: 'ping', transaction: 'e3' }], { janus: 'error', error: { code: 455, reason: 'JSON error: not an object' } }],
      ['unknown verb at root', { janus: 'foo', transaction: 'u1' }, { janus: 'error', transaction: 'u1', error: { code: 457, reason: "Unhandled request 'foo' at this path" } }],
      ['attach at root', { janus: 'attach', plugin: 'janus.plugin.hello', transaction: 'u4' }, { janus: 'error', transaction: 'u4', error: { code: 457, reason: "Unhandled request 'attach' at this path" } }],
      ['keepalive with session_id as a string', { janus: 'keepalive', session_id: '99', transaction: 'i7' }, { janus: 'error', transaction: 'i7', error: { code: 457, reason: "Unhandled request 'keepalive' at this path" } }],
      ['session_id -1', { janus: 'keepalive', session_id: -1, transaction: 'i8b' }, { janus: 'error', session_id: -1, transaction: 'i8b', error: { code: 458, reason: 'No such session 18446744073709551615' } }],
      ['handle_id only', { janus: 'keepalive', handle_id: 5, transaction: 'i9b' }, { janus: 'error', transaction: 'i9b', error: { code: 458, reason: 'Session not found' } }],
      ['empty transaction is fine', { janus: 'ping', transaction: '' }, { janus: 'pong', transaction: '' }],
    ];
    for (const [name, body, expected] of cases) {
      it(name, async () => assert.deepEqual((await post(janus(), body)).json, expected));
    }

    it('invalid JSON gets 454 with the line number', async () => {
      const r = await post(janus(), '{\n"janus":"ping",\n"transaction": x\n}');
      assert.equal(r.json.janus, 'error');
      assert.equal(r.json.error.code, 454);
      assert.match(r.json.error.reason, /^JSON error: on line 3: /);
      const s = await post(janus(), '"hello"');
      assert.deepEqual(s.json, { janus: 'error', error: { code: 454, reason: `JSON error: on line 1: '[' or '{' expected near '"hello"'` } });
      const g = await post(janus(), '{"janus":"ping","transaction":"e6"} xyz');
      assert.deepEqual(g.json, { janus: 'error', error: { code: 454, reason: "JSON error: on line 1: end of file expected near 'xyz'" } });
    });

    it('an empty POST is dropped without a response, and the server goes on', async () => {
      await assert.rejects(request('POST', janus(), ''));
      assert.equal((await post(janus(), { janus: 'ping', transaction: 'after' })).json.janus, 'pong');
    });

    it('a body over max_body_size gets HTTP 413 with a JSON 454, and the server goes on', async () => {
      const r = await post(janus(), `{"janus":"ping","transaction":"big","pad":"${'x'.repeat(17 * 1024 * 1024)}"}`);
      assert.equal(r.status, 413);
      assert.deepEqual(r.json, { janus: 'error', error: { code: 454, reason: 'JSON error: request payload too large (more than 16777216 bytes)' } });
      const ok = await post(janus(), `{"janus":"ping","transaction":"big","pad":"${'x'.repeat(8 * 1024 * 1024)}"}`);
      assert.deepEqual(ok.json, { janus: 'pong', transaction: 'big' });
    });

    it('other methods: DELETE gets 450, OPTIONS echoes the CORS request headers', async () => {
      assert.deepEqual((await request('DELETE', janus())).json, { janus: 'error', error: { code: 450, reason: 'Unsupported method DELETE' } });
      const o = await request('OPTIONS', janus(), undefined, { 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, x-foo' });
      assert.equal(o.status, 200);
      assert.equal(o.text, '');
      assert.equal(o.headers['access-control-allow-origin'], '*');
      assert.equal(o.headers['access-control-max-age'], '86400');
      assert.equal(o.headers['access-control-allow-methods'], 'POST');
      assert.equal(o.headers['access-control-allow-headers'], 'content-type, x-foo');
    });

    it('paths: wrong prefix 404, GET root 404, GET /s/h redirects 302 to /s', async () => {
      assert.equal((await get(`${t.url}/other`)).status, 404);
      assert.equal((await get(`${t.url}/janusx`)).status, 404);
      assert.equal((await get(janus())).status, 404);
      assert.equal((await get(`${janus()}/12345`)).status, 404);
      const r = await get(`${janus()}/${S}/${H}?maxev=2`);
      assert.equal(r.status, 302);
      assert.equal(r.headers.location, `/janus/${S}`);
    });
  });

  describe('session and handle scope', () => {
    it('keepalive and claim work at session and handle paths', async () => {
      assert.deepEqual((await post(`${janus()}/${S}`, { janus: 'keepalive', transaction: 'ka1' })).json, { janus: 'ack', session_id: S, transaction: 'ka1' });
      assert.deepEqual((await post(`${janus()}/${S}/${H}`, { janus: 'keepalive', transaction: 'ka2' })).json, { janus: 'ack', session_id: S, transaction: 'ka2' });
      assert.deepEqual((await post(`${janus()}/${S}/${H}`, { janus: 'claim', transaction: 'cl2' })).json, { janus: 'success', session_id: S, transaction: 'cl2' });
    });

    const scopeErrors: Array<[string, string, Record<string, unknown>, number, string]> = [
      ['unknown verb at session', 's', { janus: 'foo' }, 453, "Unknown request 'foo'"],
      ['create at session', 's', { janus: 'create' }, 453, "Unknown request 'create'"],
      ['info at session', 's', { janus: 'info' }, 453, "Unknown request 'info'"],
      ['message at session', 's', { janus: 'message', body: {} }, 457, "Unhandled request 'message' at this path"],
      ['detach at session', 's', { janus: 'detach' }, 457, "Unhandled request 'detach' at this path"],
      ['trickle at session', 's', { janus: 'trickle', candidate: { completed: true } }, 457, "Unhandled request 'trickle' at this path"],
      ['attach at handle', 'h', { janus: 'attach', plugin: 'janus.plugin.hello' }, 457, "Unhandled request 'attach' at this path"],
      ['destroy at handle', 'h', { janus: 'destroy' }, 457, "Unhandled request 'destroy' at this path"],
      ['unknown verb at handle', 'h', { janus: 'foo' }, 453, "Unknown request 'foo'"],
      ['attach an unknown plugin', 's', { janus: 'attach', plugin: 'janus.plugin.nope' }, 460, "No such plugin 'janus.plugin.nope'"],
      ['attach without plugin', 's', { janus: 'attach' }, 456, 'Missing mandatory element (plugin)'],
      ['attach with a number plugin', 's', { janus: 'attach', plugin: 5 }, 467, 'Invalid element type (plugin should be a string)'],
      ['attach with a number opaque_id', 's', { janus: 'attach', plugin: 'janus.plugin.hello', opaque_id: 5 }, 467, 'Invalid element type (opaque_id should be a string)'],
      ['message without body', 'h', { janus: 'message' }, 456, 'Missing mandatory element (body)'],
      ['message body a string', 'h', { janus: 'message', body: 'str' }, 467, 'Invalid element type (body should be an object)'],
      ['message body null', 'h', { janus: 'message', body: null }, 467, 'Invalid element type (body should be an object)'],
      ['message jsep a string', 'h', { janus: 'message', body: {}, jsep: 'x' }, 455, 'Invalid jsep object'],
      ['message jsep type foo', 'h', { janus: 'message', body: {}, jsep: { type: 'foo', sdp: 'v=0' } }, 464, "JSEP error: unknown message type 'foo'"],
      ['message jsep without sdp', 'h', { janus: 'message', body: {}, jsep: { type: 'offer' } }, 456, 'JSEP error: missing mandatory element (sdp)'],
      ['message jsep type a number', 'h', { janus: 'message', body: {}, jsep: { type: 1, sdp: 'v=0' } }, 467, 'JSEP error: invalid element type (type should be a string)'],
      ['message jsep garbage SDP', 'h', { janus: 'message', body: {}, jsep: { type: 'offer', sdp: 'garbage' } }, 465, "Invalid SDP (doesn't start with v=)"],
      ['message jsep SDP without m-lines', 'h', { janus: 'message', body: {}, jsep: { type: 'answer', sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' } }, 465, 'Missing mandatory lines (o=, s= or m=)'],
      ['trickle with neither', 'h', { janus: 'trickle' }, 456, 'Missing mandatory element (candidate|candidates)'],
      ['trickle with both', 'h', { janus: 'trickle', candidate: { completed: true }, candidates: [] }, 454, "Can't have both candidate and candidates"],
    ];
    for (const [name, scope, body, code, reason] of scopeErrors) {
      it(name, async () => {
        const url = scope === 's' ? `${janus()}/${S}` : `${janus()}/${S}/${H}`;
        assert.deepEqual((await post(url, { ...body, transaction: 'x1' })).json,
          { janus: 'error', session_id: S, transaction: 'x1', error: { code, reason } });
      });
    }

    it('unknown session and handle IDs, in the path and in the body', async () => {
      assert.deepEqual((await post(`${janus()}/12345`, { janus: 'keepalive', transaction: 'i1' })).json,
        { janus: 'error', session_id: 12345, transaction: 'i1', error: { code: 458, reason: 'No such session 12345' } });
      assert.deepEqual((await post(`${janus()}/${S}/12345`, { janus: 'message', body: {}, transaction: 'i2' })).json,
        { janus: 'error', session_id: S, transaction: 'i2', error: { code: 459, reason: `No such handle 12345 in session ${S}` } });
      assert.deepEqual((await post(`${janus()}/${S}`, { janus: 'message', handle_id: 0, body: {}, transaction: 'i5' })).json,
        { janus: 'error', session_id: S, transaction: 'i5', error: { code: 459, reason: 'Handle not found' } });
      assert.deepEqual((await post(`${janus()}/${S}`, { janus: 'message', handle_id: -1, body: {}, transaction: 'i6' })).json,
        { janus: 'error', session_id: S, transaction: 'i6', error: { code: 459, reason: `No such handle 18446744073709551615 in session ${S}` } });
      assert.deepEqual((await post(`${janus()}/${S}`, { janus: 'keepalive', handle_id: null, transaction: 'i6c' })).json,
        { janus: 'ack', session_id: S, transaction: 'i6c' });
    });

    it('IDs in the body that conflict with the path get 457 without a transaction', async () => {
      assert.deepEqual((await post(`${janus()}/${S}`, { janus: 'keepalive', session_id: 999, transaction: 'i3' })).json,
        { janus: 'error', error: { code: 457, reason: 'Conflicting session ID (payload and path)' } });
      assert.deepEqual((await post(`${janus()}/${S}/${H}`, { janus: 'message', handle_id: 999, body: {}, transaction: 'i4' })).json,
        { janus: 'error', error: { code: 457, reason: 'Conflicting handle ID (payload and path)' } });
      assert.deepEqual((await post(`${janus()}/${S}`, { janus: 'keepalive', session_id: S, transaction: 'i3b' })).json,
        { janus: 'ack', session_id: S, transaction: 'i3b' });
    });

    it('trickles are acked before a PeerConnection exists, whatever their content', async () => {
      for (const extra of [{ candidates: 'x' }, { candidate: {} }, { candidate: null }, { candidate: { completed: true } }, { candidates: [{}, 'x'] }]) {
        assert.deepEqual((await post(`${janus()}/${S}/${H}`, { janus: 'trickle', ...extra, transaction: 'tr' })).json,
          { janus: 'ack', session_id: S, transaction: 'tr' }, JSON.stringify(extra));
      }
    });
  });

  describe('plugin messages and long poll', () => {
    it('a synchronous plugin reply is a success with sender and plugindata', async () => {
      const r = await post(`${janus()}/${S}/${H}`, { janus: 'message', body: { request: 'hello', name: 'Ada' }, transaction: 'm1' });
      assert.deepEqual(r.json, {
        janus: 'success', session_id: S, transaction: 'm1', sender: H,
        plugindata: { plugin: 'janus.plugin.hello', data: { hello: 'greeting', text: 'Hello, Ada!', count: 1 } },
      });
    });

    it('a plugin error is 462 with its text', async () => {
      const r = await post(`${janus()}/${S}/${H}`, { janus: 'message', body: { request: 'fail' }, transaction: 'm2' });
      assert.deepEqual(r.json, { janus: 'error', session_id: S, transaction: 'm2', error: { code: 462, reason: 'You asked me to fail' } });
    });

    it('an asynchronous reply is an ack with hint, then the event arrives on the long poll', async () => {
      const r = await post(`${janus()}/${S}/${H}`, { janus: 'message', body: { request: 'later', delay: 10 }, transaction: 'm3' });
      assert.deepEqual(r.json, { janus: 'ack', session_id: S, transaction: 'm3', hint: 'Greeting you shortly' });
      const ev = await get(`${janus()}/${S}`);
      assert.deepEqual(ev.json, {
        janus: 'event', session_id: S, transaction: 'm3', sender: H,
        plugindata: { plugin: 'janus.plugin.hello', data: { hello: 'greeting', text: 'Hello, Ada!', count: 2 } },
      });
      // key order as Janus sends it
      assert.deepEqual(Object.keys(ev.json), ['janus', 'session_id', 'transaction', 'sender', 'plugindata']);
    });

    it('maxev returns arrays of up to N events; a parked poll wakes on the next event', async () => {
      for (const tx of ['a', 'b', 'c']) {
        await post(`${janus()}/${S}/${H}`, { janus: 'message', body: { request: 'later', delay: 1 }, transaction: tx });
      }
      await new Promise((r) => setTimeout(r, 100));
      const two = await get(`${janus()}/${S}?maxev=2`);
      assert.deepEqual(two.json.map((e: { transaction: string }) => e.transaction), ['a', 'b']);
      const one = await get(`${janus()}/${S}?maxev=2`);
      assert.deepEqual(one.json.map((e: { transaction: string }) => e.transaction), ['c']);
      const parked = get(`${janus()}/${S}`);
      await new Promise((r) => setTimeout(r, 100));
      await post(`${janus()}/${S}/${H}`, { janus: 'message', body: { request: 'later', delay: 1 }, transaction: 'd' });
      assert.equal((await parked).json.transaction, 'd');
    });

    it('hangup without a PeerConnection succeeds; detach pushes detached; a second detach is 459', async () => {
      assert.deepEqual((await post(`${janus()}/${S}/${H}`, { janus: 'hangup', transaction: 'h1' })).json, { janus: 'success', session_id: S, transaction: 'h1' });
      assert.deepEqual((await post(`${janus()}/${S}/${H}`, { janus: 'detach', transaction: 'd1' })).json, { janus: 'success', session_id: S, transaction: 'd1' });
      assert.deepEqual((await get(`${janus()}/${S}`)).json, { janus: 'detached', session_id: S, sender: H });
      assert.deepEqual((await post(`${janus()}/${S}/${H}`, { janus: 'detach', transaction: 'd2' })).json,
        { janus: 'error', session_id: S, transaction: 'd2', error: { code: 459, reason: `No such handle ${H} in session ${S}` } });
    });

    it('destroy frees the session: further requests 458, long polls 404', async () => {
      assert.deepEqual((await post(`${janus()}/${S}`, { janus: 'destroy', transaction: 'ds1' })).json, { janus: 'success', session_id: S, transaction: 'ds1' });
      assert.deepEqual((await post(`${janus()}/${S}`, { janus: 'destroy', transaction: 'ds2' })).json,
        { janus: 'error', session_id: S, transaction: 'ds2', error: { code: 458, reason: `No such session ${S}` } });
      assert.equal((await get(`${janus()}/${S}`)).status, 404);
    });
  });
});
