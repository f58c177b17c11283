/**
 * A minimal application backend that drives janus-ts only through a message broker: it creates a
 * VideoRoom room and lists the rooms, over RabbitMQ or MQTT.
 *
 *   node dist/examples/mq-backend/index.js rabbitmq [amqp://guest:guest@localhost:5672]
 *   node dist/examples/mq-backend/index.js mqtt     [mqtt://localhost:1883]
 *
 * Server side: `enabled = true` in conf/janus.transport.rabbitmq.jcfg (or .mqtt.jcfg), default
 * queues/topics `to-janus` / `from-janus`. Replies are matched by `transaction` (RabbitMQ also
 * echoes our AMQP correlation_id on direct replies). Events for our session arrive on the same
 * queue/topic and carry `session_id`.
 */
import * as amqp from 'amqplib';
import * as mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Send one JSON request, get back its direct reply (not the events). */
interface Link {
  send(msg: Json): void;
  onMessage(cb: (m: Json) => void): void;
  close(): Promise<void>;
}

async function rabbitLink(url: string): Promise<Link> {
  const conn = await amqp.connect(url);
  const ch = await conn.createChannel();
  await ch.assertQueue('from-janus', { durable: false }); // same flags the server declares it with
  let handler: (m: Json) => void = () => undefined;
  await ch.consume('from-janus', (msg) => msg && handler(JSON.parse(msg.content.toString())), { noAck: true });
  return {
    send: (m) => ch.sendToQueue('to-janus', Buffer.from(JSON.stringify(m)), { contentType: 'application/json', correlationId: m.transaction }),
    onMessage: (cb) => (handler = cb),
    close: () => conn.close(),
  };
}

async function mqttLink(url: string): Promise<Link> {
  const client = await mqtt.connectAsync(url, { clientId: `backend-${randomBytes(4).toString('hex')}` });
  await client.subscribeAsync('from-janus', { qos: 1 });
  let handler: (m: Json) => void = () => undefined;
  client.on('message', (_topic, payload) => handler(JSON.parse(payload.toString())));
  return {
    send: (m) => void client.publish('to-janus', JSON.stringify(m), { qos: 1 }),
    onMessage: (cb) => (handler = cb),
    close: () => client.endAsync(),
  };
}

class JanusOverBroker {
  private pending = new Map<string, (m: Json) => void>();
  constructor(private readonly link: Link) {
    link.onMessage((m) => {
      const done = m.janus !== 'event' && m.janus !== 'ack' ? this.pending.get(m.transaction) : undefined;
      if (done) {
        this.pending.delete(m.transaction);
        done(m);
      } else if (m.session_id) console.log('event:', JSON.stringify(m));
    });
  }

  request(body: Json): Promise<Json> {
    const transaction = randomBytes(8).toString('hex');
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no reply to ${body.janus} (is the transport enabled?)`)), 5000);
      this.pending.set(transaction, (m) => {
        clearTimeout(t);
        if (m.janus === 'error') reject(new Error(`${m.error.code} ${m.error.reason}`));
        else resolve(m);
      });
      this.link.send({ ...body, transaction });
    });
  }
}

async function main(): Promise<void> {
  const [kind = 'rabbitmq', url] = process.argv.slice(2);
  const link = kind === 'mqtt' ? await mqttLink(url ?? 'mqtt://localhost:1883') : await rabbitLink(url ?? 'amqp://guest:guest@localhost:5672');
  const janus = new JanusOverBroker(link);
  const session_id = (await janus.request({ janus: 'create' })).data.id;
  // sessions time out after session_timeout (60 s) without requests: keep ours alive
  const keepalive = setInterval(() => janus.request({ janus: 'keepalive', session_id }).catch(() => undefined), 25_000);
  try {
    const handle_id = (await janus.request({ janus: 'attach', session_id, plugin: 'janus.plugin.videoroom' })).data.id;
    const message = async (body: Json) => (await janus.request({ janus: 'message', session_id, handle_id, body })).plugindata.data;
    const created = await message({ request: 'create', description: 'Created over the broker', publishers: 6 });
    console.log('created:', JSON.stringify(created));
    const listed = await message({ request: 'list' });
    for (const room of listed.list ?? []) console.log(`room ${room.room}: ${room.description} (${room.num_participants} participants)`);
    await message({ request: 'destroy', room: created.room });
    await janus.request({ janus: 'destroy', session_id });
  } finally {
    clearInterval(keepalive);
    await link.close();
  }
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
