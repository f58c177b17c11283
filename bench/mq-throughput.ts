/**
 * Request throughput and round-trip latency through the broker transports, side by side with
 * WebSocket: a window of outstanding requests per transport, bounded in count and time.
 *
 *   npm run build && node dist/bench/mq-throughput.js [--window 64] [--count 5000] [--seconds 10] [--plugin path]
 *
 * Starts its own mosquitto and rabbitmq-server (free ports in 20900-20999, epmd 20369) and a
 * server with the RabbitMQ, MQTT and WebSocket transports, all on 127.0.0.1.
 */
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { WebSocket } from 'ws';
import { startMosquitto, startRabbitmq, stopEpmd } from '../test/support/brokers';
import { freePort } from '../test/support/ports';
import { MqttBackend, RabbitBackend } from '../test/support/mq-clients';
import { startServer, TEST_PLUGIN } from '../test/support/mq-harness';

type Json = Record<string, unknown>;
interface Requester {
  request(body: Json): Promise<Json>;
  close(): Promise<void>;
}

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const WINDOW = arg('window', 64);
const COUNT = arg('count', 5000);
const SECONDS = arg('seconds', 10);
/** Extra plugin modules to load (e.g. a VideoRoom build for the `list` row): `--plugin path`. */
const EXTRA_PLUGINS = process.argv.flatMap((a, i) => (a === '--plugin' && process.argv[i + 1] ? [process.argv[i + 1]] : []));
let MQTT_PORT = 0;
const RMQ = { port: 0, nodeName: `rabbit-mqbench-${process.pid}@localhost`, dir: `/tmp/mq-rmq-bench-${process.pid}`, epmdPort: 20369, distPort: 0 };
let WS_PORT = 0;

class WsRequester implements Requester {
  private pending = new Map<string, (m: Json) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as Json;
      const cb = this.pending.get(m.transaction as string);
      if (cb && m.janus !== 'event') {
        this.pending.delete(m.transaction as string);
        cb(m);
      }
    });
  }
  static async open(port: number): Promise<WsRequester> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, 'janus-protocol');
    await new Promise((res, rej) => ws.once('open', res).once('error', rej));
    return new WsRequester(ws);
  }
  request(body: Json): Promise<Json> {
    const transaction = randomBytes(6).toString('hex');
    return new Promise((resolve) => {
      this.pending.set(transaction, resolve);
      this.ws.send(JSON.stringify({ ...body, transaction }));
    });
  }
  async close(): Promise<void> {
    this.ws.close();
  }
}

const wrap = (b: RabbitBackend | MqttBackend): Requester => ({
  request: async (body) => (await b.request(body, { timeoutMs: 30_000 })).json,
  close: () => b.close(),
});

/** One operation = one or more requests; each request's RTT is recorded. */
type Op = (r: Requester, rtts: number[]) => Promise<void>;

async function timed(r: Requester, rtts: number[], body: Json): Promise<Json> {
  const t = process.hrtime.bigint();
  const m = await r.request(body);
  rtts.push(Number(process.hrtime.bigint() - t) / 1e6);
  if (m.janus === 'error') throw new Error(`error reply: ${JSON.stringify(m)}`);
  return m;
}

const ops: Record<string, Op> = {
  ping: async (r, rtts) => void (await timed(r, rtts, { janus: 'ping' })),
  'create+destroy': async (r, rtts) => {
    const c = await timed(r, rtts, { janus: 'create' });
    await timed(r, rtts, { janus: 'destroy', session_id: (c.data as { id: number }).id });
  },
};

async function run(r: Requester, op: Op, count = COUNT): Promise<{ reqs: number; rps: number; p50: number; p99: number }> {
  const rtts: number[] = [];
  const deadline = Date.now() + SECONDS * 1000;
  let started = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: WINDOW }, async () => {
    while (started < count && Date.now() < deadline) {
      started++;
      await op(r, rtts);
    }
  }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  rtts.sort((a, b) => a - b);
  const pct = (p: number) => rtts[Math.min(rtts.length - 1, Math.floor(p * rtts.length))];
  return { reqs: rtts.length, rps: rtts.length / secs, p50: pct(0.5), p99: pct(0.99) };
}

async function main(): Promise<void> {
  MQTT_PORT = await freePort();
  WS_PORT = await freePort();
  RMQ.port = await freePort();
  RMQ.distPort = await freePort();
  const mq = await startMosquitto({ port: MQTT_PORT, dir: `/tmp/mq-mosquitto-bench-${process.pid}` });
  const rmq = await startRabbitmq(RMQ);
  const { server } = await startServer({
    'janus.transport.rabbitmq': `general: {\n enabled = true\n host = "127.0.0.1"\n port = ${RMQ.port}\n json = "compact"\n}\n`,
    'janus.transport.mqtt': `general: {\n enabled = true\n url = "tcp://127.0.0.1:${MQTT_PORT}"\n json = "compact"\n}\n`,
    'janus.transport.websockets': `general: {\n ws = true\n ws_port = ${WS_PORT}\n ws_ip = "127.0.0.1"\n json = "compact"\n}\nadmin: {\n admin_ws = false\n}\n`,
  }, { janus: { 'general.debug_level': 1, 'plugins.load': [TEST_PLUGIN, ...EXTRA_PLUGINS].join(',') } });
  const requesters: Array<[string, Requester]> = [
    ['WebSocket', await WsRequester.open(WS_PORT)],
    ['RabbitMQ', wrap(await RabbitBackend.connect({ port: RMQ.port }))],
    ['MQTT 3.1.1 (QoS 1)', wrap(await MqttBackend.connect({ port: MQTT_PORT }))],
  ];
  const info = await requesters[0][1].request({ janus: 'info' });
  const plugins = Object.keys((info.plugins ?? {}) as Json);
  const allOps = { ...ops };
  if (plugins.includes('janus.plugin.videoroom')) {
    // one handle per transport, created lazily
    const handles = new Map<Requester, { session_id: number; handle_id: number }>();
    allOps['videoroom list'] = async (r, rtts) => {
      let h = handles.get(r);
      if (!h) {
        const s = ((await r.request({ janus: 'create' })).data as { id: number }).id;
        const a = ((await r.request({ janus: 'attach', session_id: s, plugin: 'janus.plugin.videoroom' })).data as { id: number }).id;
        h = { session_id: s, handle_id: a };
        handles.set(r, h);
      }
      await timed(r, rtts, { janus: 'message', ...h, body: { request: 'list' } });
    };
  } else console.log('(VideoRoom not loaded: no `list` rows)');
  console.log(`window ${WINDOW}, up to ${COUNT} operations or ${SECONDS} s per row, Node ${process.version}, all on 127.0.0.1\n`);
  console.log('| op | transport | requests | req/s | p50 RTT ms | p99 RTT ms |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const [opName, op] of Object.entries(allOps)) {
    for (const [name, r] of requesters) {
      await run(r, op, Math.ceil(COUNT / 10)); // warm-up
      const res = await run(r, op);
      console.log(`| ${opName} | ${name} | ${res.reqs} | ${Math.round(res.rps)} | ${res.p50.toFixed(2)} | ${res.p99.toFixed(2)} |`);
    }
  }
  for (const [, r] of requesters) await r.close();
  await server.stop();
  await mq.stop();
  await rmq.stop();
  stopEpmd(RMQ.epmdPort);
  fs.rmSync(RMQ.dir, { recursive: true, force: true });
  fs.rmSync(`/tmp/mq-mosquitto-bench-${process.pid}`, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
