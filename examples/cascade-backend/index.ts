/**
 * Cascade backend: drives several Janus / janus-ts instances over RabbitMQ and cascades VideoRoom
 * rooms between them on demand. See README.md.
 *
 *   node dist/examples/cascade-backend/index.js cascade.json
 *
 * cascade.json: { "amqp": "amqp://guest:guest@localhost:5672", "http": 8090,
 *   "instances": [ { "name": "a", "toJanus": "to-janus-a", "fromJanus": "from-janus-a", "mediaHost": "10.0.0.1" }, ... ] }
 *
 * HTTP API (what an application server calls when a viewer connected to instance X wants a feed):
 *   POST /feed      {"room": 1234, "feed": 42, "instance": "b"}  → the cascade (or {} when the feed is local)
 *   GET  /cascades  → every cascade in place
 */
import * as amqp from 'amqplib';
import * as http from 'node:http';
import * as fs from 'node:fs';
import { Cascade, type CascadeOptions } from './cascade';
import { JanusInstance, type InstanceOptions, type Json } from './instance';

export { Cascade, JanusInstance };
export type { CascadeOptions, InstanceOptions };

export interface BackendConfig extends CascadeOptions {
  amqp: string;
  instances: InstanceOptions[];
  /** HTTP port of the backend's API (0 = none). */
  http?: number;
}

export interface Backend {
  cascade: Cascade;
  instances: JanusInstance[];
  /** Start driving one more instance (as load grows). */
  addInstance(opts: InstanceOptions): Promise<JanusInstance>;
  httpPort?: number;
  stop(): Promise<void>;
}

export async function startBackend(cfg: BackendConfig): Promise<Backend> {
  const conn = await amqp.connect(cfg.amqp);
  const channel = await conn.createChannel();
  const instances: JanusInstance[] = [];
  const cascade = new Cascade([], cfg);
  const addInstance = async (opts: InstanceOptions) => {
    const i = new JanusInstance(channel, opts);
    await i.start();
    instances.push(i);
    cascade.addInstance(i);
    return i;
  };
  for (const o of cfg.instances) await addInstance(o);
  let server: http.Server | undefined;
  let httpPort: number | undefined;
  if (cfg.http !== undefined && cfg.http >= 0) {
    server = http.createServer((req, res) => void serve(cascade, req, res));
    await new Promise<void>((r) => server!.listen(cfg.http, '127.0.0.1', r));
    httpPort = (server.address() as { port: number }).port;
  }
  return {
    cascade,
    instances,
    addInstance,
    httpPort,
    async stop() {
      server?.close();
      await cascade.stop();
      for (const i of instances) await i.stop();
      await conn.close().catch(() => undefined);
    },
  };
}

async function serve(cascade: Cascade, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const reply = (code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    if (req.method === 'GET' && req.url === '/cascades') return reply(200, cascade.list());
    if (req.method === 'POST' && req.url === '/feed') {
      let text = '';
      for await (const chunk of req) text += chunk;
      const body = JSON.parse(text) as Json;
      if (body.room === undefined || body.feed === undefined || typeof body.instance !== 'string') return reply(400, { error: 'room, feed and instance are required' });
      return reply(200, (await cascade.feedOn(body.room, body.feed, body.instance)) ?? {});
    }
    reply(404, { error: 'not found' });
  } catch (e) {
    reply(500, { error: (e as Error).message });
  }
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node dist/examples/cascade-backend/index.js cascade.json');
    process.exit(2);
  }
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as BackendConfig;
  startBackend({ ...cfg, log: (l) => console.log(l) })
    .then((b) => {
      console.log(`cascade backend: ${b.instances.map((i) => i.name).join(', ')}${b.httpPort ? `, HTTP API on 127.0.0.1:${b.httpPort}` : ''}`);
      const stop = () => void b.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((e) => {
      console.error((e as Error).message);
      process.exit(1);
    });
}
