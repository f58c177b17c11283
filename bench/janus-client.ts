/** A minimal Janus API client over WebSocket for the benchmarks (works against any Janus-API server). */
import WebSocket from 'ws';

type Msg = Record<string, any>;

export class JanusClient {
  private pending = new Map<string, (m: Msg) => void>();
  private waiters: Array<{ pred: (m: Msg) => boolean; resolve: (m: Msg) => void }> = [];
  private tx = 0;
  private ka?: NodeJS.Timeout;
  private listeners: Array<(m: Msg) => void> = [];
  session = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as Msg;
      for (const l of this.listeners) l(m);
      const t = m.transaction as string | undefined;
      if (t && this.pending.has(t) && m.janus !== 'event' && m.janus !== 'ack') {
        this.pending.get(t)!(m);
        this.pending.delete(t);
        return;
      }
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  static async connect(url: string): Promise<JanusClient> {
    const ws = new WebSocket(url, 'janus-protocol');
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    const c = new JanusClient(ws);
    const r = await c.request({ janus: 'create' });
    c.session = r.data.id;
    c.ka = setInterval(() => ws.send(JSON.stringify({ janus: 'keepalive', session_id: c.session, transaction: 'ka' })), 15000);
    return c;
  }

  request(body: Msg): Promise<Msg> {
    const transaction = `t${++this.tx}`;
    return new Promise((resolve) => {
      this.pending.set(transaction, resolve);
      this.ws.send(JSON.stringify({ ...body, transaction, ...(this.session ? { session_id: this.session } : {}) }));
    });
  }

  async attach(plugin: string): Promise<number> {
    const r = await this.request({ janus: 'attach', plugin });
    if (r.janus !== 'success') throw new Error(JSON.stringify(r));
    return r.data.id;
  }

  /** An async plugin request: resolves with the event carrying the same transaction. */
  message(handle: number, body: Msg, jsep?: Msg, timeoutMs = 20000): Promise<Msg> {
    const transaction = `m${++this.tx}`;
    const p = this.waitFor((m) => (m.janus === 'event' || m.janus === 'error') && m.transaction === transaction, timeoutMs);
    this.ws.send(JSON.stringify({ janus: 'message', session_id: this.session, handle_id: handle, transaction, body, ...(jsep ? { jsep } : {}) }));
    return p;
  }

  /** A synchronous plugin request (`success` reply). */
  async sync(handle: number, body: Msg): Promise<Msg> {
    const r = await this.request({ janus: 'message', handle_id: handle, body });
    return r.plugindata?.data ?? r;
  }

  /** Every message from the server (events the bench only logs). */
  onEvent(f: (m: Msg) => void): void {
    this.listeners.push(f);
  }

  waitFor(pred: (m: Msg) => boolean, timeoutMs = 20000): Promise<Msg> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('timeout waiting for a Janus event')), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t);
          resolve(m);
        },
      });
    });
  }

  close(): void {
    if (this.ka) clearInterval(this.ka);
    this.ws.close();
  }
}
