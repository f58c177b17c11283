/**
 * Event bus and handler cost. `npm run build && node dist/bench/events.js [--events N]`
 *
 * 1. bus: CPU per emit (envelope + queue + dispatch) with no handler wanting the type, and with
 *    one no-op handler; this is what the request and media paths pay.
 * 2. handlers: events/s each handler sustains to a local backend running in a child process
 *    (so only our side's CPU is counted), and our CPU µs per event (bus + handler + JSON + I/O).
 * 3. request path: HTTP create+destroy pairs per second and CPU per pair, events off vs on.
 * Everything on 127.0.0.1, ports 21950-21959; bounded in count and time.
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Settings } from '../core/config/settings';
import { EventBus } from '../core/events/event-bus';
import { Logger } from '../core/logger';
import { PLUGIN_API_VERSION, EventType, type EventHandler, type JanusEvent } from '../core/plugin-api';
import { JanusServer } from '../core/server';
import { haveMosquitto, startMosquitto } from '../test/support/brokers';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('events', 200_000);
const PAIRS = arg('requests', 3000);
const SINK_HTTP = 21950;
const SINK_WS = 21951;
const MQTT = 21952;
const API = 21953;
const DEADLINE_MS = 60_000;

const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function busBench(): void {
  const settings = new Settings();
  settings.eventsBroadcast = true;
  const bus = new EventBus(settings, new Logger({ level: 0, stdout: false, timestamps: false }));
  const body = { name: 'created', transport: { transport: 'janus.transport.http', id: '123' } };
  const run = (label: string, count: number) => {
    const t = process.hrtime.bigint();
    const c0 = cpuUs();
    for (let i = 0; i < count; i++) bus.emit({ type: EventType.SESSION, sessionId: 1234567890123, event: body });
    const emitNs = Number(process.hrtime.bigint() - t) / count;
    return new Promise<void>((resolve) =>
      setImmediate(() => {
        const total = (cpuUs() - c0) / count;
        console.log(`bus ${label}: emit ${(emitNs / 1000).toFixed(3)} µs on the caller, ${total.toFixed(3)} µs CPU per event incl. dispatch`);
        resolve();
      }),
    );
  };
  // no handler: wants() is false, nothing is built
  return void run('no handler', 1_000_000).then(() => {
    const noop: EventHandler = {
      kind: 'eventhandler',
      apiVersion: PLUGIN_API_VERSION,
      info: { package: 'noop', name: 'noop', author: '', description: '', version: 1, versionString: '1' },
      init: () => true,
      destroy: () => {},
      eventsMask: 511,
      incomingEvent: (_e: JanusEvent) => {},
    };
    bus.addHandler(noop);
    return run('one no-op handler', 1_000_000);
  });
}

/** The backend in a child process: HTTP sink on SINK_HTTP and WebSocket server on SINK_WS, counting events. */
function startBackend(): Promise<ChildProcess> {
  const code = `
    const http = require('http'); const { WebSocketServer } = require(${JSON.stringify(require.resolve('ws'))});
    let count = 0;
    const add = (s) => { const v = JSON.parse(s); count += Array.isArray(v) ? v.length : 1; };
    http.createServer((req, res) => { const c = []; req.on('data', d => c.push(d)); req.on('end', () => { let b = Buffer.concat(c); if (req.headers['content-encoding'] === 'gzip') b = require('zlib').gunzipSync(b); add(b.toString()); res.end(); }); })
      .listen(${SINK_HTTP}, '127.0.0.1', () => {
        const wss = new WebSocketServer({ host: '127.0.0.1', port: ${SINK_WS} });
        wss.on('connection', (ws) => ws.on('message', (d) => add(d.toString())));
        wss.on('listening', () => process.send('ready'));
      });
    process.on('message', (m) => { if (m === 'count') process.send(count); if (m === 'reset') { count = 0; process.send(0); } });
  `;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve) => child.once('message', () => resolve(child)));
}
function ask(child: ChildProcess, m: string): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (v) => resolve(Number(v)));
    child.send(m);
  });
}

function configs(handlers: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evh-bench-'));
  fs.writeFileSync(path.join(dir, 'janus.jcfg'), `general: {\n\tdebug_level = 0\n}\nevents: {\n\tbroadcast = true\n}\n`);
  for (const [pkg, text] of Object.entries(handlers)) fs.writeFileSync(path.join(dir, `${pkg}.jcfg`), text);
  return dir;
}
const dirs: string[] = [];
async function server(dir: string): Promise<JanusServer> {
  dirs.push(dir);
  return JanusServer.start({
    configsFolder: dir,
    signallingOnly: true,
    overrides: {
      'janus.transport.http': { 'general.http': true, 'general.port': API, 'general.ip': '127.0.0.1', 'admin.admin_http': false, 'general.events': true },
      'janus.transport.websockets': { 'general.ws': false, 'admin.admin_ws': false },
    },
    settings: (s) => (s.debugLevel = 0),
  });
}

