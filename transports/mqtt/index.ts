import * as mqtt from 'mqtt';
import {
  PLUGIN_API_VERSION,
  formatJsonChecked,
  isJsonObject,
  parseJsonStyle,
  parseRequestJson,
  Backoff,
  type JanusMessage,
  type JsonObject,
  type ModuleInfo,
  type Transport,
  type TransportClient,
  type TransportContext,
  type TransportGateway,
} from '../../core/plugin-api';
import { Outbox } from '../common/outbox';
import { parseErrorReply } from '../common/parse-error';
import { readMqttConfig, type MqttApiTopics, type MqttConfig } from './config';
import { V5Routes, type V5Route } from './v5-routes';

interface MqttOutgoing {
  topic: string;
  payload: string;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: mqtt.IClientPublishOptions['properties'];
}

/** The broker connection as one Janus client: it owns every session created over MQTT. */
class MqttTransportClient implements TransportClient {
  constructor(
    readonly transport: MqttTransport,
    readonly remote: { ip: string; port?: number },
  ) {}

  sendEvent(message: JanusMessage): void {
    this.transport.publishEvent(message);
  }
}

/**
 * Janus API (and optionally Admin API) over MQTT 3.1, 3.1.1 or 5 (Janus's `janus.transport.mqtt`).
 * Replies and events go to `publish_topic`; in v5 mode a request's Response Topic and Correlation
 * Data route its reply and the events carrying its transaction. While the broker is unreachable
 * outgoing messages wait in a bounded buffer (`max_buffered`) and are published on reconnect.
 */
export default class MqttTransport implements Transport {
  readonly kind = 'transport' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info: ModuleInfo = {
    package: 'janus.transport.mqtt',
    name: 'JANUS MQTT transport plugin',
    author: 'janus-ts',
    description: 'This transport plugin adds MQTT support to the Janus API via mqtt.js.',
    version: 1,
    versionString: '0.0.1',
  };

  private cfg!: MqttConfig;
  private gateway!: TransportGateway;
  private log!: TransportContext['logger'];
  private client?: mqtt.MqttClient;
  private owner!: MqttTransportClient;
  private outbox!: Outbox<MqttOutgoing>;
  private routes?: V5Routes;
  private vacuumTimer?: NodeJS.Timeout;
  private readonly backoff = new Backoff(100, 1.5, 5000);
  private up = false;
  private closing = false;
  private outageStart = 0;
  private readonly stats = { published: 0, received: 0, reconnects: 0 };

  isJanusApiEnabled(): boolean {
    return !!this.client;
  }

  isAdminApiEnabled(): boolean {
    return !!this.client && !!this.cfg.admin;
  }

