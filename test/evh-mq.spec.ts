/** RabbitMQ and MQTT event handlers against real brokers (mosquitto, rabbitmq-server from Debian). */
import 'reflect-metadata';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as amqp from 'amqplib';
import * as mqtt from 'mqtt';
import { EventBus } from '../core/events/event-bus';
import { EventType } from '../core/plugin-api';
import type { JanusServer } from '../core/server';
import { startMosquitto, startRabbitmq, stopEpmd, type Broker } from './support/brokers';
import { freePorts } from './support/ports';
import { api, removeConfigs, makeConfigs, startServer, waitUntil } from './support/evh-harness';

// from the allocator, before the first suite starts
const PORTS = { http: 0, admin: 0 };
let MQTT_PORT = 0;
let AMQP_PORT = 0;
let AMQP_DIST_PORT = 0;
let EPMD_PORT = 0;
before(async () => {
  ({ http: PORTS.http, admin: PORTS.admin, mqtt: MQTT_PORT, amqp: AMQP_PORT, dist: AMQP_DIST_PORT, epmd: EPMD_PORT } = await freePorts('http', 'admin', 'mqtt', 'amqp', 'dist', 'epmd'));
});
type Ev = Record<string, any>;

function emitExternal(server: JanusServer, from: number, to: number): void {
  const bus = server.container.resolve(EventBus);
  for (let i = from; i < to; i++) bus.emit({ type: EventType.EXTERNAL, event: { schema: 's', data: { i } } });
}
function stats(server: JanusServer, pkg: string): Ev {
  return (server.modules.eventHandlers.get(pkg)!.handleRequest!({ request: 'stats' }) as Ev).stats;
}

describe('evh: MQTT event handler (mosquitto)', function () {
  this.timeout(30_000);
  let broker: Broker | undefined;
  let server: JanusServer | undefined;
  let sub: mqtt.MqttClient | undefined;
  const got: Array<{ topic: string; text: string; retain: boolean }> = [];

  before(async () => {
    // persistence: our clean = false subscriber keeps its subscription and queued copies across restart()
    broker = await startMosquitto({ port: MQTT_PORT, dir: `/tmp/evh-mosquitto-${process.pid}`, persistence: true });
  });
  after(async () => {
    await server?.stop();
    sub?.end(true);
    await broker?.stop();
    fs.rmSync(`/tmp/evh-mosquitto-${process.pid}`, { recursive: true, force: true });
    removeConfigs();
  });

  it('publishes each event to <topic>/<type> with eventtype added, and the connect status', async () => {
    // a persistent QoS 1 subscription, so the broker keeps our copies while we are away too
    sub = mqtt.connect(`mqtt://127.0.0.1:${MQTT_PORT}`, { clientId: 'evh-test-sub', clean: false, reconnectPeriod: 100 });
    sub.on('message', (topic, payload, packet) => got.push({ topic, text: payload.toString(), retain: packet.retain }));
    await new Promise<void>((r) => sub!.once('connect', () => sub!.subscribe('/janus/test/#', { qos: 1 }, () => r())));
    const conf = makeConfigs({
      'janus.eventhandler.mqttevh': `general: {\n\tenabled = true\n\turl = "tcp://127.0.0.1:${MQTT_PORT}"\n\tclient_id = "janus-evh-test"\n\ttopic = "/janus/test"\n\taddevent = true\n\tjson = "compact"\n\tevents = "sessions,external"\n\tqos = 1\n}\n`,
    });
    server = await startServer(conf, PORTS);
    await waitUntil(() => got.some((m) => m.topic === '/janus/test/status'), 5000, 'connect status');
    assert.deepEqual(JSON.parse(got.find((m) => m.topic === '/janus/test/status')!.text), { event: 'connected', eventhandler: 'janus.eventhandler.mqttevh' });
    const sid = (await api(`http://127.0.0.1:${PORTS.http}/janus`, { janus: 'create', transaction: 'c' })).data.id;
    await waitUntil(() => got.some((m) => m.topic === '/janus/test/sessions'), 5000, 'session event');
    const ev = JSON.parse(got.find((m) => m.topic === '/janus/test/sessions')!.text);
    assert.deepEqual(Object.keys(ev), ['emitter', 'type', 'timestamp', 'session_id', 'event', 'eventtype']);
    assert.equal(ev.session_id, sid);
    assert.equal(ev.eventtype, 'Sessions');

    emitExternal(server, 0, 50);
    await waitUntil(() => got.filter((m) => m.topic === '/janus/test/external').length >= 50, 15_000, '50 external events');
    const ext = got.filter((m) => m.topic === '/janus/test/external').map((m) => JSON.parse(m.text));
    assert.deepEqual(ext.map((e) => e.event.data.i), [...Array(50).keys()]);
    assert.ok(ext.every((e) => e.eventtype === 'External' && e.type === 4));
    const st = stats(server, 'janus.eventhandler.mqttevh');
    assert.equal(st.dropped_overflow + st.dropped_retries, 0);
  });

  it('holds events while the broker is down and delivers them after restart(), in order', async () => {
    got.length = 0;
    const before = stats(server!, 'janus.eventhandler.mqttevh');
    await broker!.restart(); // down then up; the handler reconnects only after its 1 s period
    emitExternal(server!, 100, 120);
    await waitUntil(() => stats(server!, 'janus.eventhandler.mqttevh').failures > before.failures, 5000, 'events held: the first try failed');
    await waitUntil(() => got.filter((m) => m.topic === '/janus/test/external').length >= 20, 15_000, '20 events after restart');
    const ext = got.filter((m) => m.topic === '/janus/test/external').map((m) => JSON.parse(m.text).event.data.i);
    assert.deepEqual(ext, [...Array(20).keys()].map((k) => 100 + k));
  });

  it('with the broker stopped, events queue up to the cap and the emitter never waits', async () => {
    await broker!.stop();
    broker = undefined;
    // one event whose failed try shows the handler knows the broker is gone
    const failures = stats(server!, 'janus.eventhandler.mqttevh').failures;
    emitExternal(server!, 0, 1);
    await waitUntil(() => stats(server!, 'janus.eventhandler.mqttevh').failures > failures, 5000, 'a failed try');
    const t = process.hrtime.bigint();
    emitExternal(server!, 0, 20_000);
    const usPerEmit = Number(process.hrtime.bigint() - t) / 1000 / 20_000;
    assert.ok(usPerEmit < 50, `emit took ${usPerEmit} µs`);
    // the bus hands events to handlers asynchronously: wait until the cap overflowed
    await waitUntil(() => stats(server!, 'janus.eventhandler.mqttevh').dropped_overflow >= 10_000 - 1, 5000, 'the queue overflowed');
    const st = stats(server!, 'janus.eventhandler.mqttevh');
    assert.ok(st.queued <= 10_000 + 1, `queued ${st.queued}`);
    assert.ok(st.dropped_overflow >= 10_000 - 1, `dropped ${st.dropped_overflow}`);
  });
});

