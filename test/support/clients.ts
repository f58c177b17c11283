import { WebSocket } from 'ws';

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Parsed body, or undefined when not JSON. */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** One HTTP request; `body` objects are sent as JSON, strings as they are. */
export async function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await fetch(url, {
    method,
    headers,
    redirect: 'manual',
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const h: Record<string, string> = {};
  res.headers.forEach((v, k) => (h[k] = v));
  return { status: res.status, headers: h, text, json };
}

export const post = (url: string, body: unknown) => request('POST', url, body);
export const get = (url: string) => request('GET', url);

/** A WebSocket client that keeps every message and lets tests wait for one. */
export class WsClient {
  readonly messages: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  private waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  private tx = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      this.messages.push(m);
      for (const w of [...this.waiters]) {
        if (w.pred(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }

  static connect(port: number, protocol: string | undefined = 'janus-protocol'): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = protocol ? new WebSocket(`ws://127.0.0.1:${port}/`, protocol) : new WebSocket(`ws://127.0.0.1:${port}/`);
      const c = new WsClient(ws);
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Send a request (a transaction is added when missing) and wait for the reply with that transaction. */
  async request(msg: Record<string, unknown>, timeoutMs = 5000): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const transaction = (msg.transaction as string | undefined) ?? `t${++this.tx}`;
    const wait = this.next((m) => m.transaction === transaction && m.janus !== 'event', timeoutMs);
    this.ws.send(JSON.stringify({ ...msg, transaction }));
    return wait;
  }

  /** The first message (already received or coming) that matches. */
  next(pred: (m: any) => boolean, timeoutMs = 5000): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const seen = this.messages.find(pred);
    if (seen) {
      this.messages.splice(this.messages.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (m: unknown) => {
          clearTimeout(timer);
          this.messages.splice(this.messages.indexOf(m), 1);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`WS: no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 500)}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
