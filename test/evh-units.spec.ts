/** Unit tests of the event handlers' shared pieces: the ring queue and the delivery loop. */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigFile } from '../core/config/config-file';
import { ConfigStore } from '../core/config/config-store';
import { Delivery } from '../eventhandlers/common/delivery';
import { RingQueue } from '../eventhandlers/common/ring-queue';
import type { JanusEvent, ModuleLogger } from '../core/plugin-api';
import { freePort } from './support/ports';

const quiet: ModuleLogger = { fatal() {}, error() {}, warn() {}, info() {}, debug() {}, trace() {} };
const ev = (i: number): JanusEvent => ({ emitter: 'x', type: 4, timestamp: i, event: { schema: 's', data: { i } } });
const ids = (b: JanusEvent[]) => b.map((e) => e.timestamp);

describe('evh units: RingQueue', () => {
  it('keeps FIFO order across growth and wrap-around', () => {
    const q = new RingQueue<number>(1000);
    let next = 0;
    let expect = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 37; i++) assert.equal(q.push(next++), false);
      for (const v of q.take(29)) assert.equal(v, expect++);
    }
    for (const v of q.take(10_000)) assert.equal(v, expect++);
    assert.equal(expect, next);
    assert.equal(q.length, 0);
  });

  it('drops the oldest when full, and says so', () => {
    const q = new RingQueue<number>(3);
    assert.deepEqual([1, 2, 3].map((v) => q.push(v)), [false, false, false]);
    assert.equal(q.push(4), true);
    assert.equal(q.push(5), true);
    assert.deepEqual(q.take(10), [3, 4, 5]);
    q.push(6);
    assert.deepEqual(q.take(1), [6]);
  });

  it('rejects a cap that is not a positive integer', () => {
    assert.throws(() => new RingQueue(0), RangeError);
    assert.throws(() => new RingQueue(1.5), RangeError);
  });
});

describe('evh units: Delivery', () => {
  it('batches what arrived in one tick, in order, and never calls the sender concurrently', async () => {
    const batches: number[][] = [];
    let inFlight = 0;
    const d = new Delivery({ cap: 1000, batchMax: 4, maxRetransmissions: 0, backoffMs: 1, backoffMaxMs: 1 }, async (b) => {
      assert.equal(++inFlight, 1);
      await new Promise((r) => setTimeout(r, 2));
      batches.push(ids(b));
      inFlight--;
    }, quiet);
    for (let i = 0; i < 10; i++) d.push(ev(i));
    await d.idle();
    assert.deepEqual(batches, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    assert.equal(d.stats().sent, 10);
    assert.equal(d.stats().batches, 3);
  });

  it('backs off exponentially up to the ceiling, and wake() retries at once', async () => {
    const times: number[] = [];
    let fail = true;
    const d = new Delivery({ cap: 10, batchMax: 10, maxRetransmissions: -1, backoffMs: 50, backoffMaxMs: 100 }, async () => {
      times.push(Date.now());
      if (fail) throw new Error('down');
    }, quiet);
    d.push(ev(1));
    const until = Date.now() + 3000;
    while (times.length < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    assert.ok(gaps.length >= 4, `tries ${times.length}`);
    assert.ok(gaps[0] >= 48 && gaps[0] < 150, `first gap ${gaps[0]}`);
    assert.ok(gaps[1] >= 98, `second gap ${gaps[1]}`);
    assert.ok(gaps[3] >= 98 && gaps[3] < 300, `capped at 100 (uncapped: 400): gap ${gaps[3]}`);
    fail = false;
    const before = times.length;
    d.wake();
    await d.idle();
    assert.equal(times.length, before + 1);
    assert.equal(d.stats().sent, 1);
  });

  it('close() delivers what it can before the deadline, then drops and counts the rest', async () => {
    const d = new Delivery({ cap: 100, batchMax: 1, maxRetransmissions: -1, backoffMs: 10, backoffMaxMs: 10 }, () => Promise.reject(new Error('down')), quiet);
    for (let i = 0; i < 5; i++) d.push(ev(i));
    const t = Date.now();
    await d.close(100);
    assert.ok(Date.now() - t < 300);
    const s = d.stats();
    assert.equal(s.dropped_shutdown, 5);
    assert.equal(s.queued, 0);
    d.push(ev(9)); // after close: counted, not kept
    assert.equal(d.stats().dropped_shutdown, 6);
    assert.equal(d.stats().queued, 0);
  });
});

describe('evh units: shipped configs', () => {
  // ${PORT}: a closed local port, filled in by each test
  const cases: Array<[string, string, Record<string, string>]> = [
    ['janus.eventhandler.sampleevh', 'eventhandlers/sample', { backend: '"http://127.0.0.1:${PORT}/"' }],
    ['janus.eventhandler.wsevh', 'eventhandlers/websockets', { backend: '"ws://127.0.0.1:${PORT}/"' }],
    ['janus.eventhandler.rabbitmqevh', 'eventhandlers/rabbitmq', { host: '"127.0.0.1"', port: '${PORT}' }],
    ['janus.eventhandler.mqttevh', 'eventhandlers/mqtt', { url: '"tcp://127.0.0.1:${PORT}"' }],
  ];
  const confDir = path.resolve(__dirname, '..', '..', 'conf');

  for (const [pkg, dir, local] of cases) {
    it(`${pkg}: parses, is disabled by default, and every documented key (uncommented) is one the handler knows`, async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Cls = require(path.resolve(__dirname, '..', dir, 'index.js')).default;
      const warned: string[] = [];
      const log: ModuleLogger = { ...quiet, warn: (_o: unknown, m?: string) => void warned.push(m ?? '') };
      const shipped = new ConfigStore(confDir).load(pkg);
      assert.ok(shipped.loaded);
      assert.equal(shipped.getBool('general', 'enabled', true), false);
      const off = new Cls();
      assert.equal(off.info.package, pkg);
      assert.equal(await off.init({ config: new ConfigFile(shipped.file, shipped.root, true, log), configsFolder: confDir, logger: log, serverName: 'x' }), false);

      // every "#key = value" line uncommented, enabled, pointed at a closed local port
      let text = fs.readFileSync(path.join(confDir, `${pkg}.jcfg`), 'utf8').replace(/^\t#(\w+ = )/gm, '\t$1');
      text = text.replace(/^\tenabled = false/m, '\tenabled = true');
      const port = String(await freePort()); // nothing listens there
      for (const [k, v] of Object.entries(local)) text = text.replace(new RegExp(`^\\t${k} = .*$`, 'm'), `\t${k} = ${v.replace('${PORT}', port)}`);
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evh-units-'));
      fs.writeFileSync(path.join(tmp, `${pkg}.jcfg`), text);
      const full = new ConfigStore(tmp).load(pkg);
      const on = new Cls();
      const ok = await on.init({ config: new ConfigFile(full.file, full.root, true, log), configsFolder: tmp, logger: log, serverName: 'x' });
      assert.equal(ok, true, `enabled: ${warned.join('; ')}`);
      await on.destroy();
      fs.rmSync(tmp, { recursive: true, force: true });
      assert.deepEqual(warned.filter((w) => /Unsupported setting/.test(w)), []);
    });
  }
});
