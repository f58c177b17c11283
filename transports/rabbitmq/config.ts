import * as fs from 'node:fs';
import { parseJsonStyle, type ConfigView, type JsonStyle } from '../../core/plugin-api';

/** Keys of `janus.transport.rabbitmq.jcfg` (Janus's, plus our documented `max_buffered` and `reply_to_routing`). */
export const rabbitKnownKeys = {
  general: ['enabled', 'enable', 'events', 'json', 'host', 'port', 'vhost', 'username', 'password', 'janus_exchange',
    'janus_exchange_type', 'queue_name', 'to_janus', 'from_janus', 'declare_outgoing_queue', 'queue_durable',
    'queue_autodelete', 'queue_exclusive', 'heartbeat', 'ssl_enabled', 'ssl_enable', 'ssl_cacert', 'ssl_cert', 'ssl_key',
    'ssl_verify_peer', 'ssl_verify_hostname', 'max_buffered', 'reply_to_routing'],
  admin: ['admin_enabled', 'admin_enable', 'queue_name_admin', 'to_janus_admin', 'from_janus_admin', 'declare_outgoing_queue_admin',
    'queue_durable_admin', 'queue_autodelete_admin', 'queue_exclusive_admin'],
};

export const EXCHANGE_TYPES = ['fanout', 'direct', 'topic', 'headers'] as const;

/** One direction pair (Janus API or Admin API): where requests come from and replies go. */
export interface RabbitApiConfig {
  admin: boolean;
  /** Queue we consume from: `queue_name` if set, else `to_janus`. */
  queue: string;
  /** Routing key requests are published with (binding key on `janus_exchange` for direct/topic). */
  toJanus: string;
  /** Routing key (and queue name when declared) of everything we publish. */
  fromJanus: string;
  declareOutgoing: boolean;
  durable: boolean;
  autoDelete: boolean;
  exclusive: boolean;
}

export interface RabbitConfig {
  events: boolean;
  json: JsonStyle;
  host: string;
  port: number;
  vhost: string;
  username: string;
  password: string;
  heartbeat: number;
  /** Empty: the AMQP default exchange. */
  exchange: string;
  exchangeType: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; verifyPeer: boolean; verifyHostname: boolean };
  janus: RabbitApiConfig;
  admin?: RabbitApiConfig;
  /** Cap of the outgoing buffer used while the broker is unreachable. */
  maxBuffered: number;
  /** Ours, off by default (Janus only logs `reply_to`): send direct replies to the request's `reply_to` queue. */
  replyToRouting: boolean;
}

/** Parse the file; `undefined` means "not enabled". Throws on a config Janus also refuses (missing queue names, bad exchange type). */
export function readRabbitConfig(cfg: ConfigView): RabbitConfig | undefined {
  for (const [cat, keys] of Object.entries(rabbitKnownKeys)) cfg.warnUnknown(cat, keys);
  const g = 'general';
  const enabled = cfg.getBool(g, 'enabled', cfg.getBool(g, 'enable', false));
  if (!enabled) return undefined;
  const str = (cat: string, key: string, def?: string) => {
    const v = cfg.getString(cat, key);
    return v === undefined || v === '' ? def : v;
  };
  const exchangeType = (str(g, 'janus_exchange_type', 'fanout') as string).toLowerCase();
  if (!(EXCHANGE_TYPES as readonly string[]).includes(exchangeType)) {
    throw new Error(`Invalid janus_exchange_type '${exchangeType}' (direct, topic, headers or fanout)`);
  }
  const toJanus = str(g, 'to_janus', 'to-janus') as string;
  const fromJanus = str(g, 'from_janus', 'from-janus') as string;
  const janus: RabbitApiConfig = {
    admin: false,
    queue: str(g, 'queue_name') ?? toJanus,
    toJanus,
    fromJanus,
    declareOutgoing: cfg.getBool(g, 'declare_outgoing_queue', true),
    durable: cfg.getBool(g, 'queue_durable', false),
    autoDelete: cfg.getBool(g, 'queue_autodelete', false),
    exclusive: cfg.getBool(g, 'queue_exclusive', false),
  };
  let admin: RabbitApiConfig | undefined;
  if (cfg.getBool('admin', 'admin_enabled', cfg.getBool('admin', 'admin_enable', false))) {
    const a = 'admin';
    const toAdmin = str(a, 'to_janus_admin', 'to-janus-admin') as string;
    admin = {
      admin: true,
      queue: str(a, 'queue_name_admin') ?? toAdmin,
      toJanus: toAdmin,
      fromJanus: str(a, 'from_janus_admin', 'from-janus-admin') as string,
      declareOutgoing: cfg.getBool(a, 'declare_outgoing_queue_admin', janus.declareOutgoing),
      durable: cfg.getBool(a, 'queue_durable_admin', false),
      autoDelete: cfg.getBool(a, 'queue_autodelete_admin', false),
      exclusive: cfg.getBool(a, 'queue_exclusive_admin', false),
    };
    if (admin.queue === janus.queue) throw new Error('Admin API and Janus API cannot share the same queue');
  }
  let tls: RabbitConfig['tls'];
  if (cfg.getBool(g, 'ssl_enabled', cfg.getBool(g, 'ssl_enable', false))) {
    const read = (key: string) => {
      const f = str(g, key);
      return f ? fs.readFileSync(f) : undefined;
    };
    tls = {
      ca: read('ssl_cacert'),
      cert: read('ssl_cert'),
      key: read('ssl_key'),
      verifyPeer: cfg.getBool(g, 'ssl_verify_peer', false),
      verifyHostname: cfg.getBool(g, 'ssl_verify_hostname', false),
    };
  }
  return {
    events: cfg.getBool(g, 'events', true),
    json: parseJsonStyle(cfg.getString(g, 'json')),
    host: str(g, 'host', 'localhost') as string,
    port: cfg.getInt(g, 'port') ?? 5672,
    vhost: str(g, 'vhost', '/') as string,
    username: str(g, 'username', 'guest') as string,
    password: cfg.getString(g, 'password') ?? 'guest',
    heartbeat: Math.max(0, cfg.getInt(g, 'heartbeat') ?? 0),
    exchange: str(g, 'janus_exchange') ?? '',
    exchangeType,
    tls,
    janus,
    admin,
    maxBuffered: Math.max(0, cfg.getInt(g, 'max_buffered') ?? 1000),
    replyToRouting: cfg.getBool(g, 'reply_to_routing', false),
  };
}