  async init(ctx: TransportContext): Promise<boolean> {
    this.log = ctx.logger;
    this.gateway = ctx.gateway;
    const cfg = readMqttConfig(ctx.config);
    if (!cfg) {
      this.log.info('MQTT transport disabled (general.enabled = false)');
      return false;
    }
    this.cfg = cfg;
    this.outbox = new Outbox(cfg.maxBuffered, this.log, 'MQTT');
    if (cfg.version === 5) {
      this.routes = new V5Routes(cfg.proxyUserProperties, cfg.addUserProperties);
      this.vacuumTimer = setInterval(() => this.routes?.vacuum(cfg.vacuumInterval * 1000), cfg.vacuumInterval * 1000);
      this.vacuumTimer.unref();
    }
    const host = new URL(cfg.url);
    this.owner = new MqttTransportClient(this, { ip: host.hostname, port: host.port ? Number(host.port) : undefined });
    const s = cfg.status;
    const client = mqtt.connect(cfg.url, {
      protocolVersion: cfg.version,
      protocolId: cfg.version === 3 ? 'MQIsdp' : 'MQTT',
      clientId: cfg.clientId,
      username: cfg.username,
      password: cfg.password,
      keepalive: cfg.keepAlive,
      clean: cfg.clean,
      reconnectPeriod: 100,
      connectTimeout: 5000,
      resubscribe: false, // we subscribe on every connect ourselves (the broker may have lost the session)
      ...(s?.disconnectMessage !== undefined ? { will: { topic: s.topic, payload: Buffer.from(s.disconnectMessage), qos: s.qos, retain: s.retain } } : {}),
      ...(cfg.tls ? { ca: cfg.tls.ca, cert: cfg.tls.cert, key: cfg.tls.key, rejectUnauthorized: cfg.tls.verifyPeer } : {}),
    });
    this.client = client;
    client.on('connect', () => void this.onConnect());
    client.on('reconnect', () => {
      // mqtt.js reads reconnectPeriod each time it schedules: this makes it an exponential backoff
      client.options.reconnectPeriod = this.backoff.next();
    });
    client.on('close', () => this.onDown());
    client.on('error', (err) => this.log.debug({ err }, 'MQTT client error'));
    client.on('message', (topic, payload, packet) => this.onMessage(topic, payload, packet));
    // wait (bounded) for the first connection so a server that starts with the broker up is ready at once
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        if (!this.up) this.log.error({ url: cfg.url }, 'MQTT broker not reachable yet: retrying in the background, buffering outgoing messages');
        resolve();
      }, 2000);
      const ready = () => {
        clearTimeout(t);
        resolve();
      };
      this.readyWaiter = ready;
    });
    return true;
  }

  private readyWaiter?: () => void;

  private async onConnect(): Promise<void> {
    const client = this.client;
    if (!client || this.closing) return;
    this.backoff.reset();
    client.options.reconnectPeriod = 100;
    // small request/reply messages: Nagle + delayed ACK would add ~40 ms to each round trip
    (client.stream as { setNoDelay?: (v: boolean) => void }).setNoDelay?.(true);
    const topics: MqttApiTopics[] = [this.cfg.janus, ...(this.cfg.admin ? [this.cfg.admin] : [])];
    try {
      for (const t of topics) {
        const granted = await client.subscribeAsync(t.subscribe, { qos: t.subscribeQos });
        if (granted.some((g) => g.qos > 2)) this.log.error({ topic: t.subscribe, granted }, 'MQTT broker refused our subscription');
      }
    } catch (err) {
      // the connection dropped while subscribing: the next `connect` does it again
      this.log.warn({ err }, 'MQTT subscribe failed');
      return;
    }
    if (client !== this.client || !client.connected) return;
    this.up = true;
    if (this.outageStart) {
      this.stats.reconnects++;
      this.log.info({ outageMs: Date.now() - this.outageStart, buffered: this.outbox.size, dropped: this.outbox.dropped },
        'MQTT broker back, subscriptions renewed, flushing buffered messages');
      this.outageStart = 0;
    } else this.log.info({ url: this.cfg.url, version: this.cfg.version }, 'Connected to MQTT broker');
    const s = this.cfg.status;
    if (s?.connectMessage !== undefined) {
      this.outbox.requeue([{ topic: s.topic, payload: s.connectMessage, qos: s.qos, retain: s.retain }]);
    }
    this.flush();
    this.readyWaiter?.();
    this.readyWaiter = undefined;
  }

  private onDown(): void {
    if (this.closing) return;
    if (this.up || !this.outageStart) {
      this.outageStart = Date.now();
      this.log.error({ url: this.cfg.url, buffered: this.outbox.size }, 'MQTT broker connection lost: buffering outgoing messages and reconnecting');
    }
    this.up = false;
  }

  private onMessage(topic: string, payload: Buffer, packet: mqtt.IPublishPacket): void {
    try {
      if (payload.length === 0) return;
      this.stats.received++;
      const admin = !!this.cfg.admin && topic.toLowerCase() === this.cfg.admin.subscribe.toLowerCase();
      const text = payload.toString('utf8');
      const parsed = parseRequestJson(text);
      const message = parsed.ok ? parsed.value : undefined;
      let route: V5Route | undefined;
      if (this.routes && !admin) {
        route = this.routes.build(packet.properties);
        const tx = isJsonObject(message) ? message.transaction : undefined;
        if (typeof tx === 'string') this.routes.remember(tx, route);
      }
      const reply = (m: JanusMessage) => this.publish(admin, m, route);
      // a JSON array is handed over as is: the core answers 456 (no transaction), as Janus does here
      if (!parsed.ok) reply(parseErrorReply(admin, parsed, text));
      else this.gateway.incomingRequest({ client: this.owner, admin, message, reply });
    } catch (err) {
      // whatever the message was, consumption goes on
      this.log.error({ err }, 'Failed to handle an MQTT message');
    }
  }

  private serialise(message: JanusMessage): string {
    const out = formatJsonChecked(message, this.cfg.json);
    if (out.error) this.log.error({ err: out.error }, 'A reply or event could not be serialised: sent a 500 error instead');
    return out.text;
  }

  /** An event for a session we own: routed like its request in v5 mode when it carries a known transaction. */
  publishEvent(message: JanusMessage): void {
    this.publish(false, message, this.routes?.lookup(message.transaction));
  }

  private publish(admin: boolean, message: JanusMessage, route?: V5Route): void {
    if (!this.client || this.closing) return;
    const api = admin && this.cfg.admin ? this.cfg.admin : this.cfg.janus;
    const item: MqttOutgoing = { topic: route?.responseTopic ?? api.publish, payload: this.serialise(message), qos: api.publishQos, retain: false };
    if (route && (route.correlationData || route.userProperties)) {
      item.properties = {
        ...(route.correlationData ? { correlationData: route.correlationData } : {}),
        ...(route.userProperties ? { userProperties: route.userProperties } : {}),
      };
    }
    if (this.up && this.outbox.size === 0) this.send(item);
    else this.outbox.push(item);
  }

  private send(item: MqttOutgoing): void {
    const client = this.client!;
    client.publish(item.topic, item.payload, { qos: item.qos, retain: item.retain, ...(item.properties ? { properties: item.properties } : {}) }, (err) => {
      if (!err) {
        this.stats.published++;
        return;
      }
      if (this.closing) return;
      // not handed to the broker (connection dropped before it was written): keep it for the reconnect
      this.log.debug({ err }, 'MQTT publish failed, buffering');
      this.outbox.requeue([item]);
      if (this.up && client.connected) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    while (this.up && this.client?.connected && this.outbox.size > 0) this.send(this.outbox.shift()!);
  }

  async destroy(): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (this.vacuumTimer) clearInterval(this.vacuumTimer);
    const s = this.cfg.status;
    if (s?.disconnectMessage !== undefined && client.connected) {
      // a clean disconnect does not fire the will: say it ourselves
      await Promise.race([
        client.publishAsync(s.topic, s.disconnectMessage, { qos: s.qos, retain: s.retain }).catch(() => undefined),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
    }
    this.closing = true;
    this.up = false;
    const left = this.outbox.clear();
    if (left > 0) this.log.warn({ left }, 'MQTT transport stopped with undelivered messages');
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => client.end(true, {}, () => resolve()), this.cfg.disconnectTimeout);
      client.end(false, {}, () => {
        clearTimeout(t);
        resolve();
      });
    });
    this.client = undefined;
  }

  queryTransport(request: unknown): JsonObject {
    if (!isJsonObject(request) || typeof request.request !== 'string') return { error_code: 411, error: 'Missing mandatory element (request)' };
    if (request.request === 'configure') {
      if (request.events !== undefined) this.cfg.events = request.events === true;
      if (typeof request.json === 'string') this.cfg.json = parseJsonStyle(request.json, this.cfg.json);
      return { result: 200 };
    }
    if (request.request === 'status') {
      return {
        result: 200,
        status: {
          connected: this.up,
          buffered: this.outbox.size,
          max_buffered: this.cfg.maxBuffered,
          dropped: this.outbox.dropped,
          published: this.stats.published,
          received: this.stats.received,
          reconnects: this.stats.reconnects,
          v5_routes: this.routes?.size ?? 0,
        },
      };
    }
    return { error_code: 412, error: `Unsupported request ${request.request}` };
  }
}
