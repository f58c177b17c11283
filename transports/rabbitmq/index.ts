import type * as amqp from 'amqplib';
import {
  PLUGIN_API_VERSION,
  formatJsonChecked,
  isJsonObject,
  parseJsonStyle,
  parseRequestJson,
  type JanusMessage,
  type JsonObject,
  type ModuleInfo,
  type Transport,
  type TransportClient,
  type TransportContext,
  type TransportGateway,
} from '../../core/plugin-api';
import { parseErrorReply } from '../common/parse-error';
import { readRabbitConfig, type RabbitApiConfig, type RabbitConfig } from './config';
import { RabbitLink } from './link';

/**
 * The broker connection seen as one Janus client: every session created over RabbitMQ is owned
 * by it, and its events are published to `from_janus`. A broker outage is not a client going
 * away (as in Janus): sessions stay and time out unless the backend keeps them alive.
 */
class RabbitMqClient implements TransportClient {
  constructor(
    readonly transport: RabbitMqTransport,
    readonly remote: { ip: string; port?: number },
  ) {}

  sendEvent(message: JanusMessage): void {
    this.transport.publish(false, message);
  }
}

/** Janus API (and optionally Admin API) over AMQP 0-9-1 queues (Janus's `janus.transport.rabbitmq`). */
export default class RabbitMqTransport implements Transport {
  readonly kind = 'transport' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info: ModuleInfo = {
    package: 'janus.transport.rabbitmq',
    name: 'JANUS RabbitMQ transport plugin',
    author: 'janus-ts',
    description: 'This transport plugin adds RabbitMQ support to the Janus API via amqplib.',
    version: 1,
    versionString: '0.0.1',
  };

  private cfg!: RabbitConfig;
  private gateway!: TransportGateway;
  private log!: TransportContext['logger'];
  private link?: RabbitLink;
  private client!: RabbitMqClient;

  isJanusApiEnabled(): boolean {
    return !!this.link;
  }

  isAdminApiEnabled(): boolean {
    return !!this.link && !!this.cfg.admin;
  }

  async init(ctx: TransportContext): Promise<boolean> {
    this.log = ctx.logger;
    this.gateway = ctx.gateway;
    const cfg = readRabbitConfig(ctx.config);
    if (!cfg) {
      this.log.info('RabbitMQ transport disabled (general.enabled = false)');
      return false;
    }
    this.cfg = cfg;
    this.client = new RabbitMqClient(this, { ip: cfg.host, port: cfg.port });
    this.link = new RabbitLink(cfg, this.log, (api, msg) => this.onDelivery(api, msg));
    await this.link.start();
    return true;
  }

  private onDelivery(api: RabbitApiConfig, msg: amqp.ConsumeMessage): void {
    // nothing a delivery carries may escape into the broker client (it would end the process)
    try {
      this.handleDelivery(api, msg);
    } catch (err) {
      this.log.error({ err }, 'Failed to handle a RabbitMQ message');
    }
  }

  private handleDelivery(api: RabbitApiConfig, msg: amqp.ConsumeMessage): void {
    const props = msg.properties;
    const correlationId = props.correlationId === undefined || props.correlationId === null ? undefined : String(props.correlationId);
    const replyTo = typeof props.replyTo === 'string' && props.replyTo !== '' ? props.replyTo : undefined;
    // Janus decides by routing key; we also trust the queue it came from (a queue_name_admin on the default exchange)
    const admin = api.admin || (!!this.cfg.admin && msg.fields.routingKey === this.cfg.admin.toJanus);
    if (replyTo) this.log.debug({ replyTo, correlationId }, 'Request carries reply_to');
    const reply = (m: JanusMessage) => this.publish(admin, m, correlationId, this.cfg.replyToRouting ? replyTo : undefined);
    const text = msg.content.toString('utf8');
    const parsed = parseRequestJson(text);
    if (!parsed.ok) {
      reply(parseErrorReply(admin, parsed, text));
      return;
    }
    // a JSON array is handed over as is: the core answers 456 (no transaction), as Janus does here
    this.gateway.incomingRequest({ client: this.client, admin, message: parsed.value, reply });
  }

  /** Publish a reply (with the request's correlation id) or an event (without). Never throws. */
  publish(admin: boolean, message: JanusMessage, correlationId?: string, replyTo?: string): void {
    const link = this.link;
    if (!link) return;
    const api = admin && this.cfg.admin ? this.cfg.admin : this.cfg.janus;
    link.send({
      exchange: replyTo ? '' : this.cfg.exchange,
      routingKey: replyTo ?? api.fromJanus,
      body: Buffer.from(this.serialise(message)),
      correlationId,
    });
  }

  private serialise(message: JanusMessage): string {
    const out = formatJsonChecked(message, this.cfg.json);
    if (out.error) this.log.error({ err: out.error }, 'A reply or event could not be serialised: sent a 500 error instead');
    return out.text;
  }

  async destroy(): Promise<void> {
    const link = this.link;
    this.link = undefined;
    await link?.stop();
  }

  queryTransport(request: unknown): JsonObject {
    if (!isJsonObject(request) || typeof request.request !== 'string') return { error_code: 411, error: 'Missing mandatory element (request)' };
    if (request.request === 'configure') {
      if (request.events !== undefined) this.cfg.events = request.events === true;
      if (typeof request.json === 'string') this.cfg.json = parseJsonStyle(request.json, this.cfg.json);
      return { result: 200 };
    }
    if (request.request === 'status') {
      const l = this.link;
      return {
        result: 200,
        status: {
          connected: l?.state === 'up',
          state: l?.state ?? 'closed',
          buffered: l?.buffered ?? 0,
          max_buffered: this.cfg.maxBuffered,
          dropped: l?.outbox.dropped ?? 0,
          published: l?.stats.published ?? 0,
          received: l?.stats.received ?? 0,
          reconnects: l?.stats.reconnects ?? 0,
        },
      };
    }
    return { error_code: 412, error: `Unsupported request ${request.request}` };
  }
}
