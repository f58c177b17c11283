import { WebSocket } from 'ws';
import type { ConfigView, JanusEvent, ModuleInfo } from '../../core/plugin-api';
import { QueuedEventHandler } from '../common/queued-handler';
import { Reconnector } from '../common/reconnector';

/** Janus's wsevh reconnects with a growing delay up to 8 s. */
const RECONNECT_MAX_MS = 8000;

/**
 * Janus's WebSocket event handler: a WebSocket *client* to `backend`, one text frame per event
 * (or per group of up to 100). While disconnected, events wait in the bounded queue
 * (`events_cap_on_reconnect`, Janus's key; janus-ts `events_cap` too) and the connection is retried
 * with backoff up to 8 s; once back, the queue drains in order.
 */
export default class WebSocketsEventHandler extends QueuedEventHandler {
  readonly info: ModuleInfo = {
    package: 'janus.eventhandler.wsevh',
    name: 'JANUS WebSocketsEventHandler plugin',
    author: 'janus-ts',
    description: 'Forwards events to a WebSocket server.',
    version: 1,
    versionString: '0.0.1',
  };
  protected readonly ownKeys = ['backend', 'subprotocol', 'ws_logging', 'events_cap_on_reconnect', 'reconnect_delay'];
  private backend!: string;
  private subprotocol?: string;
  private ws?: WebSocket;
  private reconnector!: Reconnector;
  private firstDelay = 1000;
  private stopping = false;

  protected configure(c: ConfigView): boolean {
    const backend = c.getString('general', 'backend');
    if (!backend || !/^wss?:\/\//i.test(backend)) {
      this.log.error({ backend }, 'Missing or invalid backend (a ws:// or wss:// URL), WebSocket event handler disabled');
      return false;
    }
    try {
      new URL(backend);
    } catch {
      this.log.error({ backend }, 'Invalid backend URL, WebSocket event handler disabled');
      return false;
    }
    this.backend = backend;
    this.subprotocol = c.getString('general', 'subprotocol') || undefined;
    this.firstDelay = Math.max(10, c.getInt('general', 'reconnect_delay') ?? 1000);
    return true;
  }

  protected override eventsCapKey(): string {
    return 'events_cap_on_reconnect';
  }

  protected retryPolicy() {
    // a batch that failed waits for the connection to come back: it is never given up on, the cap bounds memory
    return { maxRetransmissions: -1, backoffMs: this.firstDelay, backoffMaxMs: RECONNECT_MAX_MS };
  }

  protected start(): void {
    this.reconnector = new Reconnector(() => this.connect(), this.firstDelay, RECONNECT_MAX_MS, this.log, `WebSocket backend ${this.backend}`);
    this.connect();
  }

  private connect(): void {
    if (this.stopping) return;
    const ws = new WebSocket(this.backend, this.subprotocol ? [this.subprotocol] : [], { handshakeTimeout: 10_000 });
    this.ws = ws;
    ws.on('open', () => {
      this.reconnector.succeeded();
      this.log.info({ backend: this.backend }, 'Connected to the WebSocket backend');
      this.delivery.wake();
    });
    ws.on('message', () => {}); // the backend has nothing to say to us
    ws.on('error', (err) => {
      if (ws === this.ws) this.log.debug({ err }, 'WebSocket backend error');
    });
    ws.on('close', (code) => {
      if (ws !== this.ws || this.stopping) return;
      this.reconnector.failed(`closed (${code})`);
    });
  }

  protected sendBatch(batch: JanusEvent[]): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected'));
    const text = this.format(batch);
    return new Promise((resolve, reject) => ws.send(text, (err) => (err ? reject(err) : resolve())));
  }

  protected stop(): Promise<void> {
    this.stopping = true;
    this.reconnector?.stop();
    const ws = this.ws;
    this.ws = undefined;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 1000);
      ws.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000);
    });
  }
}
