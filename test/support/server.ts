import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JanusServer, type ServerOptions } from '../../core/server';
import { freePort } from './ports';

export interface TestServer {
  server: JanusServer;
  folder: string;
  ports: { http: number; admin: number; ws: number; adminWs: number };
  /** `http://127.0.0.1:<port>` of the Janus API. */
  url: string;
  adminUrl: string;
  stop(): Promise<void>;
}

export interface TestServerOptions {
  /** Extra text appended to the test janus.jcfg (groups may repeat keys: later files win in ours? no: put whole groups here). */
  janus?: string;
  /** Other files to write in the config folder: name → content. */
  files?: Record<string, string>;
  media?: ServerOptions['media'];
  settings?: ServerOptions['settings'];
}

/** Absolute path of a built example/module, for `load` lists. */
export function distPath(...p: string[]): string {
  return path.resolve(__dirname, '..', '..', ...p);
}

/**
 * Start a real server in-process on free loopback ports with a temporary config folder:
 * HTTP + Admin HTTP + WS + Admin WS, logs to a file in the folder (quiet test output).
 */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-test-'));
  const ports = { http: await freePort(), admin: await freePort(), ws: await freePort(), adminWs: await freePort() };
  const janus = opts.janus ?? `general: { admin_secret = "janusoverlord" }`;
  fs.writeFileSync(path.join(folder, 'janus.jcfg'), janus);
  fs.writeFileSync(
    path.join(folder, 'janus.transport.http.jcfg'),
    `general: { json = "indented", base_path = "/janus", http = true, port = ${ports.http}, ip = "127.0.0.1" }\n` +
      `admin: { admin_base_path = "/admin", admin_http = true, admin_port = ${ports.admin}, admin_ip = "127.0.0.1" }\n`,
  );
  fs.writeFileSync(
    path.join(folder, 'janus.transport.websockets.jcfg'),
    `general: { ws = true, ws_port = ${ports.ws}, ws_ip = "127.0.0.1" }\n` +
      `admin: { admin_ws = true, admin_ws_port = ${ports.adminWs}, admin_ws_ip = "127.0.0.1" }\n`,
  );
  for (const [name, content] of Object.entries(opts.files ?? {})) fs.writeFileSync(path.join(folder, name), content);
  const logFile = path.join(folder, 'janus.log');
  const server = await JanusServer.start({
    configsFolder: folder,
    media: opts.media,
    settings: (s) => {
      s.logToStdout = false;
      s.logToFile = logFile;
      opts.settings?.(s);
    },
  });
  return {
    server,
    folder,
    ports,
    url: `http://127.0.0.1:${ports.http}`,
    adminUrl: `http://127.0.0.1:${ports.admin}`,
    async stop() {
      await server.stop();
    },
  };
}
