import assert from 'node:assert/strict';
import { WsClient, post } from './support/clients';
import { until } from './support/wait';
import { distPath, startTestServer, type TestServer } from './support/server';

describe('Janus API over WebSocket', function () {
  let t: TestServer;
  const admin = (body: Record<string, unknown>) => post(`${t.adminUrl}/admin`, { admin_secret: 'janusoverlord', transaction: 'adm', ...body });

  before(async () => {
    t = await startTestServer({
      janus: `general: { admin_secret = "janusoverlord" }\nplugins: { load = [ "${distPath('examples', 'hello-plugin')}" ] }`,
    });
  });
  after(async () => t?.stop());

  it('refuses a handshake without the janus-protocol subprotocol, and plain HTTP gets 403', async () => {
    for (const proto of ['', 'foo-protocol', 'janus-admin-protocol']) {
      await assert.rejects(WsClient.connect(t.ports.ws, proto), `protocol ${proto}`);
    }
    const r = await fetch(`http://127.0.0.1:${t.ports.ws}/`);
    assert.equal(r.status, 403);
    const c = await WsClient.connect(t.ports.ws);
    assert.equal(c.ws.protocol, 'janus-protocol');
    await c.close();
  });

  it('processes several JSON objects in one frame, in order; a bad frame gets one 454', async () => {
    const c = await WsClient.connect(t.ports.ws);
    c.sendRaw('{"janus":"ping","transaction":"two1"}{"janus":"ping","transaction":"two2"}');
    assert.deepEqual(await c.next((m) => m.transaction === 'two1'), { janus: 'pong', transaction: 'two1' });
    assert.deepEqual(await c.next((m) => m.transaction === 'two2'), { janus: 'pong', transaction: 'two2' });
    c.sendRaw('{"janus":"ping",');
    assert.deepEqual(await c.next((m) => m.janus === 'error'), {
      janus: 'error', error: { code: 454, reason: "Invalid Janus API request - <string>(1,16): string or '}' expected near end of file" },
    });
    c.sendRaw('[{"janus":"ping","transaction":"arr1"}]');
    assert.deepEqual(await c.next((m) => m.janus === 'error'), { janus: 'error', error: { code: 456, reason: 'Missing mandatory element (transaction)' } });
    c.sendRaw('"str"');
    assert.deepEqual(await c.next((m) => m.janus === 'error'), {
      janus: 'error', error: { code: 454, reason: `Invalid Janus API request - <string>(1,5): '[' or '{' expected near '"str"'` },
    });
    await c.close();
  });

  it('IDs travel in the body; errors match Janus', async () => {
    const c = await WsClient.connect(t.ports.ws);
    const S = (await c.request({ janus: 'create' })).data.id;
    assert.deepEqual(await c.request({ janus: 'foo', session_id: S, transaction: 'wu2' }),
      { janus: 'error', session_id: S, transaction: 'wu2', error: { code: 453, reason: "Unknown request 'foo'" } });
    assert.deepEqual(await c.request({ janus: 'keepalive', session_id: String(S), transaction: 'wk1s' }),
      { janus: 'error', transaction: 'wk1s', error: { code: 457, reason: "Unhandled request 'keepalive' at this path" } });
    const H = (await c.request({ janus: 'attach', session_id: S, plugin: 'janus.plugin.hello' })).data.id;
    assert.deepEqual(await c.request({ janus: 'message', handle_id: H, body: {}, transaction: 'wmh0b' }),
      { janus: 'error', transaction: 'wmh0b', error: { code: 458, reason: 'Session not found' } });
    await c.request({ janus: 'destroy', session_id: S });
    await c.close();
  });

  it('an async plugin event follows its ack on the same socket; detach pushes detached', async () => {
    const c = await WsClient.connect(t.ports.ws);
    const order: Array<{ janus: string }> = [];
    c.ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.janus === 'success' || m.janus === 'detached') order.push(m);
    });
    const S = (await c.request({ janus: 'create' })).data.id;
    const H = (await c.request({ janus: 'attach', session_id: S, plugin: 'janus.plugin.hello', opaque_id: 'o' })).data.id;
    // delay 0: the plugin pushes its event at once, yet the ack must come first
    const ack = await c.request({ janus: 'message', session_id: S, handle_id: H, body: { request: 'later', delay: 0 }, transaction: 'wm1' });
    assert.deepEqual(ack, { janus: 'ack', session_id: S, transaction: 'wm1', hint: 'Greeting you shortly' });
    const ev = await c.next((m) => m.janus === 'event' && m.transaction === 'wm1');
    assert.equal(ev.plugindata.data.hello, 'greeting');
    order.length = 0;
    assert.deepEqual(await c.request({ janus: 'detach', session_id: S, handle_id: H, transaction: 'wd1' }), { janus: 'success', session_id: S, transaction: 'wd1' });
    assert.deepEqual(await c.next((m) => m.janus === 'detached'), { janus: 'detached', session_id: S, sender: H });
    // the reply comes first, then the event (as Janus)
    assert.deepEqual(order.map((m) => m.janus), ['success', 'detached']);
    await c.close();
  });

  it('the ack always precedes the event, over many fast requests', async () => {
    const c = await WsClient.connect(t.ports.ws);
    const S = (await c.request({ janus: 'create' })).data.id;
    const H = (await c.request({ janus: 'attach', session_id: S, plugin: 'janus.plugin.hello' })).data.id;
    const order: string[] = [];
    c.ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.transaction?.startsWith('fast')) order.push(`${m.janus}:${m.transaction}`);
    });
    for (let i = 0; i < 50; i++) c.sendRaw(JSON.stringify({ janus: 'message', session_id: S, handle_id: H, body: { request: 'later', delay: 0 }, transaction: `fast${i}` }));
    assert.ok(await until(() => order.length >= 100), `got ${order.length} of 100`);
    assert.equal(order.length, 100);
    for (let i = 0; i < 50; i++) assert.ok(order.indexOf(`ack:fast${i}`) < order.indexOf(`event:fast${i}`), `fast${i}`);
    await c.close();
  });

  it('events go to the owning socket; claim moves them; closing the owner destroys its sessions', async () => {
    const a = await WsClient.connect(t.ports.ws);
    const b = await WsClient.connect(t.ports.ws);
    const S = (await a.request({ janus: 'create' })).data.id;
    const H = (await a.request({ janus: 'attach', session_id: S, plugin: 'janus.plugin.hello' })).data.id;
    // request on b, event to a (the owner)
    await b.request({ janus: 'message', session_id: S, handle_id: H, body: { request: 'later', delay: 0 }, transaction: 'own1' });
    await a.next((m) => m.janus === 'event' && m.transaction === 'own1');
    assert.equal(b.messages.some((m) => m.transaction === 'own1' && m.janus === 'event'), false);
    assert.deepEqual(await b.request({ janus: 'claim', session_id: S, transaction: 'cl' }), { janus: 'success', session_id: S, transaction: 'cl' });
    await a.request({ janus: 'message', session_id: S, handle_id: H, body: { request: 'later', delay: 0 }, transaction: 'own2' });
    await b.next((m) => m.janus === 'event' && m.transaction === 'own2');
    // the old owner closes: the session now belongs to b and survives
    await a.close();
    // a's close handshake completed before b sends: the server sees a's close first, so once it
    // answers b the session must still be there
    assert.equal((await b.request({ janus: 'keepalive', session_id: S })).janus, 'ack');
    assert.deepEqual((await admin({ janus: 'list_sessions' })).json.sessions.includes(S), true);
    await b.close();
    const listed = async () => (await admin({ janus: 'list_sessions' })).json.sessions.includes(S) as boolean;
    assert.ok(await until(async () => !(await listed())), 'the session outlived its owner socket');
  });

  it('a client that vanishes mid-request does not disturb others', async () => {
    const a = await WsClient.connect(t.ports.ws);
    const b = await WsClient.connect(t.ports.ws);
    const S = (await a.request({ janus: 'create' })).data.id;
    const H = (await a.request({ janus: 'attach', session_id: S, plugin: 'janus.plugin.hello' })).data.id;
    a.sendRaw(JSON.stringify({ janus: 'message', session_id: S, handle_id: H, body: { request: 'later', delay: 50 }, transaction: 'gone' }));
    a.ws.terminate();
    assert.equal((await b.request({ janus: 'ping' })).janus, 'pong');
    // the same 50 ms request from b, sent after a's: its event comes after a's timer fired for a
    // socket that is gone, and b must still be served
    const Sb = (await b.request({ janus: 'create' })).data.id;
    const Hb = (await b.request({ janus: 'attach', session_id: Sb, plugin: 'janus.plugin.hello' })).data.id;
    await b.request({ janus: 'message', session_id: Sb, handle_id: Hb, body: { request: 'later', delay: 50 }, transaction: 'stay' });
    await b.next((m) => m.janus === 'event' && m.transaction === 'stay');
    assert.equal((await b.request({ janus: 'ping' })).janus, 'pong');
    const listed = async () => (await admin({ janus: 'list_sessions' })).json.sessions.includes(S) as boolean;
    assert.ok(await until(async () => !(await listed())), 'the vanished client\'s session was not destroyed');
    await b.close();
  });

  it('a frame over max_message_size closes only that socket', async () => {
    const big = await WsClient.connect(t.ports.ws);
    const other = await WsClient.connect(t.ports.ws);
    const closed = new Promise<number>((resolve) => big.ws.once('close', (code) => resolve(code)));
    big.sendRaw(`{"janus":"ping","transaction":"huge","pad":"${'x'.repeat(17 * 1024 * 1024)}"}`);
    assert.equal(await closed, 1009);
    assert.equal((await other.request({ janus: 'ping' })).janus, 'pong');
    await other.close();
  });

  it('Admin API over WebSocket needs janus-admin-protocol and the admin secret', async () => {
    await assert.rejects(WsClient.connect(t.ports.adminWs, 'janus-protocol'));
    const c = await WsClient.connect(t.ports.adminWs, 'janus-admin-protocol');
    assert.equal((await c.request({ janus: 'ping' })).janus, 'pong');
    assert.deepEqual(await c.request({ janus: 'list_sessions', transaction: 'x' }),
      { janus: 'error', transaction: 'x', error: { code: 403, reason: 'Unauthorized request (wrong or missing secret/token)' } });
    const ok = await c.request({ janus: 'list_sessions', admin_secret: 'janusoverlord', transaction: 'y' });
    assert.equal(ok.janus, 'success');
    assert.ok(Array.isArray(ok.sessions));
    // admin parse errors fail on the missing transaction, as in Janus
    c.sendRaw('{"janus":');
    assert.deepEqual(await c.next((m) => m.janus === 'error'), { janus: 'error', error: { code: 456, reason: 'Missing mandatory element (transaction)' } });
    await c.close();
  });

  it('the server survives a flood of garbage frames and oversized frames from one client', async () => {
    const c = await WsClient.connect(t.ports.ws);
    for (let i = 0; i < 200; i++) c.sendRaw(i % 2 ? '}{' : '\u0000\u0001');
    c.sendRaw(`{"janus":"ping","transaction":"big","pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    assert.deepEqual(await c.next((m) => m.transaction === 'big', 10000), { janus: 'pong', transaction: 'big' });
    await c.close();
    // and still serves a new client
    const after = await WsClient.connect(t.ports.ws);
    assert.deepEqual(await after.request({ janus: 'ping', transaction: 'after' }), { janus: 'pong', transaction: 'after' });
    await after.close();
  });
});
