/**
 * A janus-ts server in a child process (the real `janus-ts` entry point, with its process-level
 * fault policy), for tests that must prove the process survives: Janus API and Admin API over
 * HTTP and WebSockets on free loopback ports, optional extra modules and config files.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, rtpPortRange } from './ports';

export interface ChildServer {
  proc: ChildProcess;
  folder: string;
  ports: { http: number; admin: number; ws: number; adminWs: number };
  url: string;
  adminUrl: string;
  /** Everything the process wrote (log lines), for failure messages. */
  output(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  /** Absolute paths of built modules to load (janus.jcfg `plugins.load`). */
  plugins?: string[];
  /** Extra lines for the HTTP transport's `general` group, e.g. `max_body_size = 1000`. */
  http?: string;
  /** Extra groups for janus.jcfg. */
  janus?: string;
  files?: Record<string, string>;
}

const MAIN = path.resolve(__dirname, '..', '..', 'core', 'main.js');

export async function startChildServer(opts: ChildServerOptions = {}): Promise<ChildServer> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-child-'));
  const ports = { http: await freePort(), admin: await freePort(), ws: await freePort(), adminWs: await freePort() };
  const load = (opts.plugins ?? []).map((p) => `"${p}"`).join(', ');
  fs.writeFileSync(
    path.join(folder, 'janus.jcfg'),
    `general: { admin_secret = "janusoverlord" }\nmedia: { rtp_port_range = "${rtpPortRange(100)}" }\n` +
      (load ? `plugins: { load = [ ${load} ] }\n` : '') +
      (opts.janus ?? ''),
  );
  fs.writeFileSync(
    path.join(folder, 'janus.transport.http.jcfg'),
    `general: { json = "plain", base_path = "/janus", http = true, port = ${ports.http}, ip = "127.0.0.1" ${opts.http ?? ''} }\n` +
      `admin: { admin_base_path = "/admin", admin_http = true, admin_port = ${ports.admin}, admin_ip = "127.0.0.1" }\n`,
  );
  fs.writeFileSync(
    path.join(folder, 'janus.transport.websockets.jcfg'),
    `general: { ws = true, ws_port = ${ports.ws}, ws_ip = "127.0.0.1" }\n` +
      `admin: { admin_ws = true, admin_ws_port = ${ports.adminWs}, admin_ws_ip = "127.0.0.1" }\n`,
  );
  for (const [name, content] of Object.entries(opts.files ?? {})) fs.writeFileSync(path.join(folder, name), content);
  // only the modules the tests need: no broker transports, no event handlers
  const proc = spawn(process.execPath, [MAIN, '-F', folder, '-d', '4'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 4_000_000) out = out.slice(-2_000_000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  let exited = false;
  proc.on('exit', () => (exited = true));
  const url = `http://127.0.0.1:${ports.http}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited) throw new Error(`server exited while starting:\n${out.slice(-3000)}`);
    try {
      const r = await fetch(`${url}/janus/info`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    folder,
    ports,
    url,
    adminUrl: `http://127.0.0.1:${ports.admin}`,
    output: () => out,
    alive: () => !exited,
    async stop() {
      if (exited) return;
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    },
  };
}
