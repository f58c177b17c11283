import * as fs from 'node:fs';
import { parseJsonStyle, type ConfigView, type JsonStyle } from '../../core/plugin-api';

/** Keys of `janus.transport.mqtt.jcfg` (all of Janus's). */
export const mqttKnownKeys = {
  general: ['enabled', 'enable', 'events', 'json', 'url', 'mqtt_version', 'client_id', 'username', 'password', 'keep_alive_interval',
    'cleansession', 'max_inflight', 'max_buffered', 'disconnect_timeout', 'subscribe_topic', 'subscribe_qos', 'publish_topic',
    'publish_qos', 'ssl_enabled', 'ssl_enable', 'cacertfile', 'certfile', 'keyfile', 'verify_peer', 'vacuum_interval',
    'proxy_transaction_user_properties', 'add_transaction_user_properties'],
  admin: ['admin_enabled', 'admin_enable', 'subscribe_topic', 'subscribe_qos', 'publish_topic', 'publish_qos'],
  status: ['enabled', 'connect_message', 'disconnect_message', 'topic', 'qos', 'retain'],
};

export type MqttVersion = 3 | 4 | 5;
export type Qos = 0 | 1 | 2;

export interface MqttApiTopics {
  subscribe: string;
  subscribeQos: Qos;
  publish: string;
  publishQos: Qos;
}

export interface MqttConfig {
  events: boolean;
  json: JsonStyle;
  /** mqtt.js form of the URL (`tcp://` → `mqtt://`, `ssl://` → `mqtts://`). */
  url: string;
  /** 3 = MQTT 3.1 (MQIsdp), 4 = 3.1.1, 5 = 5.0. */
  version: MqttVersion;
  clientId: string;
  username: string;
  password: string;
  keepAlive: number;
  clean: boolean;
  maxInflight: number;
  /** Cap of the outgoing buffer while the broker is unreachable (Janus's `max_buffered`). */
  maxBuffered: number;
  disconnectTimeout: number;
  janus: MqttApiTopics;
  admin?: MqttApiTopics;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; verifyPeer: boolean };
  /** v5: seconds a request's properties are kept for its events. */
  vacuumInterval: number;
  proxyUserProperties: string[];
  addUserProperties: Array<[string, string]>;
  status?: { connectMessage?: string; disconnectMessage?: string; topic: string; qos: Qos; retain: boolean };
}

function qos(v: number | undefined, def: Qos): Qos {
  return v === 0 || v === 1 || v === 2 ? v : def;
}

/** Parse the file; `undefined` means "not enabled". Throws on values Janus also refuses. */
export function readMqttConfig(cfg: ConfigView): MqttConfig | undefined {
  for (const [cat, keys] of Object.entries(mqttKnownKeys)) cfg.warnUnknown(cat, keys);
  const g = 'general';
  if (!cfg.getBool(g, 'enabled', cfg.getBool(g, 'enable', false))) return undefined;
  const str = (cat: string, key: string, def?: string) => {
    const v = cfg.getString(cat, key);
    return v === undefined || v === '' ? def : v;
  };
  const versionText = str(g, 'mqtt_version', '3.1.1') as string;
  const version = ({ '3.1': 3, '3.1.1': 4, '5': 5, '5.0': 5 } as Record<string, MqttVersion>)[versionText.trim()];
  if (!version) throw new Error(`Invalid mqtt_version '${versionText}' (3.1, 3.1.1 or 5)`);
  const url = (str(g, 'url', 'tcp://localhost:1883') as string).replace(/^tcp:\/\//i, 'mqtt://').replace(/^ssl:\/\//i, 'mqtts://');
  const janus: MqttApiTopics = {
    subscribe: str(g, 'subscribe_topic', 'to-janus') as string,
    subscribeQos: qos(cfg.getInt(g, 'subscribe_qos'), 1),
    publish: str(g, 'publish_topic', 'from-janus') as string,
    publishQos: qos(cfg.getInt(g, 'publish_qos'), 1),
  };
  let admin: MqttApiTopics | undefined;
  if (cfg.getBool('admin', 'admin_enabled', cfg.getBool('admin', 'admin_enable', false))) {
    admin = {
      subscribe: str('admin', 'subscribe_topic', 'to-janus-admin') as string,
      subscribeQos: qos(cfg.getInt('admin', 'subscribe_qos'), 1),
      publish: str('admin', 'publish_topic', 'from-janus-admin') as string,
      publishQos: qos(cfg.getInt('admin', 'publish_qos'), 1),
    };
    if (admin.subscribe.toLowerCase() === janus.subscribe.toLowerCase()) throw new Error('Admin API and Janus API cannot share the subscribe topic');
  }
  let tls: MqttConfig['tls'];
  if (cfg.getBool(g, 'ssl_enabled', cfg.getBool(g, 'ssl_enable', false)) || url.startsWith('mqtts://')) {
    const read = (key: string) => {
      const f = str(g, key);
      return f ? fs.readFileSync(f) : undefined;
    };
    tls = { ca: read('cacertfile'), cert: read('certfile'), key: read('keyfile'), verifyPeer: cfg.getBool(g, 'verify_peer', false) };
  }
  let status: MqttConfig['status'];
  if (cfg.getBool('status', 'enabled', false)) {
    status = {
      connectMessage: cfg.getString('status', 'connect_message'),
      disconnectMessage: cfg.getString('status', 'disconnect_message'),
      topic: str('status', 'topic', 'status') as string,
      qos: qos(cfg.getInt('status', 'qos'), 1),
      retain: cfg.getBool('status', 'retain', false),
    };
  }
  const addRaw = cfg.getRaw(g, 'add_transaction_user_properties');
  const addUserProperties: Array<[string, string]> = [];
  if (Array.isArray(addRaw)) {
    for (const pair of addRaw) {
      if (Array.isArray(pair) && pair.length === 2 && pair.every((x) => typeof x === 'string' || typeof x === 'number')) {
        addUserProperties.push([String(pair[0]), String(pair[1])]);
      } else throw new Error('add_transaction_user_properties must be a list of ["key", "value"] pairs');
    }
  }
  return {
    events: cfg.getBool(g, 'events', true),
    json: parseJsonStyle(cfg.getString(g, 'json')),
    url,
    version,
    clientId: str(g, 'client_id', 'guest') as string,
    username: cfg.getString(g, 'username') ?? 'guest',
    password: cfg.getString(g, 'password') ?? 'guest',
    keepAlive: Math.max(0, cfg.getInt(g, 'keep_alive_interval') ?? 20),
    clean: cfg.getBool(g, 'cleansession', false),
    maxInflight: Math.max(1, cfg.getInt(g, 'max_inflight') ?? 10),
    maxBuffered: Math.max(0, cfg.getInt(g, 'max_buffered') ?? 100),
    disconnectTimeout: Math.max(0, cfg.getInt(g, 'disconnect_timeout') ?? 100),
    janus,
    admin,
    tls,
    vacuumInterval: Math.max(1, cfg.getInt(g, 'vacuum_interval') ?? 60),
    proxyUserProperties: cfg.getList(g, 'proxy_transaction_user_properties'),
    addUserProperties,
    status,
  };
}
