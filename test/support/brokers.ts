/**
 * Real brokers from Debian for tests (mosquitto, rabbitmq-server), run without systemd on
 * loopback, each in its own temporary folder, stopped by PID. See shared/tooling.md §3.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const MOSQUITTO_BIN = '/usr/sbin/mosquitto';
export const RABBITMQ_BIN = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const RABBITMQCTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';

export function haveMosquitto(): boolean {
  return fs.existsSync(MOSQUITTO_BIN);
}
export function haveRabbitmq(): boolean {
  return fs.existsSync(RABBITMQ_BIN) && fs.existsSync(RABBITMQCTL);
}

export interface Broker {
  readonly port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

/** Resolves once 127.0.0.1:port accepts a connection; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`port ${port} not open after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function waitExit(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
      resolve();
    }, timeoutMs);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/**
 * Mosquitto on 127.0.0.1:`port`, anonymous. Its store is kept in a private folder across
 * `restart()` (saved on stop), as a production broker would, so persistent sessions
 * (clean = false) and their queued QoS ≥ 1 messages survive a restart.
 */
export async function startMosquitto(opts: { port: number }): Promise<Broker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mosq-'));
  fs.chmodSync(dir, 0o777); // mosquitto drops to its own user when started as root
  const conf = path.join(dir, 'mosquitto.conf');
  fs.writeFileSync(conf, [
    `listener ${opts.port} 127.0.0.1`,
    'allow_anonymous true',
    'persistence true',
    `persistence_location ${dir}/`,
    'autosave_interval 0',
    'log_dest none',
    '',
  ].join('\n'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(MOSQUITTO_BIN, ['-c', conf], { stdio: 'ignore' });
    await waitForPort(opts.port, 5000);
  };
  const stop = async () => {
    if (!child) return;
    const c = child;
    child = undefined;
    c.kill('SIGTERM');
    await waitExit(c, 5000);
  };
  await start();
  return {
    port: opts.port,
    stop: async () => {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/**
 * RabbitMQ on 127.0.0.1:`port`, node `nodeName` (e.g. rabbit-x@localhost), everything (mnesia,
 * logs, cookie) under `dir`. epmd and the Erlang distribution port are kept in the caller's range:
 * `epmdPort` (default port - 303) and `distPort` (default port + 2).
 */
export async function startRabbitmq(opts: { port: number; nodeName: string; dir: string; epmdPort?: number; distPort?: number }): Promise<Broker> {
  const dir = opts.dir;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'enabled_plugins'), '[].');
  const epmdPort = opts.epmdPort ?? opts.port - 303;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: opts.nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(opts.port),
    RABBITMQ_DIST_PORT: String(opts.distPort ?? opts.port + 2),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: path.join(dir, 'rabbit.pid'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  let child: ChildProcess | undefined;
  const start = async () => {
    const out = fs.openSync(path.join(dir, 'out.log'), 'a');
    child = spawn(RABBITMQ_BIN, [], { env, stdio: ['ignore', out, out], detached: true });
    fs.closeSync(out);
    const r = spawnSync(RABBITMQCTL, ['-q', 'wait', '--timeout', '60', env.RABBITMQ_PID_FILE!], { env, timeout: 65_000 });
    if (r.status !== 0) throw new Error(`rabbitmq did not start: ${r.stderr?.toString() ?? ''}`);
    await waitForPort(opts.port, 60_000);
  };
  const stop = async () => {
    if (!child) return;
    const c = child;
    child = undefined;
    c.kill('SIGTERM');
    await waitExit(c, 15_000);
  };
  await start();
  return {
    port: opts.port,
    stop: async () => {
      await stop();
      // the epmd daemon outlives the broker; this one listens on our own port only
      spawnSync('epmd', ['-kill'], { env, timeout: 5000 });
    },
    restart: async () => {
      await stop();
      await start();
    },
  };
}
