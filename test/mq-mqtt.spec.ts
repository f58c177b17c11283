import * as assert from 'node:assert/strict';
import type { JanusServer } from '../core/server';
import type { Transport } from '../core/plugin-api';
import * as fs from 'node:fs';
import { startMosquitto, type RunningBroker } from './support/brokers';
import { freePort } from './support/ports';
import { MqttBackend, tx, type Received } from './support/mq-clients';
import { ADMIN_SECRET, runExample, startServer, until } from './support/mq-harness';

// picked free in our range at start: several worktrees may run this suite at once
let PORT = 0;

function data(r: Received): Record<string, unknown> {
  return (r.json.data ?? {}) as Record<string, unknown>;
}
function pdata(r: Received): unknown {
  return (r.json.plugindata as { data: unknown }).data;
}

/** An MQTT transport config on our broker with topics under `prefix/`. */
function mqttConf(prefix: string, version: string, extra = '', status = '') {
  return `general: {
  enabled = true
  url = "tcp://127.0.0.1:${PORT}"
  mqtt_version = "${version}"
  client_id = "janus-${prefix}"
  json = "plain"
  subscribe_topic = "${prefix}/to-janus"
  publish_topic = "${prefix}/from-janus"
  ${extra}
}
admin: {
  admin_enabled = true
  subscribe_topic = "${prefix}/to-janus-admin"
  publish_topic = "${prefix}/from-janus-admin"
}
${status}
`;
}

function backendFor(prefix: string, version: 3 | 4 | 5, more: Partial<Parameters<typeof MqttBackend.connect>[0]> = {}) {
  return MqttBackend.connect({
    port: PORT, version, toJanus: `${prefix}/to-janus`, toJanusAdmin: `${prefix}/to-janus-admin`,
    subscribe: [`${prefix}/from-janus`, `${prefix}/from-janus-admin`], ...more,
  });
}