async function handlerBench(label: string, pkg: string, conf: string, backend: ChildProcess | undefined, received: () => Promise<number>, n = N): Promise<void> {
  const srv = await server(configs({ [pkg]: conf }));
  await sleep(300); // let it connect
  if (backend) await ask(backend, 'reset');
  const bus = srv.container.resolve(EventBus);
  const h = srv.modules.eventHandlers.get(pkg)!;
  const stats = () => (h.handleRequest!({ request: 'stats' }) as { stats: { queued: number; dropped_overflow: number } }).stats;
  const body = { schema: 'bench', data: { some: 'payload', n: 1, list: [1, 2, 3] } };
  const t0 = Date.now();
  const c0 = cpuUs();
  let sent = 0;
  while (sent < n && Date.now() - t0 < DEADLINE_MS) {
    if (stats().queued < 5000) {
      for (let i = 0; i < 500 && sent < n; i++, sent++) bus.emit({ type: EventType.EXTERNAL, event: body });
    }
    await new Promise((r) => setImmediate(r));
  }
  while ((await received()) < sent && Date.now() - t0 < DEADLINE_MS) await sleep(5);
  const ms = Date.now() - t0;
  const cpu = cpuUs() - c0;
  const got = await received();
  console.log(`${label}: ${got}/${sent} events in ${ms} ms = ${Math.round((got / ms) * 1000)} events/s, ${(cpu / got).toFixed(2)} µs CPU per event (bus+handler), dropped ${stats().dropped_overflow}`);
  await srv.stop();
}

/** Returns CPU µs per create+destroy pair. */
async function requestBench(label: string, handlers: Record<string, string>, broadcast: boolean): Promise<number> {
  const dir = configs(handlers);
  if (!broadcast) fs.writeFileSync(path.join(dir, 'janus.jcfg'), 'general: {\n\tdebug_level = 0\n}\n');
  const srv = await server(dir);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const post = (p: string, body: object) =>
    new Promise<any>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: API, path: p, method: 'POST', agent }, (res) => {
        const c: Buffer[] = [];
        res.on('data', (d) => c.push(d));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(c).toString())));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const worker = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const s = await post('/janus', { janus: 'create', transaction: 'c' });
      await post(`/janus/${s.data.id}`, { janus: 'destroy', transaction: 'd' });
    }
  };
  await worker(300); // warm-up
  const t0 = Date.now();
  const c0 = cpuUs();
  await Promise.all(Array.from({ length: 8 }, () => worker(PAIRS / 8)));
  const ms = Date.now() - t0;
  const cpu = cpuUs() - c0;
  console.log(`request path, ${label}: ${Math.round((PAIRS / ms) * 1000)} create+destroy pairs/s, ${(cpu / PAIRS).toFixed(1)} µs CPU per pair (client+server in this process; 4 events per pair when on)`);
  agent.destroy();
  await srv.stop();
  return cpu / PAIRS;
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${N} events per handler run`);
  await busBench();
  await sleep(50);
  const backend = await startBackend();
  try {
    const count = () => ask(backend, 'count');
    const sample = (extra: string) => `general: {\n\tenabled = true\n\tbackend = "http://127.0.0.1:${SINK_HTTP}/"\n\tevents = "external"\n${extra}\n}\n`;
    await handlerBench('(warm-up) sampleevh grouping, compact', 'janus.eventhandler.sampleevh', sample('\tjson = "compact"'), backend, count, N / 4);
    await handlerBench('sampleevh grouping, compact', 'janus.eventhandler.sampleevh', sample('\tjson = "compact"'), backend, count);
    await handlerBench('sampleevh grouping, indented', 'janus.eventhandler.sampleevh', sample('\tjson = "indented"'), backend, count);
    await handlerBench('sampleevh grouping, compact, gzip 6', 'janus.eventhandler.sampleevh', sample('\tjson = "compact"\n\tcompress = true'), backend, count);
    await handlerBench('wsevh grouping, compact', 'janus.eventhandler.wsevh',
      `general: {\n\tenabled = true\n\tbackend = "ws://127.0.0.1:${SINK_WS}/"\n\tevents = "external"\n\tjson = "compact"\n}\n`, backend, count);
    if (haveMosquitto()) {
      const mqDir = `/tmp/evh-bench-mosquitto-${process.pid}`;
      dirs.push(mqDir);
      const broker = await startMosquitto({ port: MQTT, dir: mqDir });
      const mqttMod = await import('mqtt');
      let got = 0;
      const sub = mqttMod.connect(`mqtt://127.0.0.1:${MQTT}`, { clientId: 'bench-sub' });
      await new Promise<void>((r) => sub.once('connect', () => sub.subscribe('/janus/events', { qos: 0 }, () => r())));
      sub.on('message', () => got++);
      await handlerBench('mqttevh qos 1 (one event per publish; subscriber in this process)', 'janus.eventhandler.mqttevh',
        `general: {\n\tenabled = true\n\turl = "tcp://127.0.0.1:${MQTT}"\n\tevents = "external"\n\tjson = "compact"\n\tqos = 1\n}\n`,
        undefined, async () => got, Math.min(N, 20_000));
      sub.end(true);
      await broker.stop();
    }
    // alternated: the first round also warms the JIT up and is left out of the medians
    const off: number[] = [];
    const on: number[] = [];
    const rounds = arg('rounds', 4);
    for (let round = 0; round < rounds; round++) {
      const a = await requestBench('events off', {}, false);
      const b = await requestBench('events on, sampleevh (all events) to the HTTP sink', { 'janus.eventhandler.sampleevh': sample('\tjson = "compact"').replace('events = "external"', 'events = "all"') }, true);
      if (round > 0) {
        off.push(a);
        on.push(b);
      }
    }
    const median = (v: number[]) => [...v].sort((x, y) => x - y)[Math.floor(v.length / 2)];
    if (off.length) console.log(`request path medians: events off ${median(off).toFixed(1)} µs, on ${median(on).toFixed(1)} µs CPU per create+destroy pair`);
  } finally {
    backend.kill();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
