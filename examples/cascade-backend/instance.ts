/**
 * One Janus (or janus-ts) instance driven over RabbitMQ: its own request/response queue pair
 * (`to_janus` / `from_janus` in its janus.transport.rabbitmq.jcfg), one Janus session kept alive,
 * replies matched by transaction, plugin events dispatched by handle.
 *
 * An instance is "down" when `keepaliveMisses` keepalives in a row get no answer within
 * `keepaliveTimeoutMs`, or at once when its session vanished (the instance restarted). The cascade listens for that to remove ghosts.
 */
import type { Channel } from 'amqplib';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface InstanceOptions {
  /** Name the backend uses for this instance (also part of the `remote_id` of forwarders to it). */
  name: string;
  /** Queue the instance consumes requests from (its `to_janus`). */
  toJanus: string;
  /** Queue the instance publishes replies and events to (its `from_janus`). */
  fromJanus: string;
  /** Address other instances send RTP to when they publish remotely towards this one. */
  mediaHost: string;
  /** VideoRoom room secret / admin key, when the rooms need them. */
  secret?: string;
  /** Keepalive period (ms, default 10 s; sessions time out after 60 s). */
  keepaliveMs?: number;
  /** A keepalive not answered within this (ms, default 5 s) is missed. */
  keepaliveTimeoutMs?: number;
  /** This many keepalives missed in a row (default 2) → the instance is down. One late answer on a busy host is not a death. */
  keepaliveMisses?: number;
  /** Timeout for any other request (ms, default 10 s). */
  requestTimeoutMs?: number;
}

/** A VideoRoom plugin error (`error_code`, `error` in the plugin data) or a Janus error. */
export class JanusError extends Error {
  constructor(readonly code: number, reason: string) {
    super(`${code} ${reason}`);
  }
}

interface Pending {
  resolve(m: Json): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  /** Wait past the `ack` for the event with the same transaction (async plugin requests). */
  async: boolean;
}

/**
 * Events: `plugin` (handleId, data, jsep?) for every plugin event of our handles, `down` (reason)
 * once when the instance stops answering, `up` once the session is (re)created.
 */
export class JanusInstance extends EventEmitter {
  readonly name: string;
  readonly mediaHost: string;
  readonly secret?: string;
  private session = 0;
  private pending = new Map<string, Pending>();
  private keepalive?: NodeJS.Timeout;
  private consumerTag?: string;
  private alive = false;
  private missed = 0;

  constructor(private readonly channel: Channel, private readonly opts: InstanceOptions) {
    super();
    this.name = opts.name;
    this.mediaHost = opts.mediaHost;
    this.secret = opts.secret;
  }

  get up(): boolean {
    return this.alive;
  }

  /** Declare the queue pair (same flags Janus declares them with), consume replies, create the session. */
  async start(): Promise<void> {
    await this.channel.assertQueue(this.opts.toJanus, { durable: false });
    await this.channel.assertQueue(this.opts.fromJanus, { durable: false });
    // events published while nobody listened belong to sessions that no longer exist
    await this.channel.purgeQueue(this.opts.fromJanus);
    const { consumerTag } = await this.channel.consume(this.opts.fromJanus, (msg) => {
      if (!msg) return;
      try {
        this.onMessage(JSON.parse(msg.content.toString()));
      } catch {
        /* not JSON: not from Janus */
      }
    }, { noAck: true });
    this.consumerTag = consumerTag;
    await this.connect();
    const every = this.opts.keepaliveMs ?? 10_000;
    this.keepalive = setInterval(() => void this.ping(), every);
  }

