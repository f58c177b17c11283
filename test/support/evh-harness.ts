/** Helpers for the event-handler tests: a real HTTP sink, config folders, a server, HTTP API calls. */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { JanusServer } from '../../core/server';
import type { ConfigOverrides } from '../../core/config/config-store';

export interface SinkPost {
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: unknown;
}

/**
 * A web server receiving the sample handler's POSTs. `failNext(n)` makes the next n requests fail
 * at the network level (socket destroyed, as a crashed backend), `down = true` fails all.
 */
export class HttpSink {
  readonly posts: SinkPost[] = [];
  failed = 0;
  down = false;
  private failing = 0;
  private server?: http.Server;
  private waiters: Array<() => void> = [];

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      if (this.down || this.failing > 0) {
        if (this.failing > 0) this.failing--;
        this.failed++;
        req.socket.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let buf = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') buf = zlib.gunzipSync(buf);
        const raw = buf.toString();
        this.posts.push({ headers: req.headers, raw, body: JSON.parse(raw) });
        res.end('OK');
        for (const w of this.waiters.splice(0)) w();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }

  failNext(n: number): void {
    this.failing = n;
  }

  /** Every event received so far, arrays flattened, in arrival order. */
  events(): Array<Record<string, unknown>> {
    return this.posts.flatMap((p) => (Array.isArray(p.body) ? p.body : [p.body])) as Array<Record<string, unknown>>;
  }

  async waitFor(pred: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
  }
}

export async function waitUntil(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const made: string[] = [];

/** Remove the folders made by {@link makeConfigs} (call in afterEach/after). */
export function removeConfigs(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** A configs folder with janus.jcfg (events on, the test plugin loaded) and the given handler files. */
export function makeConfigs(files: Record<string, string>, janusExtra = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evh-conf-'));
  made.push(dir);
  const plugin = path.resolve(__dirname, 'evh-test-plugin.js');
  fs.writeFileSync(path.join(dir, 'janus.jcfg'), `general: {
\tadmin_secret = "janusoverlord"
\t${janusExtra}
}
plugins: {
\tload = ["${plugin}"]
}
events: {
\tbroadcast = true
}
`);
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.jcfg`), text);
  return dir;
}

export interface Ports {
  http: number;
  admin: number;
}

export async function startServer(configsFolder: string, ports: Ports, extra: ConfigOverrides = {}): Promise<JanusServer> {
  return JanusServer.start({
    configsFolder,
    // these suites are about events: JSEP passes through without a WebRTC stack
    signallingOnly: true,
    overrides: {
      'janus.transport.http': {
        'general.http': true, 'general.port': ports.http, 'general.ip': '127.0.0.1',
        'admin.admin_http': true, 'admin.admin_port': ports.admin, 'admin.admin_ip': '127.0.0.1',
      },
      'janus.transport.websockets': { 'general.ws': false, 'admin.admin_ws': false },
      ...extra,
    },
    settings: (s) => {
      s.debugLevel = 0;
    },
  });
}

export async function api(url: string, body: Record<string, unknown>): Promise<Record<string, any>> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return (await r.json()) as Record<string, any>;
}
