import assert from 'node:assert/strict';
import { WsClient, get, post } from './support/clients';
import { sleep, until } from './support/wait';
import { distPath, startTestServer, type TestServer } from './support/server';

const hello = `plugins: { load = [ "${distPath('examples', 'hello-plugin')}" ] }`;

describe('Session timeouts and reclaim', function () {
  this.timeout(30000);

  describe('session_timeout', () => {
    let t: TestServer;
    before(async () => (t = await startTestServer({ janus: `general: { session_timeout = 2, admin_secret = "janusoverlord" }\n${hello}` })));
    after(async () => t?.stop());

    it('an idle WebSocket session gets `timeout` and is freed with its handles', async () => {
      const c = await WsClient.connect(t.ports.ws);
      const S = (await c.request({ janus: 'create' })).data.id;
      await c.request({ janus: 'attach', session_id: S, plugin: 'janus.plugin.hello' });
      const started = Date.now();
      assert.deepEqual(await c.next((m) => m.janus === 'timeout', 8000), { janus: 'timeout', session_id: S });
      const took = Date.now() - started;
      assert.ok(took >= 1900 && took < 6500, `timed out after ${took} ms`);
      const list = await post(`${t.adminUrl}/admin`, { janus: 'list_sessions', admin_secret: 'janusoverlord', transaction: 'l' });
      assert.equal(list.json.sessions.includes(S), false);
      const hello = await post(`${t.adminUrl}/admin`, { janus: 'message_plugin', plugin: 'janus.plugin.hello', request: { request: 'count' }, admin_secret: 'janusoverlord', transaction: 'm' });
      assert.equal(hello.json.response.handles, 0);
      assert.deepEqual(await c.request({ janus: 'keepalive', session_id: S, transaction: 'k' }),
        { janus: 'error', session_id: S, transaction: 'k', error: { code: 458, reason: `No such session ${S}` } });
      await c.close();
    });

    it('keepalives keep a session alive; a parked long poll receives the timeout', async () => {
      const c = await WsClient.connect(t.ports.ws);
      const S = (await c.request({ janus: 'create' })).data.id;
      // an idle session created just after S times out: until it does, S gets a keepalive
      // every 500 ms (pacing), and must outlive it
      const idle = await WsClient.connect(t.ports.ws);
      const I = (await idle.request({ janus: 'create' })).data.id;
      const timedOut = idle.next((m) => m.janus === 'timeout', 8000);
      let gone = false;
      void timedOut.finally(() => (gone = true)).catch(() => undefined);
      while (!gone) {
        assert.equal((await c.request({ janus: 'keepalive', session_id: S })).janus, 'ack');
        await Promise.race([sleep(500), timedOut]);
      }
      assert.deepEqual(await timedOut, { janus: 'timeout', session_id: I });
      assert.equal((await c.request({ janus: 'keepalive', session_id: S })).janus, 'ack', 'kept alive past the timeout');
      await idle.close();
      await c.close();
      const H = (await post(`${t.url}/janus`, { janus: 'create', transaction: 'c' })).json.data.id;
      const poll = await get(`${t.url}/janus/${H}`); // counts as activity: returns the keepalive shape after the timeout? no: timeout first
      assert.deepEqual(poll.json, { janus: 'timeout', session_id: H });
    });
  });

  describe('reclaim_session_timeout', () => {
    let t: TestServer;
    before(async () => (t = await startTestServer({ janus: `general: { reclaim_session_timeout = 3, admin_secret = "janusoverlord" }\n${hello}` })));
    after(async () => t?.stop());

    it('a session survives its socket closing and can be claimed from a new one, events included', async () => {
      const a = await WsClient.connect(t.ports.ws);
      const S = (await a.request({ janus: 'create' })).data.id;
      const H = (await a.request({ janus: 'attach', session_id: S, plugin: 'janus.plugin.hello' })).data.id;
      await a.request({ janus: 'message', session_id: S, handle_id: H, body: { request: 'later', delay: 300 }, transaction: 'while-gone' });
      await a.close();
      // the same 300 ms request on another session, sent later: once its event is in, the
      // first one was produced too, while nobody owned S
      const b = await WsClient.connect(t.ports.ws);
      const S2 = (await b.request({ janus: 'create' })).data.id;
      const H2 = (await b.request({ janus: 'attach', session_id: S2, plugin: 'janus.plugin.hello' })).data.id;
      await b.request({ janus: 'message', session_id: S2, handle_id: H2, body: { request: 'later', delay: 300 }, transaction: 'marker' });
      await b.next((m) => m.janus === 'event' && m.transaction === 'marker');
      assert.deepEqual(await b.request({ janus: 'claim', session_id: S, transaction: 'cl' }), { janus: 'success', session_id: S, transaction: 'cl' });
      // the event produced while nobody owned the session is delivered on claim
      const ev = await b.next((m) => m.janus === 'event' && m.transaction === 'while-gone');
      assert.equal(ev.sender, H);
      await b.close();
    });

    it('an unclaimed session is destroyed after the reclaim window', async () => {
      const a = await WsClient.connect(t.ports.ws);
      const S = (await a.request({ janus: 'create' })).data.id;
      await a.close();
      const closed = Date.now();
      const listed = async () => (await post(`${t.adminUrl}/admin`, { janus: 'list_sessions', admin_secret: 'janusoverlord', transaction: 'l' })).json.sessions.includes(S) as boolean;
      assert.ok(await until(async () => !(await listed()), 8000, 100), 'still listed 8 s after its socket closed');
      const took = Date.now() - closed;
      assert.ok(took >= 2900, `destroyed after ${took} ms, before the 3 s reclaim window ended`);
    });
  });
});
