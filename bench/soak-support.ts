/**
 * Parts of the soak bench (bench/soak.ts): our server as a child process watched through /proc and
 * the V8 inspector (GC, heap figures, heap snapshots: nothing is added to the server's code), and
 * small Janus API clients over HTTP (with long poll) and WebSocket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import WebSocket from 'ws';
import { freePort } from '../test/support/ports';

export type Msg = Record<string, any>;
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** RSS (MB) and open file descriptors of a process, from /proc. */
export function procFigures(pid: number): { rssMb: number; fds: number } {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { rssMb: m ? Number(m[1]) / 1024 : NaN, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
}

/** Chrome DevTools protocol over the server's --inspect port. */
export class Inspector {
  private id = 0;
  private readonly pending = new Map<number, { resolve: (m: Msg) => void; reject: (e: Error) => void }>();
  private chunkSink?: (s: string) => void;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as Msg;
      if (m.method === 'HeapProfiler.addHeapSnapshotChunk') this.chunkSink?.(m.params.chunk as string);
      const p = m.id !== undefined ? this.pending.get(m.id as number) : undefined;
      if (!p) return;
      this.pending.delete(m.id as number);
      if (m.error) p.reject(new Error(JSON.stringify(m.error)));
      else p.resolve(m.result as Msg);
    });
  }

  static async connect(port: number): Promise<Inspector> {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
    const ws = new WebSocket(list[0].webSocketDebuggerUrl, { maxPayload: 1 << 30 });
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    return new Inspector(ws);
  }

  send(method: string, params: Msg = {}): Promise<Msg> {
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Two full GCs (the second one frees what finalizers of the first released). */
  async gc(): Promise<void> {
    await this.send('HeapProfiler.collectGarbage');
    await sleep(200);
    await this.send('HeapProfiler.collectGarbage');
  }

  async memoryUsage(): Promise<NodeJS.MemoryUsage> {
    const r = await this.send('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    return JSON.parse(r.result.value as string) as NodeJS.MemoryUsage;
  }

  /** A heap snapshot written to `file` (it GCs first). */
  async snapshot(file: string): Promise<void> {
    const out = fs.createWriteStream(file);
    this.chunkSink = (s) => out.write(s);
    await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    this.chunkSink = undefined;
    await new Promise((r) => out.end(r));
  }

  close(): void {
    this.ws.close();
  }
}

/** Objects per constructor name in a .heapsnapshot (count, self bytes): to diff two snapshots. */
export function heapCensus(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(fs.readFileSync(file, 'utf8')) as Msg;
  const fields = snap.snapshot.meta.node_fields as string[];
  const types = snap.snapshot.meta.node_types[0] as string[];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const nodes = snap.nodes as number[];
  const strings = snap.strings as string[];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + iType]];
    // strings and numbers by type only (their names are their values)
    const key = /string|number/.test(type) ? type : `${type}:${strings[nodes[i + iName]].slice(0, 60)}`;
    const e = out.get(key) ?? { count: 0, bytes: 0 };
    e.count++;
    e.bytes += nodes[i + iSize];
    out.set(key, e);
  }
  return out;
}

export interface SoakServer {
  pid: number;
  httpUrl: string;
  adminUrl: string;
  wsUrl: string;
  inspector: Inspector;
  logFile: string;
  exited(): boolean;
  stop(): Promise<void>;
}