describe('mq: MQTT transport (real mosquitto)', function () {
  this.timeout(30_000);
  let broker: RunningBroker;

  before(async () => {
    PORT = await freePort();
    broker = await startMosquitto({ port: PORT, dir: `/tmp/mq-mosquitto-${process.pid}`, persistence: true });
  });
  after(async () => {
    await broker?.stop();
    fs.rmSync(`/tmp/mq-mosquitto-${process.pid}`, { recursive: true, force: true });
  });

  for (const [version, num] of [['3.1', 3], ['3.1.1', 4], ['5', 5]] as const) {
    describe(`MQTT ${version}`, () => {
      const prefix = `v${num}`;
      let server: JanusServer;
      let b: MqttBackend;
      before(async () => {
        ({ server } = await startServer({ 'janus.transport.mqtt': mqttConf(prefix, version) }));
        b = await backendFor(prefix, num);
      });
      after(async () => {
        await b?.close();
        await server?.stop();
      });

      it('Janus API round trip with an async plugin event', async () => {
        const pong = await b.request({ janus: 'ping' });
        assert.equal(pong.json.janus, 'pong');
        assert.equal(pong.topic, `${prefix}/from-janus`);
        const sid = data(await b.request({ janus: 'create' })).id as number;
        const hid = data(await b.request({ janus: 'attach', session_id: sid, plugin: 'janus.plugin.mqtest' })).id as number;
        const echo = await b.request({ janus: 'message', session_id: sid, handle_id: hid, body: { request: 'echo', v: version } });
        assert.deepEqual(pdata(echo), { echo: { request: 'echo', v: version } });
        const transaction = tx();
        const ack = await b.request({ janus: 'message', session_id: sid, handle_id: hid, transaction, body: { request: 'later', delay: 20, n: 1 } });
        assert.equal(ack.json.janus, 'ack');
        const ev = await b.waitFor((r) => r.json.janus === 'event' && r.json.transaction === transaction, 'plugin event');
        assert.equal(ev.json.sender, hid);
        assert.deepEqual(pdata(ev), { result: 'later', n: 1 });
        assert.equal((await b.request({ janus: 'destroy', session_id: sid })).json.janus, 'success');
      });

      it('Admin API round trip on the admin topics', async () => {
        const sid = data(await b.request({ janus: 'create' })).id as number;
        const list = await b.request({ janus: 'list_sessions', admin_secret: ADMIN_SECRET }, { admin: true });
        assert.equal(list.topic, `${prefix}/from-janus-admin`);
        assert.ok((list.json.sessions as number[]).includes(sid));
        const denied = await b.request({ janus: 'list_sessions', admin_secret: 'wrong' }, { admin: true });
        assert.equal((denied.json.error as { code: number }).code, 403);
        await b.request({ janus: 'destroy', session_id: sid });
      });
    });
  }

  describe('MQTT 5 request/response routing', () => {
    let server: JanusServer;
    let b: MqttBackend;
    let watcher: MqttBackend;
    const statusConf = `status: {
  enabled = true
  connect_message = "{\\"online\\": true}"
  disconnect_message = "{\\"online\\": false}"
  topic = "r5/status"
  qos = 1
}`;
    before(async () => {
      watcher = await MqttBackend.connect({ port: PORT, version: 5, subscribe: ['r5/status'] });
      ({ server } = await startServer({
        'janus.transport.mqtt': mqttConf('r5', '5',
          'proxy_transaction_user_properties = [ "tenant" ]\n  add_transaction_user_properties = ( [ "origin", "janus-ts" ] )\n  vacuum_interval = 1', statusConf),
      }));
      b = await backendFor('r5', 5, { subscribe: ['r5/from-janus', 'r5/from-janus-admin', 'backend/replies'] });
    });
    after(async () => {
      await b?.close();
      await server?.stop();
      await watcher?.close();
    });

    it('publishes the connect message on the status topic', async () => {
      const online = await watcher.waitFor((r) => r.topic === 'r5/status', 'status online');
      assert.deepEqual(online.json, { online: true });
    });

    it('routes the reply and the events of a transaction to its response topic with correlation data and user properties', async () => {
      const props = (c: string) => ({
        responseTopic: 'backend/replies',
        correlationData: Buffer.from(c),
        userProperties: { tenant: 'acme', private: 'not-copied' },
      });
      const created = await b.request({ janus: 'create' }, { properties: props('c-create') });
      assert.equal(created.topic, 'backend/replies');
      assert.equal(created.correlation, 'c-create');
      assert.deepEqual({ ...created.userProperties }, { tenant: 'acme', origin: 'janus-ts' });
      const sid = data(created).id as number;
      const hid = data(await b.request({ janus: 'attach', session_id: sid, plugin: 'janus.plugin.mqtest' }, { properties: props('c-attach') })).id as number;
      const transaction = tx();
      const ack = await b.request({ janus: 'message', session_id: sid, handle_id: hid, transaction, body: { request: 'later', delay: 30, n: 5 } }, { properties: props('c-later') });
      assert.equal(ack.json.janus, 'ack');
      assert.equal(ack.topic, 'backend/replies');
      const ev = await b.waitFor((r) => r.json.janus === 'event' && r.json.transaction === transaction, 'routed plugin event');
      assert.equal(ev.topic, 'backend/replies');
      assert.equal(ev.correlation, 'c-later');
      assert.deepEqual({ ...ev.userProperties }, { tenant: 'acme', origin: 'janus-ts' });
      // without v5 properties: the configured publish topic, no correlation data
      const plain = await b.request({ janus: 'ping' });
      assert.equal(plain.topic, 'r5/from-janus');
      assert.equal(plain.correlation, undefined);
      // an event whose transaction is not remembered goes to publish_topic
      const detached = await b.request({ janus: 'detach', session_id: sid, handle_id: hid }, { properties: props('c-detach') });
      assert.equal(detached.correlation, 'c-detach');
      const ev2 = await b.waitFor((r) => r.json.janus === 'detached' && r.json.sender === hid, 'detached event');
      assert.equal(ev2.topic, 'r5/from-janus');
      await b.request({ janus: 'destroy', session_id: sid });
    });

    it('answers a malformed v5 request on its response topic', async () => {
      await b.sendRaw('{"janus": nope', { properties: { responseTopic: 'backend/replies', correlationData: Buffer.from('c-bad') } });
      const r = await b.waitFor((m) => m.correlation === 'c-bad', 'error reply');
      assert.equal(r.topic, 'backend/replies');
      assert.equal((r.json.error as { code: number }).code, 454);
    });

    it('forgets routes after vacuum_interval', async () => {
      const t = server.modules.transports.get('janus.transport.mqtt') as Transport;
      const routes = () => (t.queryTransport!({ request: 'status' }) as { status: { v5_routes: number } }).status.v5_routes;
      await b.request({ janus: 'ping' }, { properties: { responseTopic: 'backend/replies', correlationData: Buffer.from('c-v') } });
      assert.ok(routes() > 0);
      await until('routes vacuumed', () => routes() === 0, 8000);
    });

    it('has the broker publish the last will when the connection dies, and goes online again', async () => {
      const client = (server.modules.transports.get('janus.transport.mqtt') as unknown as { client: { stream: { destroy(): void } } }).client;
      client.stream.destroy(); // an abrupt loss: no DISCONNECT packet, so the broker fires the will
      const offline = await watcher.waitFor((r) => r.topic === 'r5/status' && (r.json as { online?: boolean }).online === false, 'last will');
      assert.deepEqual(offline.json, { online: false });
      const online = await watcher.waitFor((r) => r.topic === 'r5/status' && (r.json as { online?: boolean }).online === true, 'online again');
      assert.deepEqual(online.json, { online: true });
      assert.equal((await b.request({ janus: 'ping' })).json.janus, 'pong');
    });

    it('publishes the disconnect message on a clean stop', async () => {
      await server.stop();
      const offline = await watcher.waitFor((r) => r.topic === 'r5/status', 'status offline');
      assert.deepEqual(offline.json, { online: false });
    });
  });

  it('drives a VideoRoom from examples/mq-backend over MQTT', async () => {
    const { server } = await startServer({ 'janus.transport.mqtt': `general: {\n enabled = true\n url = "tcp://127.0.0.1:${PORT}"\n client_id = "janus-example"\n}\n` });
    try {
      const out = await runExample('mqtt', `mqtt://127.0.0.1:${PORT}`);
      assert.match(out, /^created: \{"videoroom":"created","room":\d+/m);
      assert.match(out, /^room \d+: Created over the broker \(0 participants\)$/m);
    } finally {
      await server.stop();
    }
  });

  it('starts while the broker is down and serves once it comes up', async () => {
    const port = await freePort();
    const conf = mqttConf('late', '3.1.1').replace(`tcp://127.0.0.1:${PORT}`, `tcp://127.0.0.1:${port}`);
    const { server } = await startServer({ 'janus.transport.mqtt': conf });
    const late = await startMosquitto({ port, dir: `/tmp/mq-mosquitto-late-${process.pid}` });
    try {
      const b = await MqttBackend.connect({ port, toJanus: 'late/to-janus', subscribe: ['late/from-janus'] });
      const t = server.modules.transports.get('janus.transport.mqtt') as Transport;
      await until('the transport to connect', () => (t.queryTransport!({ request: 'status' }) as { status: { connected: boolean } }).status.connected, 10_000);
      assert.equal((await b.request({ janus: 'ping' })).json.janus, 'pong');
      await b.close();
    } finally {
      await server.stop();
      await late.stop();
      fs.rmSync(`/tmp/mq-mosquitto-late-${process.pid}`, { recursive: true, force: true });
    }
  });

  describe('reliability', () => {
    let server: JanusServer;
    let b: MqttBackend;
    before(async () => {
      ({ server } = await startServer({ 'janus.transport.mqtt': mqttConf('rel', '3.1.1', 'max_buffered = 200') }));
      b = await backendFor('rel', 4, { clientId: 'rel-backend', clean: false });
    });
    after(async () => {
      await b?.close();
      await server?.stop();
    });

    it('answers malformed messages with Janus errors and keeps consuming', async () => {
      const cases: Array<[string, number]> = [['{"janus":"ping",', 454], ['hello', 454], ['[1,2]', 456], ['{"janus":"ping"}', 456]];
      for (const [payload, code] of cases) {
        await b.sendRaw(payload);
        const r = await b.waitFor((m) => m.json.janus === 'error' && (m.json.error as { code: number }).code === code, `error ${code} for ${payload}`);
        assert.ok(r);
      }
      await b.sendRaw('{bad', { admin: true }); // Janus answers 456 on the admin topic
      const adm = await b.waitFor((m) => m.topic === 'rel/from-janus-admin' && m.json.janus === 'error', 'admin error');
      assert.deepEqual(adm.json.error, { code: 456, reason: 'Missing mandatory element (transaction)' });
      await b.sendRaw(''); // empty payloads are ignored, as in Janus
      await b.sendRaw(Buffer.from([0xff, 0xfe, 0x00]));
      await b.waitFor((m) => m.json.janus === 'error', 'error for binary garbage');
      assert.equal((await b.request({ janus: 'ping' })).json.janus, 'pong');
    });

    it('keeps running through a broker restart and delivers every reply and event produced meanwhile', async () => {
      const t = server.modules.transports.get('janus.transport.mqtt') as Transport;
      const status = () => (t.queryTransport!({ request: 'status' }) as { status: Record<string, number | boolean> }).status;
      const sid = data(await b.request({ janus: 'create' })).id as number;
      const hid = data(await b.request({ janus: 'attach', session_id: sid, plugin: 'janus.plugin.mqtest' })).id as number;
      const N = 30;
      const txs = Array.from({ length: N }, () => tx());
      const acks = await Promise.all(txs.map((transaction, n) =>
        b.request({ janus: 'message', session_id: sid, handle_id: hid, transaction, body: { request: 'later', delay: 2000, n } })));
      assert.ok(acks.every((a) => a.json.janus === 'ack'));
      // events fire 2 s later, once the broker is surely down, even on a loaded machine
      const slowTx = tx();
      await b.sendRaw(JSON.stringify({ janus: 'message', session_id: sid, handle_id: hid, transaction: slowTx, body: { request: 'slow', delay: 2000, n: 99 } }));
      await new Promise((r) => setTimeout(r, 100));
      await broker.stop();
      await until('the transport to buffer the events', () => status().connected === false && (status().buffered as number) >= N + 1, 10_000);
      await broker.start();
      const events = await Promise.all(txs.map((transaction) =>
        b.waitFor((r) => r.json.janus === 'event' && r.json.transaction === transaction, `event ${transaction}`, 15_000)));
      assert.deepEqual(events.map((e) => (pdata(e) as { n: number }).n), txs.map((_, n) => n));
      const slow = await b.waitFor((r) => r.json.transaction === slowTx, 'slow reply', 15_000);
      assert.deepEqual(pdata(slow), { result: 'slow', n: 99 });
      assert.equal(status().dropped, 0);
      assert.ok((status().reconnects as number) >= 1);
      assert.equal((await b.request({ janus: 'keepalive', session_id: sid })).json.janus, 'ack');
    });
  });
});
