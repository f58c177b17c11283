/**
 * Backend-side clients for the broker transports (what an application server driving Janus over
 * a broker does), used by the tests and the benchmark: publish a request, match its reply, keep
 * every other message (events) for later assertions.
 */
import * as amqp from 'amqplib';
import * as mqtt from 'mqtt';
import { randomBytes } from 'node:crypto';

export interface Received {
  json: Record<string, unknown>;
  /** AMQP correlation id, or MQTT v5 correlation data as a string. */
  correlation?: string;
  topic?: string;
  userProperties?: Record<string, string | string[]>;
  routingKey?: string;
}

export function tx(): string {
  return randomBytes(6).toString('hex');
}

/** Messages received so far, with waiting on a predicate. */
class Inbox {
  readonly items: Received[] = [];
  private waiters: Array<{ pred: (r: Received) => boolean; resolve: (r: Received) => void; taken: boolean }> = [];

  add(r: Received): void {
    for (const w of this.waiters) {
      if (!w.taken && w.pred(r)) {
        w.taken = true;
        w.resolve(r);
        this.waiters = this.waiters.filter((x) => x !== w);
        return; // consumed by a waiting request
      }
    }
    this.items.push(r);
    if (this.items.length > 10_000) this.items.shift();
  }

  wait(pred: (r: Received) => boolean, timeoutMs: number, what: string): Promise<Received> {
    const i = this.items.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (r: Received) => (clearTimeout(t), resolve(r)), taken: false };
      const t = setTimeout(() => {
        w.taken = true;
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out (${timeoutMs} ms) waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }
}

function parse(buf: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return { unparsable: buf.toString('utf8') };
  }
}

export interface RabbitBackendOptions {
  port: number;
  toJanus?: string;
  fromJanus?: string;
  toJanusAdmin?: string;
  fromJanusAdmin?: string;
}

export class RabbitBackend {
  readonly inbox = new Inbox();
  private constructor(
    private readonly conn: amqp.ChannelModel,
    private readonly ch: amqp.Channel,
    private readonly o: Required<RabbitBackendOptions>,
  ) {}

  static async connect(opts: RabbitBackendOptions): Promise<RabbitBackend> {
    const o = { toJanus: 'to-janus', fromJanus: 'from-janus', toJanusAdmin: 'to-janus-admin', fromJanusAdmin: 'from-janus-admin', ...opts };
    const conn = await amqp.connect({ hostname: '127.0.0.1', port: o.port, username: 'guest', password: 'guest' });
    conn.on('error', () => undefined);
    const ch = await conn.createChannel();
    ch.on('error', () => undefined);
    const b = new RabbitBackend(conn, ch, o);
    for (const q of [o.fromJanus, o.fromJanusAdmin]) {
      await ch.assertQueue(q, { durable: false, autoDelete: false, exclusive: false });
      await ch.consume(q, (m) => {
        if (!m) return;
        b.inbox.add({ json: parse(m.content), correlation: m.properties.correlationId, routingKey: m.fields.routingKey });
      }, { noAck: true });
    }
    return b;
  }

  /** Publish raw bytes on the request queue (default exchange). */
  sendRaw(payload: string | Buffer, opts: { admin?: boolean; correlationId?: string; replyTo?: string } = {}): void {
    this.ch.sendToQueue(opts.admin ? this.o.toJanusAdmin : this.o.toJanus, Buffer.isBuffer(payload) ? payload : Buffer.from(payload), {
      contentType: 'application/json',
      ...(opts.correlationId ? { correlationId: opts.correlationId } : {}),
      ...(opts.replyTo ? { replyTo: opts.replyTo } : {}),
    });
  }

  /** A request; resolves with its direct reply (matched by correlation id). */
  async request(body: Record<string, unknown>, opts: { admin?: boolean; timeoutMs?: number } = {}): Promise<Received> {
    const correlationId = tx();
    const msg = { transaction: tx(), ...body };
    this.sendRaw(JSON.stringify(msg), { admin: opts.admin, correlationId });
    return this.inbox.wait((r) => r.correlation === correlationId, opts.timeoutMs ?? 5000, `reply to ${JSON.stringify(msg)}`);
  }

  waitFor(pred: (r: Received) => boolean, what: string, timeoutMs = 5000): Promise<Received> {
    return this.inbox.wait(pred, timeoutMs, what);
  }

  async close(): Promise<void> {
    await this.conn.close().catch(() => undefined);
  }
}

export interface MqttBackendOptions {
  port: number;
  version?: 3 | 4 | 5;
  clientId?: string;
  subscribe?: string[];
  toJanus?: string;
  toJanusAdmin?: string;
  clean?: boolean;
}

export class MqttBackend {
  readonly inbox = new Inbox();
  private constructor(
    readonly client: mqtt.MqttClient,
    private readonly o: MqttBackendOptions,
  ) {}

  static async connect(opts: MqttBackendOptions): Promise<MqttBackend> {
    const version = opts.version ?? 4;
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${opts.port}`, {
      protocolVersion: version,
      protocolId: version === 3 ? 'MQIsdp' : 'MQTT',
      clientId: opts.clientId ?? `backend-${tx()}`,
      clean: opts.clean ?? true,
      reconnectPeriod: 20,
    });
    client.on('error', () => undefined);
    const noDelay = () => (client.stream as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
    noDelay();
    client.on('connect', noDelay);
    const b = new MqttBackend(client, opts);
    client.on('message', (topic, payload, packet) => {
      const p = packet.properties;
      b.inbox.add({ json: parse(payload), topic, correlation: p?.correlationData?.toString('utf8'), userProperties: p?.userProperties });
    });
    for (const t of opts.subscribe ?? ['from-janus', 'from-janus-admin']) await client.subscribeAsync(t, { qos: 1 });
    return b;
  }

  sendRaw(payload: string | Buffer, opts: { admin?: boolean; properties?: mqtt.IClientPublishOptions['properties'] } = {}): Promise<unknown> {
    const topic = opts.admin ? (this.o.toJanusAdmin ?? 'to-janus-admin') : (this.o.toJanus ?? 'to-janus');
    return this.client.publishAsync(topic, payload, { qos: 1, ...(opts.properties ? { properties: opts.properties } : {}) });
  }

  /** A request; resolves with its direct reply: matched by v5 correlation data when given, else by transaction (first non-event). */
  async request(body: Record<string, unknown>, opts: { admin?: boolean; timeoutMs?: number; properties?: mqtt.IClientPublishOptions['properties'] } = {}): Promise<Received> {
    const msg = { transaction: tx(), ...body };
    const corr = opts.properties?.correlationData?.toString('utf8');
    const wait = this.inbox.wait(
      (r) => (corr !== undefined ? r.correlation === corr && r.json.janus !== 'event' : r.json.transaction === msg.transaction && r.json.janus !== 'event'),
      opts.timeoutMs ?? 5000,
      `reply to ${JSON.stringify(msg)}`,
    );
    await this.sendRaw(JSON.stringify(msg), opts);
    return wait;
  }

  waitFor(pred: (r: Received) => boolean, what: string, timeoutMs = 5000): Promise<Received> {
    return this.inbox.wait(pred, timeoutMs, what);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}