/** dist/core/main.js with conf/ and --set overrides for free loopback ports, under the inspector. */
export async function startSoakServer(opts: { sessionTimeout: number; logFile: string; debugLevel: number; env?: string[] }): Promise<SoakServer> {
  const root = path.resolve(__dirname, '..', '..');
  const [httpPort, adminPort, wsPort, inspectPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, [
    `--inspect=127.0.0.1:${inspectPort}`,
    path.join(root, 'dist', 'core', 'main.js'), '-F', path.join(root, 'conf'), '-N', '-L', opts.logFile, '-d', String(opts.debugLevel),
    '-s', String(opts.sessionTimeout), '-r', '42000-42499', '-E', '127.0.0.1',
    '--set', `janus.transport.http:general.port=${httpPort}`, '--set', 'janus.transport.http:general.ip=127.0.0.1',
    '--set', `janus.transport.http:admin.admin_port=${adminPort}`, '--set', 'janus.transport.http:admin.admin_ip=127.0.0.1',
    '--set', `janus.transport.websockets:general.ws_port=${wsPort}`, '--set', 'janus.transport.websockets:general.ws_ip=127.0.0.1',
    '--set', 'janus.transport.websockets:admin.admin_ws=false',
  ], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...Object.fromEntries((opts.env ?? []).map((kv) => kv.split('=', 2))) } });
  child.stderr!.on('data', (d: Buffer) => {
    const s = String(d);
    if (!s.startsWith('Debugger') && !s.includes('nodejs.org/en/docs/inspector')) process.stderr.write(`[server] ${s}`);
  });
  const httpUrl = `http://127.0.0.1:${httpPort}/janus`;
  const adminUrl = `http://127.0.0.1:${adminPort}/admin`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const r = await httpJson('POST', adminUrl, { janus: 'ping', transaction: 'p' });
      if (r.janus === 'pong') break;
    } catch {
      if (i > 150) throw new Error('server did not come up in 30 s');
    }
    await sleep(200);
  }
  const inspector = await Inspector.connect(inspectPort);
  return {
    pid: child.pid!,
    httpUrl,
    adminUrl,
    wsUrl: `ws://127.0.0.1:${wsPort}`,
    inspector,
    logFile: opts.logFile,
    exited: () => child.exitCode !== null,
    async stop() {
      inspector.close();
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10000);
      await new Promise((r) => child.once('exit', r));
      clearTimeout(t);
    },
  };
}

/** Keep-alive pool for the Janus API over HTTP; destroyed between phases so server fds can settle. */
export let httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
export function resetHttpAgent(): void {
  httpAgent.destroy();
  httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
}

export function httpJson(method: 'GET' | 'POST', url: string, body?: Msg, timeoutMs = 60000): Promise<Msg> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: httpAgent, timeout: timeoutMs, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Msg);
        } catch (err) {
          reject(new Error(`bad JSON from ${method} ${url}: ${(err as Error).message}`));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

let txSeq = 0;
export const tx = () => `s${++txSeq}`;

/** One Janus session over HTTP: requests, and plugin events by transaction via long poll. */
export class HttpSession {
  id = 0;
  private stash: Msg[] = [];
  constructor(private readonly base: string) {}

  async create(): Promise<void> {
    const r = await httpJson('POST', this.base, { janus: 'create', transaction: tx() });
    if (r.janus !== 'success') throw new Error(`create: ${JSON.stringify(r)}`);
    this.id = r.data.id as number;
  }

  async call(body: Msg, handle?: number): Promise<Msg> {
    const url = handle ? `${this.base}/${this.id}/${handle}` : `${this.base}/${this.id}`;
    return httpJson('POST', url, { transaction: tx(), ...body });
  }

  /** A plugin message: ack by POST, then its event by long poll. */
  async message(handle: number, body: Msg): Promise<Msg> {
    const t = tx();
    const ack = await httpJson('POST', `${this.base}/${this.id}/${handle}`, { janus: 'message', transaction: t, body });
    if (ack.janus !== 'ack') return ack;
    for (let i = 0; i < 20; i++) {
      const found = this.stash.findIndex((m) => m.transaction === t);
      if (found >= 0) return this.stash.splice(found, 1)[0];
      const ev = await httpJson('GET', `${this.base}/${this.id}?maxev=5&rid=${Date.now()}`);
      for (const m of Array.isArray(ev) ? ev : [ev]) if (m.janus !== 'keepalive') this.stash.push(m);
    }
    throw new Error('no event for the message');
  }
}

/** A WebSocket to the Janus API: replies and events by transaction (skipping acks). */
export class WsConn {
  private readonly waiting = new Map<string, (m: Msg) => void>();
  closed = false;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as Msg;
      if (m.janus === 'ack') return;
      const t = m.transaction as string | undefined;
      const w = t ? this.waiting.get(t) : undefined;
      if (w) {
        this.waiting.delete(t!);
        w(m);
      }
    });
    ws.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.values()) w({ janus: 'error', error: { code: -1, reason: 'socket closed' } });
      this.waiting.clear();
    });
  }

  static async open(url: string): Promise<WsConn> {
    const ws = new WebSocket(url, 'janus-protocol');
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    return new WsConn(ws);
  }

  /** A request; resolves with the first non-ack answer carrying its transaction (reply or plugin event). */
  call(body: Msg, timeoutMs = 60000): Promise<Msg> {
    const t = tx();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(t);
        reject(new Error(`timeout: ${body.janus as string}`));
      }, timeoutMs);
      this.waiting.set(t, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.ws.send(JSON.stringify({ ...body, transaction: t }));
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once('close', () => r());
      this.ws.close();
    });
  }
}
