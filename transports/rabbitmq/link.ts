import * as amqp from 'amqplib';
import type * as tls from 'node:tls';
import { Backoff, type ModuleLogger } from '../../core/plugin-api';
import { Outbox } from '../common/outbox';
import type { RabbitApiConfig, RabbitConfig } from './config';

/** One message to publish. */
export interface RabbitOutgoing {
  exchange: string;
  routingKey: string;
  body: Buffer;
  correlationId?: string;
}

export type LinkState = 'connecting' | 'up' | 'down' | 'closed';

/**
 * The single AMQP connection of the transport. It owns the declarations (exchange, queues,
 * bindings, consumers) and re-does them after every reconnect; it publishes on a confirm channel
 * so that a message the broker never confirmed (connection lost mid-flight) is put back in the
 * outbox and published again once the broker is back: replies are delivered at least once.
 */
export class RabbitLink {
  state: LinkState = 'connecting';
  private conn?: amqp.ChannelModel;
  private ch?: amqp.ConfirmChannel;
  /** Bumped on each connection, so confirms of a dead channel are ignored. */
  private generation = 0;
  private seq = 0;
  private readonly inflight = new Map<number, RabbitOutgoing>();
  private readonly backoff = new Backoff(100, 1.5, 5000);
  private retryTimer?: NodeJS.Timeout;
  readonly outbox: Outbox<RabbitOutgoing>;
  /** Counters for `query_transport` and logs. */
  readonly stats = { published: 0, received: 0, reconnects: 0, republished: 0 };
  private outageStart = 0;

  constructor(
    private readonly cfg: RabbitConfig,
    private readonly log: ModuleLogger,
    private readonly onDelivery: (api: RabbitApiConfig, msg: amqp.ConsumeMessage) => void,
  ) {
    this.outbox = new Outbox(cfg.maxBuffered, log, 'RabbitMQ');
  }

  /** First connection attempt. Resolves either way: when the broker is not there yet we keep retrying in the background. */
  async start(): Promise<void> {
    await this.connect();
  }

  get buffered(): number {
    return this.outbox.size + this.inflight.size;
  }

  send(item: RabbitOutgoing): void {
    if (this.state === 'closed') return;
    if (this.state === 'up' && this.outbox.size === 0) this.publish(item);
    else this.outbox.push(item);
  }

  private publish(item: RabbitOutgoing): void {
    const ch = this.ch!;
    const gen = this.generation;
    const id = ++this.seq;
    this.inflight.set(id, item);
    try {
      ch.publish(item.exchange, item.routingKey, item.body, {
        contentType: 'application/json',
        replyTo: 'Janus',
        ...(item.correlationId !== undefined ? { correlationId: item.correlationId } : {}),
      }, (err) => {
        if (gen !== this.generation) return; // that channel is gone; `down()` already requeued it
        this.inflight.delete(id);
        if (err) {
          // a nack: the broker refused it; try again after the next reconnect rather than lose it
          this.log.warn({ err }, 'RabbitMQ refused a message, will retry');
          this.outbox.requeue([item]);
        } else this.stats.published++;
      });
    } catch (err) {
      // the channel closed under us: keep the message, the close handler reconnects
      this.inflight.delete(id);
      this.outbox.requeue([item]);
      this.log.debug({ err }, 'Publish failed on a closing channel');
    }
  }

  private flush(): void {
    while (this.state === 'up' && this.outbox.size > 0) {
      const item = this.outbox.shift()!;
      this.stats.republished++;
      this.publish(item);
    }
  }