describe('evh: RabbitMQ event handler (rabbitmq-server)', function () {
  this.timeout(60_000);
  let broker: Broker | undefined;
  let server: JanusServer | undefined;

  before(async () => {
    broker = await startRabbitmq({
      port: AMQP_PORT, nodeName: `rabbit-evh-${process.pid}@localhost`, dir: `/tmp/evh-rmq-${process.pid}`, epmdPort: EPMD_PORT, distPort: AMQP_DIST_PORT,
    });
  });
  after(async () => {
    await server?.stop();
    await broker?.stop();
    stopEpmd(EPMD_PORT);
    fs.rmSync(`/tmp/evh-rmq-${process.pid}`, { recursive: true, force: true });
    removeConfigs();
  });

  async function consume(queue: string, into: Ev[]): Promise<amqp.ChannelModel> {
    const conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${AMQP_PORT}`);
    conn.on('error', () => {});
    const ch = await conn.createChannel();
    ch.on('error', () => {});
    await ch.assertQueue(queue, { durable: false, exclusive: false, autoDelete: false });
    await ch.consume(queue, (m) => {
      if (!m) return;
      into.push({ contentType: m.properties.contentType, body: JSON.parse(m.content.toString()) });
      ch.ack(m);
    });
    return conn;
  }

  it('publishes grouped events to route_key with content type application/json, and survives a broker restart', async () => {
    const conf = makeConfigs({
      'janus.eventhandler.rabbitmqevh': `general: {\n\tenabled = true\n\thost = "127.0.0.1"\n\tport = ${AMQP_PORT}\n\troute_key = "janus-events-test"\n\tjson = "plain"\n\tevents = "sessions,external"\n}\n`,
    });
    server = await startServer(conf, PORTS);
    const got: Ev[] = [];
    let consumer = await consume('janus-events-test', got);
    const sid = (await api(`http://127.0.0.1:${PORTS.http}/janus`, { janus: 'create', transaction: 'c' })).data.id;
    await waitUntil(() => got.length >= 1, 10_000, 'first message');
    assert.equal(got[0].contentType, 'application/json');
    assert.ok(Array.isArray(got[0].body), 'grouping: an array');
    assert.equal(got[0].body[0].session_id, sid);
    assert.equal(got[0].body[0].event.name, 'created');

    emitExternal(server, 0, 150);
    await waitUntil(() => got.flatMap((m) => m.body).length >= 151, 10_000, '150 more events');
    assert.ok(got.every((m) => m.body.length <= 100));

    // broker restart: events emitted while it is down are held and published once it is back
    await consumer.close().catch(() => {});
    await broker!.restart();
    emitExternal(server, 1000, 1040);
    const after: Ev[] = [];
    consumer = await consume('janus-events-test', after);
    await waitUntil(() => after.flatMap((m) => m.body).length >= 40, 30_000, 'events after restart');
    assert.deepEqual(after.flatMap((m) => m.body).map((e: Ev) => e.event.data.i), [...Array(40).keys()].map((k) => 1000 + k));
    const st = stats(server, 'janus.eventhandler.rabbitmqevh');
    assert.equal(st.dropped_overflow + st.dropped_retries, 0);
    await consumer.close().catch(() => {});
  });
});
