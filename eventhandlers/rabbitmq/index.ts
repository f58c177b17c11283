import * as fs from 'node:fs';
import * as amqp from 'amqplib';
import type { ConfigView, JanusEvent, ModuleInfo } from '../../core/plugin-api';
import { QueuedEventHandler } from '../common/queued-handler';
import { Reconnector } from '../common/reconnector';

const RECONNECT_FIRST_MS = 1000;
const RECONNECT_MAX_MS = 8000;
/** A publish not confirmed by the broker within this time counts as failed (and is retried). */
const CONFIRM_TIMEOUT_MS = 10_000;

/**
 * Janus's RabbitMQ event handler: publishes each event (or group) with content type
 * application/json to `exchange` (the default exchange when unset) with routing key `route_key`.
 * Publishes go on a confirm channel, so an event counts as sent only once the broker has it;
 * while the broker is away events wait in the bounded queue and the connection is retried.
 */
export default class RabbitMqEventHandler extends QueuedEventHandler {
  readonly info: ModuleInfo = {
    package: 'janus.eventhandler.rabbitmqevh',
    name: 'JANUS RabbitMQEventHandler plugin',
    author: 'janus-ts',
    description: 'Forwards events to a RabbitMQ exchange or queue.',
    version: 1,
    versionString: '0.0.1',
  };
  protected readonly ownKeys = ['host', 'port', 'username', 'password', 'vhost', 'exchange', 'exchange_type', 'route_key',
    'heartbeat', 'declare_outgoing_queue', 'ssl_enable', 'ssl_verify_peer', 'ssl_verify_hostname', 'ssl_cacert', 'ssl_cert', 'ssl_key'];
  private connectOpts!: amqp.Options.Connect;
  private socketOpts: Record<string, unknown> = {};
  private exchange = '';
  private exchangeType = 'fanout';
  private routeKey!: string;
  private declareQueue = true;
  private conn?: amqp.ChannelModel;
  private channel?: amqp.ConfirmChannel;
  private reconnector!: Reconnector;
  private stopping = false;

  protected configure(c: ConfigView): boolean {
    const g = (k: string) => c.getString('general', k);
    const routeKey = g('route_key');
    if (!routeKey) {
      this.log.error('Missing route_key, RabbitMQ event handler disabled');
      return false;
    }
    this.routeKey = routeKey;
    const ssl = c.getBool('general', 'ssl_enable', false);
    this.connectOpts = {
      protocol: ssl ? 'amqps' : 'amqp',
      hostname: g('host') ?? 'localhost',
      port: c.getInt('general', 'port') ?? 5672,
      username: g('username') ?? 'guest',
      password: g('password') ?? 'guest',
      vhost: g('vhost') ?? '/',
      heartbeat: c.getInt('general', 'heartbeat') ?? 0,
    };
    if (ssl) {
      try {
        const read = (k: string) => (g(k) ? fs.readFileSync(g(k)!) : undefined);
        this.socketOpts = {
          ca: read('ssl_cacert'),
          cert: read('ssl_cert'),
          key: read('ssl_key'),
          rejectUnauthorized: c.getBool('general', 'ssl_verify_peer', true),
          ...(c.getBool('general', 'ssl_verify_hostname', true) ? {} : { checkServerIdentity: () => undefined }),
        };
      } catch (err) {
        this.log.error({ err }, 'Cannot read the SSL files, RabbitMQ event handler disabled');
        return false;
      }
    }
    this.exchange = g('exchange') ?? '';
    this.exchangeType = g('exchange_type') ?? 'fanout';
    this.declareQueue = c.getBool('general', 'declare_outgoing_queue', true);
    return true;
  }

  protected retryPolicy() {
    return { maxRetransmissions: -1, backoffMs: RECONNECT_FIRST_MS, backoffMaxMs: RECONNECT_MAX_MS };
  }

  protected start(): void {
    const where = `RabbitMQ ${this.connectOpts.hostname}:${this.connectOpts.port}`;
    this.reconnector = new Reconnector(() => void this.connect(), RECONNECT_FIRST_MS, RECONNECT_MAX_MS, this.log, where);
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopping) return;
    let conn: amqp.ChannelModel | undefined;
    try {
      conn = await amqp.connect(this.connectOpts, this.socketOpts);
      if (this.stopping) {
        await conn.close().catch(() => {});
        return;
      }
      conn.on('error', (err: Error) => this.log.debug({ err }, 'RabbitMQ connection error'));
      conn.on('close', () => {
        if (conn !== this.conn) return;
        this.conn = undefined;
        this.channel = undefined;
        if (!this.stopping) this.reconnector.failed('connection closed');
      });
      const ch = await conn.createConfirmChannel();
      ch.on('error', (err: Error) => this.log.warn({ err }, 'RabbitMQ channel error'));
      if (this.exchange) await ch.assertExchange(this.exchange, this.exchangeType, { durable: false, autoDelete: false });
      if (this.declareQueue) await ch.assertQueue(this.routeKey, { durable: false, exclusive: false, autoDelete: false });
      this.conn = conn;
      this.channel = ch;
      this.reconnector.succeeded();
      this.log.info({ exchange: this.exchange, route_key: this.routeKey }, 'Connected to RabbitMQ');
      this.delivery.wake();
    } catch (err) {
      if (conn) await conn.close().catch(() => {});
      if (!this.stopping) this.reconnector.failed((err as Error).message);
    }
  }

  protected sendBatch(batch: JanusEvent[]): Promise<void> {
    const ch = this.channel;
    if (!ch) return Promise.reject(new Error('not connected'));
    const body = Buffer.from(this.format(batch));
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('publish not confirmed in time')), CONFIRM_TIMEOUT_MS);
      try {
        ch.publish(this.exchange, this.routeKey, body, { contentType: 'application/json' }, (err) => {
          clearTimeout(t);
          if (err) reject(err instanceof Error ? err : new Error(String(err)));
          else resolve();
        });
      } catch (err) {
        // the channel closed under us
        clearTimeout(t);
        reject(err as Error);
      }
    });
  }

  protected async stop(): Promise<void> {
    this.stopping = true;
    this.reconnector?.stop();
    const conn = this.conn;
    this.conn = undefined;
    this.channel = undefined;
    if (conn) await conn.close().catch(() => {});
  }
}
