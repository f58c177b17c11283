import * as assert from 'node:assert/strict';
import { Outbox } from '../transports/common/outbox';
import { Backoff } from '../core/plugin-api';
import { V5Routes } from '../transports/mqtt/v5-routes';
import { ConfigFile } from '../core/config/config-file';
import { readMqttConfig } from '../transports/mqtt/config';
import { readRabbitConfig } from '../transports/rabbitmq/config';
import * as path from 'node:path';

const silent = { fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };

describe('mq: units', () => {
  it('Outbox keeps order, requeues at the front, drops the oldest past the cap and counts it', () => {
    const warned: unknown[] = [];
    const box = new Outbox<number>(3, { ...silent, warn: (o: unknown) => warned.push(o) }, 'test');
    box.push(1);
    box.push(2);
    box.requeue([0]);
    assert.deepEqual([box.shift(), box.size], [0, 2]);
    box.push(3);
    box.push(4); // 2,3,4 kept... plus 1 dropped
    assert.equal(box.size, 3);
    assert.equal(box.dropped, 1);
    assert.deepEqual([box.shift(), box.shift(), box.shift(), box.shift()], [2, 3, 4, undefined]);
    assert.equal(warned.length, 1);
    assert.equal((warned[0] as { droppedTotal: number }).droppedTotal, 1);
  });

  it('Backoff grows ×1.5 from 100 ms up to 5 s and resets', () => {
    const b = new Backoff();
    const seq = Array.from({ length: 12 }, () => b.next());
    assert.deepEqual(seq.slice(0, 4), [100, 150, 225, 338]);
    assert.equal(seq[11], 5000);
    b.reset();
    assert.equal(b.next(), 100);
  });

  it('V5Routes copies only the listed user properties, adds the fixed pairs, and vacuums by age', () => {
    const r = new V5Routes(['tenant'], [['origin', 'janus'], ['tenant', 'x']]);
    const route = r.build({ responseTopic: 'rt', correlationData: Buffer.from('c'), userProperties: { tenant: 'acme', other: 'no' } });
    assert.deepEqual(route.userProperties, { tenant: ['acme', 'x'], origin: 'janus' });
    r.remember('t1', { ...route, at: 1000 });
    r.remember('t2', { ...route, at: 5000 });
    assert.equal(r.lookup('t1')?.responseTopic, 'rt');
    assert.equal(r.lookup(42), undefined);
    assert.equal(r.vacuum(2000, 4000), 1);
    assert.equal(r.lookup('t1'), undefined);
    assert.ok(r.lookup('t2'));
  });

  it('the shipped configs are disabled and list every Janus key without warnings', () => {
    const warned: unknown[] = [];
    const log = { ...silent, warn: (o: unknown) => warned.push(o) };
    const conf = path.resolve(__dirname, '..', '..', 'conf');
    const rabbit = ConfigFile.load(path.join(conf, 'janus.transport.rabbitmq.jcfg'), log);
    const mqtt = ConfigFile.load(path.join(conf, 'janus.transport.mqtt.jcfg'), log);
    assert.ok(rabbit.loaded && mqtt.loaded);
    assert.equal(readRabbitConfig(rabbit), undefined);
    assert.equal(readMqttConfig(mqtt), undefined);
    assert.deepEqual(warned, []);
  });

  it('config errors Janus also refuses are reported', () => {
    const cfg = (text: Record<string, unknown>) => new ConfigFile('x', text as never, true);
    assert.throws(() => readRabbitConfig(cfg({ general: { enabled: true, janus_exchange_type: 'weird' } })), /janus_exchange_type/);
    assert.throws(() => readMqttConfig(cfg({ general: { enabled: true, mqtt_version: '4' } })), /mqtt_version/);
    const v31 = readMqttConfig(cfg({ general: { enabled: true, mqtt_version: '3.1', url: 'ssl://b:8883' } }))!;
    assert.equal(v31.version, 3);
    assert.equal(v31.url, 'mqtts://b:8883');
  });
});
