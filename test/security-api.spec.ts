/**
 * Issue 10, API side: every reproduction sends the same bytes as in the report, to a server
 * running in a child process (the real entry point, with its fault policy), and checks the answer
 * Janus 1.1.2 gives (measured on loopback) and that the process keeps serving.
 */
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { parseErrorReply } from '../transports/common/parse-error';
import { parseRequestJson, parseRequestStream } from '../core/plugin-api';
import { distPath } from './support/server';
import { startChildServer, type ChildServer } from './support/fuzz-server';
import { rawRequest } from './support/fuzz-http';
import { WsClient } from './support/clients';

const SECRET = 'janusoverlord';

describe('security (API): issue 10 reproductions', function () {
  this.timeout(60_000);
  let srv: ChildServer;

  before(async () => {
    srv = await startChildServer({ plugins: [distPath('test', 'support', 'fuzz-fault-plugin')], http: ', max_body_size = 100000' });
  });
  after(async () => {
    await srv?.stop();
  });
  afterEach(async function () {
    if (!srv.alive()) throw new Error(`server process died:\n${srv.output().slice(-4000)}`);
    const r = await infoWithin(1000);
    assert.equal(r, 'server_info', 'info answers within 1 s after each test');
  });

  async function infoWithin(ms: number): Promise<string | undefined> {
    const r = await fetch(`${srv.url}/janus`, { method: 'POST', body: '{"janus":"info","transaction":"alive"}', signal: AbortSignal.timeout(ms) }).catch((e: Error) => {
      throw new Error(`info did not answer within ${ms} ms: ${e.message}`);
    });
    return ((await r.json()) as { janus?: string }).janus;
  }
  const post = (path: string, body: string | object, port = srv.ports.http) =>
    rawRequest(port, path, typeof body === 'string' ? body : JSON.stringify(body));
  async function session(): Promise<number> {
    return (await post('/janus', { janus: 'create', transaction: 'c' })).json.data.id;
  }
  async function attach(s: number, plugin: string): Promise<number> {
    return (await post(`/janus/${s}`, { janus: 'attach', plugin, transaction: 'a' })).json.data.id;
  }

  describe('1: deep JSON answers 454 at any depth, never crashes', () => {
    const deep454 = { janus: 'error', error: { code: 454, reason: "JSON error: on line 1: maximum parsing depth reached near '['" } };
    const payloads = ['['.repeat(8000), `{"janus":"info","transaction":"x","a":${'['.repeat(10_000)}`, '['.repeat(90_000)];

    it('Janus API and Admin API over HTTP', async () => {
      for (const p of payloads) {
        assert.deepEqual((await post('/janus', p)).json, deep454);
        assert.deepEqual((await post('/admin', p, srv.ports.admin)).json, deep454);
      }
      // 2048 levels are fine (jansson's limit), 2049 are not
      const at = (n: number) => `{"janus":"info","transaction":"x","a":${'['.repeat(n)}${']'.repeat(n)}}`;
      assert.equal((await post('/janus', at(2047))).json.janus, 'server_info');
      assert.deepEqual((await post('/janus', at(2048))).json, deep454);
    });

    it('Janus API and Admin API over WebSockets', async () => {
      const ws = await WsClient.connect(srv.ports.ws);
      const admin = await WsClient.connect(srv.ports.adminWs, 'janus-admin-protocol');
      try {
        for (const p of payloads) {
          ws.sendRaw(p);
          const m = await ws.next((x) => x.janus === 'error');
          assert.equal(m.error.code, 454);
          assert.match(m.error.reason, /^Invalid Janus API request - <string>\(1,\d+\): maximum parsing depth reached near '\['$/);
          admin.sendRaw(p);
          const a = await admin.next((x) => x.janus === 'error');
          assert.ok([454, 456].includes(a.error.code), JSON.stringify(a));
        }
        assert.equal((await ws.request({ janus: 'info' })).janus, 'server_info');
      } finally {
        ws.ws.close();
        admin.ws.close();
      }
    });

    it('broker transports: the same parser answers 454 (no throw)', () => {
      for (const p of payloads) {
        const r = parseRequestJson(p);
        assert.equal(r.ok, false);
        if (r.ok) continue;
        assert.match((parseErrorReply(false, r, p).error as { reason: string }).reason, /maximum parsing depth reached near '\['$/);
        assert.equal(parseRequestStream(p).ok, false);
      }
    });
  });

  describe('4: client-chosen keys never reach a prototype', () => {
    it('VideoRoom: constructor/__proto__/toString/hasOwnProperty are unknown requests (423), no secret leaks', async () => {
      const s = await session();
      const h = await attach(s, 'janus.plugin.videoroom');
      const created = await post(`/janus/${s}/${h}`, { janus: 'message', transaction: 'm', body: { request: 'create', room: 4242, secret: 'room-secret-xyz', pin: 'room-pin-xyz' } });
      assert.equal(created.json.plugindata.data.videoroom, 'created');
      for (const verb of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
        const r = await post(`/janus/${s}/${h}`, `{"janus":"message","transaction":"m","body":{"request":"${verb}"}}`);
        assert.deepEqual(r.json.plugindata.data, { videoroom: 'event', error_code: 423, error: `Unknown request '${verb}'` }, verb);
        assert.ok(!r.body.includes('room-secret-xyz') && !r.body.includes('room-pin-xyz'), `${verb} leaked a secret`);
        const a = await post('/admin', { janus: 'message_plugin', plugin: 'janus.plugin.videoroom', request: { request: verb }, transaction: 't', admin_secret: SECRET }, srv.ports.admin);
        assert.deepEqual(a.json.response, { videoroom: 'event', error_code: 423, error: `Unknown request '${verb}'` });
      }
      // the room is still there, untouched
      const ex = await post(`/janus/${s}/${h}`, { janus: 'message', transaction: 'm', body: { request: 'exists', room: 4242 } });
      assert.equal(ex.json.plugindata.data.exists, true);
    });

    it('AudioBridge: the same names are unknown requests, no secret leaks', async () => {
      const s = await session();
      const h = await attach(s, 'janus.plugin.audiobridge');
      const created = await post(`/janus/${s}/${h}`, { janus: 'message', transaction: 'm', body: { request: 'create', room: 4243, secret: 'ab-secret-xyz', pin: 'ab-pin-xyz' } });
      assert.equal(created.json.plugindata.data.audiobridge, 'created', created.body);
      for (const verb of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
        const r = await post(`/janus/${s}/${h}`, `{"janus":"message","transaction":"m","body":{"request":"${verb}"}}`);
        assert.equal(r.json.plugindata.data.error, `Unknown request '${verb}'`, r.body.slice(0, 300));
        assert.ok(!r.body.includes('ab-secret-xyz') && !r.body.includes('ab-pin-xyz'), `${verb} leaked a secret`);
        const a = await post('/admin', { janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', request: { request: verb }, transaction: 't', admin_secret: SECRET }, srv.ports.admin);
        assert.equal(a.json.response.error, `Unknown request '${verb}'`);
      }
    });

    it('EchoTest, Janus API and Admin API verbs', async () => {
      const s = await session();
      const h = await attach(s, 'janus.plugin.echotest');
      for (const verb of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
        const j = await post('/janus', `{"janus":"${verb}","transaction":"x"}`);
        assert.deepEqual(j.json, { janus: 'error', transaction: 'x', error: { code: 457, reason: `Unhandled request '${verb}' at this path` } });
        const js = await post(`/janus/${s}`, `{"janus":"${verb}","transaction":"x"}`);
        assert.deepEqual(js.json.error, { code: 453, reason: `Unknown request '${verb}'` });
        const a = await post('/admin', { janus: verb, transaction: 'x', admin_secret: SECRET }, srv.ports.admin);
        assert.deepEqual(a.json, { janus: 'error', transaction: 'x', error: { code: 457, reason: `Unhandled request '${verb}' at this path` } });
        const e = await post(`/janus/${s}/${h}`, `{"janus":"message","transaction":"m","body":{"request":"${verb}","${verb}":1}}`);
        assert.ok(['success', 'ack'].includes(e.json.janus), JSON.stringify(e.json));
        for (const field of ['plugin', 'handler', 'transport']) {
          const q = await post('/admin', { janus: field === 'plugin' ? 'message_plugin' : field === 'handler' ? 'query_eventhandler' : 'query_transport', [field]: verb, request: {}, transaction: 'q', admin_secret: SECRET }, srv.ports.admin);
          assert.equal(q.json.error.code, 460);
        }
      }
    });
  });

  describe('5: plugin faults are contained (7 kinds), counted in Admin get_status', () => {
    it('each failure kind leaves the process serving', async () => {
      const s = await session();
      const msg = (h: number, request: string) => post(`/janus/${s}/${h}`, { janus: 'message', transaction: request, body: { request } });
      const h1 = await attach(s, 'janus.plugin.faulty');
      // 1. pushEvent after detach, not awaited (in destroySession and from a timer after it)
      await msg(h1, 'push_after_detach');
      assert.equal((await post(`/janus/${s}/${h1}`, { janus: 'detach', transaction: 'd' })).json.janus, 'success');
      const h2 = await attach(s, 'janus.plugin.faulty');
      // 2. pushEvent with an invalid JSEP, not awaited
      assert.equal((await msg(h2, 'push_bad_jsep')).json.janus, 'ack');
      // 3. a rejection inside hangupMedia
      assert.equal((await post(`/janus/${s}/${h2}`, { janus: 'hangup', transaction: 'h' })).json.janus, 'success');
      // 4. a throw in a plugin timer; 5. a rejection nobody handles, from a timer
      await msg(h2, 'timer_throw');
      await msg(h2, 'timer_reject');
      // 6. handleMessage throws / rejects: 462 with the text
      assert.deepEqual((await msg(h2, 'throw')).json.error, { code: 462, reason: 'faulty: synchronous throw in handleMessage' });
      assert.deepEqual((await msg(h2, 'reject')).json.error, { code: 462, reason: 'faulty: rejection from handleMessage' });
      // 7. destroySession and querySession throw
      const info = await post(`/admin/${s}/${h2}`, { janus: 'handle_info', transaction: 'i', admin_secret: SECRET }, srv.ports.admin);
      assert.equal(info.json.janus, 'success');
      assert.equal(info.json.info.plugin_specific, undefined);
      await msg(h2, 'throw_on_detach');
      assert.equal((await post(`/janus/${s}/${h2}`, { janus: 'detach', transaction: 'd2' })).json.janus, 'success');

      // the counts show up in Admin get_status
      let failures: Record<string, { count: number }> = {};
      for (let i = 0; i < 50; i++) {
        const st = await post('/admin', { janus: 'get_status', transaction: 'g', admin_secret: SECRET }, srv.ports.admin);
        failures = st.json.status.module_failures ?? {};
        if ((failures['janus.plugin.faulty']?.count ?? 0) >= 7) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok((failures['janus.plugin.faulty']?.count ?? 0) >= 7, `failures counted: ${JSON.stringify(failures)}\n${srv.output().slice(-3000)}`);
      assert.match(srv.output(), /Contained a failure, still serving \(.*module=janus\.plugin\.faulty where=uncaughtException /);
      assert.match(srv.output(), /faulty: throw in a plugin timer/);
    });

    it('pushEvent on a detached handle resolves (no 459), as documented', async () => {
      // the timers armed above fired pushEvent on dead handles: no rejection was counted for them
      assert.doesNotMatch(srv.output(), /Handle is gone/);
    });
  });

  describe('6: unserialisable plugin results are answered', () => {
    it('BigInt and circular results: 462, logged; Admin message_plugin: 490', async () => {
      const s = await session();
      const h = await attach(s, 'janus.plugin.faulty');
      for (const request of ['bigint', 'circular']) {
        const r = await post(`/janus/${s}/${h}`, { janus: 'message', transaction: request, body: { request } });
        assert.equal(r.status, 200);
        assert.equal(r.json.error.code, 462, r.body);
        assert.match(r.json.error.reason, /cannot be serialised/);
      }
      const a = await post('/admin', { janus: 'message_plugin', plugin: 'janus.plugin.faulty', request: { request: 'bigint' }, transaction: 't', admin_secret: SECRET }, srv.ports.admin);
      assert.equal(a.json.error.code, 490);
      const t = await post('/admin', { janus: 'message_plugin', plugin: 'janus.plugin.faulty', request: { request: 'throw' }, transaction: 't', admin_secret: SECRET }, srv.ports.admin);
      assert.equal(t.json.error.code, 490);
    });

    it('an unserialisable event reaches the client as a 500 error with its transaction', async () => {
      const ws = await WsClient.connect(srv.ports.ws);
      try {
        const s = (await ws.request({ janus: 'create' })).data.id;
        const h = (await ws.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.faulty' })).data.id;
        await ws.request({ janus: 'message', session_id: s, handle_id: h, transaction: 'pb', body: { request: 'push_bigint' } });
        const ev = await ws.next((m) => m.transaction === 'pb' && m.janus === 'error');
        assert.equal(ev.error.code, 500);
      } finally {
        ws.ws.close();
      }
    });
  });

  describe('7: parser strictness as Janus (jansson)', () => {
    const cases: Array<[string, string]> = [
      ['{"janus":"info","transaction":"x\\u0000"}', `JSON error: on line 1: \\u0000 is not allowed without JSON_ALLOW_NUL near '"x\\u0000"'`],
      ['{"janus":"info","transaction":"x\\ud800"}', `JSON error: on line 1: invalid Unicode '\\uD800' near '"x\\ud800"'`],
      ['{"janus":"info","transaction":"x\\udc00"}', `JSON error: on line 1: invalid Unicode '\\uDC00' near '"x\\udc00"'`],
      ['{"janus":"info","transaction":"x","a":1e400}', "JSON error: on line 1: real number overflow near '1e400'"],
      ['{"janus":"info","transaction":"x","a":9223372036854775808}', "JSON error: on line 1: too big integer near '9223372036854775808'"],
      ['{"janus":"info","transaction":"x","a":-9223372036854775809}', "JSON error: on line 1: too big negative integer near '-9223372036854775809'"],
      // beyond 2^53 we cannot hold the id exactly: refused, never rounded to another session
      ['{"janus":"create","transaction":"x","id":9007199254740993}', "JSON error: on line 1: too big integer near '9007199254740993'"],
      ['{"janus":"info","transaction":"x","a":01}', "JSON error: on line 1: invalid token near '0'"],
      ['{"janus":"info","transaction":"x","a":1x}', "JSON error: on line 1: '}' expected near 'x'"],
      ['[1,]', "JSON error: on line 1: unexpected token near ']'"],
    ];
    it('rejects \\u0000, lone surrogates, 1e400, integers beyond range with 454 and jansson\'s texts', async () => {
      for (const [body, reason] of cases) assert.deepEqual((await post('/janus', body)).json, { janus: 'error', error: { code: 454, reason } }, body);
      const bad = Buffer.from('{"janus":"info","transaction":"x\xff"}', 'latin1');
      const r = await rawRequest(srv.ports.http, '/janus', bad);
      assert.equal(r.json.error.code, 454);
      assert.match(r.json.error.reason, /unable to decode byte 0xff/);
    });

    it('1.0 / 1e20 / 1E2 / -5 / "5" as ids: 467; 9007199254740991 round-trips exactly', async () => {
      for (const id of ['1.0', '1e20', '1E2', '-5', '"5"']) {
        assert.deepEqual((await post('/janus', `{"janus":"create","transaction":"x","id":${id}}`)).json, {
          janus: 'error', error: { code: 467, reason: 'Invalid element type (id should be a positive integer)' },
        }, id);
      }
      const exact = await post('/janus', '{"janus":"create","transaction":"x","id":9007199254740991}');
      assert.match(exact.body, /"id": ?9007199254740991\b/);
      const ka = await post('/janus/9007199254740991', { janus: 'keepalive', transaction: 'k' });
      assert.equal(ka.json.janus, 'ack');
      // a session id written as a real is no session id (Janus: 0 → "unhandled at this path")
      assert.equal((await post('/janus', '{"janus":"keepalive","transaction":"x","session_id":1.0}')).json.error.code, 457);
    });

    it('"jsep": null is an invalid jsep (455)', async () => {
      const s = await session();
      const h = await attach(s, 'janus.plugin.echotest');
      const r = await post(`/janus/${s}/${h}`, '{"janus":"message","transaction":"x","body":{},"jsep":null}');
      assert.deepEqual(r.json.error, { code: 455, reason: 'Invalid jsep object' });
    });
  });

  describe('8: HTTP paths are routed on the raw path, as Janus', () => {
    it('the Admin API is reachable only at its own path', async () => {
      const ping = `{"janus":"ping","transaction":"p"}`;
      for (const p of ['/janus/../admin', '/x/../admin', '/admin#frag', '//admin', '/adminx', '/x/../../admin']) {
        const r = await post(p, ping, srv.ports.admin);
        assert.equal(r.status, 404, p);
        assert.equal(r.end, 'close', `${p}: connection must be closed cleanly, not reset`);
      }
      for (const p of ['/ADMIN', '/%61dmin', '/admin%00', '/admin?x=1']) {
        const r = await post(p, ping, srv.ports.admin);
        assert.deepEqual(r.json, { janus: 'pong', transaction: 'p' }, p);
      }
      // on the Janus API port, /janus/../admin is /janus with session ".." (= 0), as in Janus
      assert.equal((await post('/janus/../admin', { janus: 'info', transaction: 'i' })).json.janus, 'server_info');
      assert.equal((await post('/janus/../../admin', { janus: 'info', transaction: 'i' })).status, 404);
    });

    it('/janus/-1, /janus/+ID, /janus/%20ID, /janus/IDabc read like strtoull', async () => {
      const s = await session();
      const ka = { janus: 'keepalive', transaction: 'k' };
      const minus = await post('/janus/-1', ka);
      assert.deepEqual(minus.json, { janus: 'error', session_id: -1, transaction: 'k', error: { code: 458, reason: 'No such session 18446744073709551615' } });
      const huge = await post('/janus/99999999999999999999999', ka);
      assert.equal(huge.json.error.reason, 'No such session 18446744073709551615');
      for (const p of [`+${s}`, `%20${s}`, `0${s}`, `${s}abc`, `${s}/`]) {
        assert.deepEqual((await post(`/janus/${p}`, ka)).json, { janus: 'ack', session_id: s, transaction: 'k' }, p);
      }
      assert.equal((await post('/janus/abc', ka)).json.error.code, 457);
      // never a reset for a path
      for (const p of [`/janus/${s}/1/2/3`, '/janus/%zz/%', '/%', '/janus\u00e9']) {
        const r = await rawRequest(srv.ports.http, encodeURI(p) === p ? p : p, JSON.stringify(ka));
        assert.notEqual(r.end, 'reset', p);
        assert.ok(r.status > 0, `${p}: answered`);
      }
    });
  });

  describe('9: a 413 closes the connection', () => {
    it('declared too big: 413 at once, connection closed before the body is sent', async () => {
      const r = await rawPartial(srv.ports.http, 5_000_000, 1000);
      assert.equal(r.status, 413);
      assert.equal(r.closed, true);
      assert.ok(r.sent < 5_000_000, `server read the whole body (${r.sent} bytes sent)`);
    });

    it('chunked past the limit: 413 and closed, the rest is not read', async () => {
      const r = await rawPartial(srv.ports.http, -1, 200_000);
      assert.equal(r.status, 413);
      assert.equal(r.closed, true);
    });
  });
});

/**
 * POST a body of `declared` bytes (or chunked when -1), written `step` bytes at a time, and stop
 * writing once the server answers or closes. Reports the status and how much went out.
 */
function rawPartial(port: number, declared: number, step: number): Promise<{ status: number; closed: boolean; sent: number }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    let sent = 0;
    let closed = false;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(t);
      s.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? 0), closed, sent });
    };
    const t = setTimeout(finish, 15_000);
    s.on('data', (d) => (got += d.toString()));
    s.on('error', () => ((closed = true), finish()));
    s.on('close', () => ((closed = true), finish()));
    const head = declared >= 0 ? `Content-Length: ${declared}` : 'Transfer-Encoding: chunked';
    s.write(`POST /janus HTTP/1.1\r\nHost: x\r\n${head}\r\n\r\n`);
    const chunk = Buffer.alloc(step, 0x20);
    const pump = () => {
      if (closed || done) return;
      if (declared >= 0 && sent >= declared) return;
      if (sent > 50_000_000) return finish();
      const ok = declared >= 0 ? s.write(chunk) : s.write(`${step.toString(16)}\r\n${chunk.toString()}\r\n`);
      sent += step;
      if (ok) setImmediate(pump);
      else s.once('drain', pump);
    };
    pump();
  });
}