  async stop(): Promise<void> {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = undefined;
    if (this.alive && this.session) await this.request({ janus: 'destroy', session_id: this.session }).catch(() => undefined);
    this.alive = false;
    if (this.consumerTag) await this.channel.cancel(this.consumerTag).catch(() => undefined);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error(`${this.name} stopped`));
    }
    this.pending.clear();
  }

  /** Attach a plugin handle to our session. */
  async attach(plugin: string): Promise<number> {
    const r = await this.request({ janus: 'attach', session_id: this.session, plugin });
    return r.data.id as number;
  }

  async detach(handleId: number): Promise<void> {
    await this.request({ janus: 'detach', session_id: this.session, handle_id: handleId }).catch(() => undefined);
  }

  /** A synchronous plugin request: resolves with its plugin data, rejects on a plugin error. */
  async message(handleId: number, body: Json): Promise<Json> {
    const r = await this.request({ janus: 'message', session_id: this.session, handle_id: handleId, body });
    return pluginData(r);
  }

  /** An asynchronous plugin request (join, leave...): resolves with the event answering it. */
  async messageAsync(handleId: number, body: Json): Promise<Json> {
    const r = await this.request({ janus: 'message', session_id: this.session, handle_id: handleId, body }, true);
    return pluginData(r);
  }

  /** Send one Janus request, resolve with its reply (with `async`, the event after the ack). */
  request(body: Json, async = false): Promise<Json> {
    const transaction = randomBytes(8).toString('hex');
    const timeoutMs = this.opts.requestTimeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        reject(new Error(`${this.name}: no answer to ${body.janus}${body.body?.request ? ` ${body.body.request}` : ''} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(transaction, { resolve, reject, timer, async });
      this.channel.sendToQueue(this.opts.toJanus, Buffer.from(JSON.stringify({ ...body, transaction })), {
        contentType: 'application/json',
        correlationId: transaction,
      });
    });
  }

  private async connect(): Promise<void> {
    const created = await this.request({ janus: 'create' });
    this.session = created.data.id as number;
    this.alive = true;
    this.emit('up');
  }

  /** Keepalive; a missing answer (or a lost session) marks the instance down exactly once. */
  private async ping(): Promise<void> {
    if (!this.alive) {
      // a dead instance may come back: try a new session, quietly
      try {
        await this.connect();
      } catch {
        /* still down */
      }
      return;
    }
    const timeoutMs = this.opts.keepaliveTimeoutMs ?? 5_000;
    const t = new Promise<Json>((_, reject) => setTimeout(() => reject(new Error(`no keepalive answer in ${timeoutMs} ms`)), timeoutMs));
    try {
      await Promise.race([this.request({ janus: 'keepalive', session_id: this.session }), t]);
      this.missed = 0;
    } catch (e) {
      if (!this.alive) return;
      // a Janus error (458: no such session) means it restarted: down at once
      if (!(e instanceof JanusError) && ++this.missed < (this.opts.keepaliveMisses ?? 2)) return;
      this.missed = 0;
      this.alive = false;
      this.emit('down', (e as Error).message);
    }
  }

  private onMessage(m: Json): void {
    const p = typeof m.transaction === 'string' ? this.pending.get(m.transaction) : undefined;
    if (p && !(p.async && m.janus === 'ack')) {
      this.pending.delete(m.transaction);
      clearTimeout(p.timer);
      if (m.janus === 'error') p.reject(new JanusError(m.error?.code ?? 0, m.error?.reason ?? 'error'));
      else p.resolve(m);
      // an async answer is also a plugin event the owner may want (e.g. `joined`)
      if (m.janus !== 'event') return;
    }
    if (m.session_id !== this.session || !this.alive) return;
    if (m.janus === 'event' && m.plugindata) this.emit('plugin', m.sender as number, m.plugindata.data as Json, m.jsep as Json | undefined);
    else if (m.janus === 'detached' || m.janus === 'hangup') this.emit('handle-gone', m.sender as number);
  }
}

function pluginData(r: Json): Json {
  const data = (r.plugindata?.data ?? {}) as Json;
  if (data.error_code) throw new JanusError(data.error_code as number, data.error as string);
  return data;
}