  private async connect(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'connecting';
    const c = this.cfg;
    const socketOptions: tls.ConnectionOptions & { timeout?: number } = { timeout: 5000 };
    if (c.tls) {
      Object.assign(socketOptions, {
        ca: c.tls.ca ? [c.tls.ca] : undefined,
        cert: c.tls.cert,
        key: c.tls.key,
        rejectUnauthorized: c.tls.verifyPeer,
        servername: c.host,
      });
      if (!c.tls.verifyHostname) socketOptions.checkServerIdentity = () => undefined;
    }
    let conn: amqp.ChannelModel | undefined;
    try {
      conn = await amqp.connect({
        protocol: c.tls ? 'amqps' : 'amqp',
        hostname: c.host,
        port: c.port,
        username: c.username,
        password: c.password,
        vhost: c.vhost,
        heartbeat: c.heartbeat,
        frameMax: 131072,
      }, socketOptions);
      if ((this.state as LinkState) === 'closed') {
        await conn.close().catch(() => undefined);
        return;
      }
      const gen = ++this.generation;
      conn.on('error', (err) => this.log.debug({ err }, 'RabbitMQ connection error'));
      conn.on('close', (err) => this.down(gen, err ? String(err) : 'connection closed'));
      conn.on('blocked', (reason) => this.log.warn({ reason }, 'RabbitMQ blocked our connection (broker resource alarm)'));
      const ch = await conn.createConfirmChannel();
      ch.on('error', (err) => this.log.warn({ err }, 'RabbitMQ channel error'));
      // a channel closed by the broker (e.g. a declaration refused) leaves the connection up: recycle it
      ch.on('close', () => void conn!.close().catch(() => undefined));
      await this.declare(ch);
      this.conn = conn;
      this.ch = ch;
      this.state = 'up';
      this.backoff.reset();
      if (this.outageStart) {
        this.log.info({ outageMs: Date.now() - this.outageStart, buffered: this.outbox.size, dropped: this.outbox.dropped },
          'RabbitMQ connection back, queues re-declared, flushing buffered messages');
        this.stats.reconnects++;
        this.outageStart = 0;
      } else this.log.info({ host: c.host, port: c.port, vhost: c.vhost }, 'Connected to RabbitMQ');
      this.flush();
    } catch (err) {
      if (conn) await conn.close().catch(() => undefined);
      this.scheduleRetry(`connect failed: ${(err as Error).message}`);
    }
  }

  private async declare(ch: amqp.ConfirmChannel): Promise<void> {
    const c = this.cfg;
    const routed = c.exchange !== '' && (c.exchangeType === 'direct' || c.exchangeType === 'topic');
    if (c.exchange !== '') await ch.assertExchange(c.exchange, c.exchangeType, { durable: false, autoDelete: false, internal: false });
    for (const api of [c.janus, c.admin]) {
      if (!api) continue;
      await ch.assertQueue(api.queue, { durable: api.durable, autoDelete: api.autoDelete, exclusive: api.exclusive });
      if (routed) await ch.bindQueue(api.queue, c.exchange, api.toJanus);
      // declared, never bound (as Janus): with an exchange the backend binds its own queues
      if (api.declareOutgoing) await ch.assertQueue(api.fromJanus, { durable: false, autoDelete: false, exclusive: false });
      await ch.consume(api.queue, (msg) => {
        if (msg === null) {
          // consumer cancelled by the broker (queue deleted): reconnect, which re-declares it
          this.log.warn({ queue: api.queue }, 'RabbitMQ cancelled our consumer, reconnecting');
          void this.conn?.close().catch(() => undefined);
          return;
        }
        this.stats.received++;
        try {
          this.onDelivery(api, msg);
        } catch (err) {
          // whatever the message was, consumption goes on
          this.log.error({ err }, 'Failed to handle a RabbitMQ delivery');
        }
      }, { noAck: true });
    }
  }

  private down(gen: number, why: string): void {
    if (gen !== this.generation || this.state === 'closed') return;
    this.generation++;
    this.conn = undefined;
    this.ch = undefined;
    const unconfirmed = [...this.inflight.values()];
    this.inflight.clear();
    this.outbox.requeue(unconfirmed);
    this.scheduleRetry(why);
  }

  private scheduleRetry(why: string): void {
    if (this.state === 'closed') return;
    this.state = 'down';
    const delay = this.backoff.next();
    if (!this.outageStart) {
      this.outageStart = Date.now();
      this.log.error({ why, host: this.cfg.host, port: this.cfg.port, buffered: this.outbox.size },
        'RabbitMQ unreachable: buffering outgoing messages and reconnecting');
    } else this.log.debug({ why, delay }, 'RabbitMQ reconnect attempt failed');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  async stop(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    const conn = this.conn;
    this.conn = undefined;
    this.ch = undefined;
    if (conn) {
      // give the last confirms a moment, then close
      await Promise.race([this.waitConfirms(), new Promise((r) => setTimeout(r, 500))]);
      await conn.close().catch(() => undefined);
    }
    const left = this.outbox.clear() + this.inflight.size;
    if (left > 0) this.log.warn({ left }, 'RabbitMQ transport stopped with undelivered messages');
  }

  private async waitConfirms(): Promise<void> {
    for (let i = 0; i < 50 && this.inflight.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  }
}
