/**
 * Real brokers for integration tests, started without systemd and stopped by PID (recipes of
 * shared/tooling.md §3). Each test suite passes its own ports and directories so that several
 * suites (transports, event handlers) can run brokers side by side.
 *
 *   const mq = await startMosquitto({ port: await freePort() });   // freePort from ./ports   // mq.stop(), mq.restart()
 *   const rmq = await startRabbitmq({ port, nodeName: `rabbit-x-${process.pid}@localhost`, dir: `/tmp/x-${process.pid}`,
 *                                     epmdPort: 20369, distPort });
 *
 * A missing broker is a hard failure with the install command, never a silent skip: CI installs them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface RunningBroker {
  readonly port: number;
  readonly pid: number | undefined;
  /** Stop it (SIGTERM, then SIGKILL after a grace period) and wait until it is gone. */
  stop(): Promise<void>;
  /** stop() then start again on the same port and state directory. */
  restart(): Promise<void>;
  /** Start again after a stop(). */
  start(): Promise<void>;
}

const MOSQUITTO = '/usr/sbin/mosquitto';
const RABBITMQ_SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const started = new Set<ChildProcess>();

// never leave a broker behind, even when mocha exits on a failure
process.once('exit', () => {
  for (const c of started) if (c.pid && c.exitCode === null) killGroup(c, 'SIGKILL');
});

function requireBinary(file: string, pkg: string): void {
  if (!fs.existsSync(file)) {
    throw new Error(`${pkg} is not installed (${file} missing): apt-get install -y --no-install-recommends ${pkg} (.ci/run installs it)`);
  }
}

const debug = process.env.MQ_BROKER_DEBUG ? (...a: unknown[]) => console.error(new Date().toISOString(), ...a) : () => undefined;

function killGroup(c: ChildProcess, sig: NodeJS.Signals): void {
  debug('kill', sig, c.pid);
  try {
    process.kill(-c.pid!, sig); // detached child: its own process group (wrapper script + beam)
  } catch {
    try {
      c.kill(sig);
    } catch {
      /* already gone */
    }
  }
}

function exited(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => c.once('exit', () => resolve()));
}

async function stopChild(c: ChildProcess | undefined, graceMs: number): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return;
  killGroup(c, 'SIGTERM');
  const t = setTimeout(() => killGroup(c, 'SIGKILL'), graceMs);
  await exited(c);
  clearTimeout(t);
  started.delete(c);
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>, child?: ChildProcess, log?: () => string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`${what} exited during start-up (code ${child.exitCode}): ${log?.() ?? ''}`);
    }
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms: ${log?.() ?? ''}`);
}

async function ensurePortFree(port: number, what: string): Promise<void> {
  if (await portOpen(port)) throw new Error(`${what}: port ${port} is already in use (a broker left over from another run?)`);
}

/**
 * mosquitto on 127.0.0.1:`port`, anonymous. Without `persistence` a restart loses every session
 * and subscription (clients must subscribe again); with it, sessions of `clean: false` clients,
 * their subscriptions and queued QoS>0 messages survive a restart (saved in `dir` on SIGTERM).
 */
export async function startMosquitto(opts: { port: number; dir?: string; persistence?: boolean }): Promise<RunningBroker> {
  requireBinary(MOSQUITTO, 'mosquitto');
  const dir = opts.dir ?? `/tmp/mosquitto-${opts.port}`;
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(path.join(dir, 'mosquitto.db'), { force: true }); // a fresh broker: no state from an earlier run
  const conf = path.join(dir, 'mosquitto.conf');
  const persist = opts.persistence ? `persistence true\npersistence_location ${dir}/\nautosave_interval 0\n` : 'persistence false\n';
  fs.writeFileSync(conf, `listener ${opts.port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\n${persist}`);
  fs.chmodSync(dir, 0o777); // mosquitto drops root for user mosquitto and must write its database here
  fs.chmodSync(conf, 0o644);
  let child: ChildProcess | undefined;
  let output = '';
  const broker: RunningBroker = {
    port: opts.port,
    get pid() {
      return child?.pid;
    },
    async start() {
      await ensurePortFree(opts.port, 'mosquitto');
      output = '';
      child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      started.add(child);
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      await waitFor('mosquitto', 10_000, () => portOpen(opts.port), child, () => output);
    },
    async stop() {
      await stopChild(child, 3000);
      child = undefined;
    },
    async restart() {
      await broker.stop();
      await broker.start();
    },
  };
  await broker.start();
  return broker;
}

export interface RabbitOptions {
  /** AMQP port on 127.0.0.1. */
  port: number;
  /** Erlang node name, unique per running broker, e.g. `rabbit-mq@localhost`. */
  nodeName: string;
  /** State directory (mnesia, logs, cookie): survives restarts, so durable queues do too. */
  dir: string;
  /** Port of the epmd this broker registers with (default 4369; pick one in your range). */
  epmdPort?: number;
  /** Erlang distribution port (default `port` + 1). */
  distPort?: number;
  /** Start-up timeout (ms). */
  timeoutMs?: number;
}

/** rabbitmq-server from Debian, as root with its own dirs and ports; `guest`/`guest` works from 127.0.0.1. */
export async function startRabbitmq(opts: RabbitOptions): Promise<RunningBroker> {
  requireBinary(RABBITMQ_SERVER, 'rabbitmq-server');
  const dir = opts.dir;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n');
  fs.writeFileSync(path.join(dir, 'rabbitmq.conf'), 'loopback_users = none\n');
  const epmdPort = opts.epmdPort ?? 4369;
  const distPort = opts.distPort ?? opts.port + 1;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    RABBITMQ_NODENAME: opts.nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(opts.port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_PID_FILE: path.join(dir, 'rabbit.pid'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_CONF_ENV_FILE: path.join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    ERL_CRASH_DUMP: path.join(dir, 'erl_crash.dump'), // not in the caller's working directory
  };
  let child: ChildProcess | undefined;
  let output = '';
  const wrapperPid = path.join(dir, 'wrapper.pid');
  // a broker left by an aborted run on this dir: stop it by its recorded PID, but only when it is
  // an orphaned rabbitmq-server (parent gone): PIDs are reused, and another live run may own it
  if (fs.existsSync(wrapperPid)) {
    const old = parseInt(fs.readFileSync(wrapperPid, 'utf8'), 10);
    if (old > 0 && isOrphanedRabbit(old)) {
      try {
        process.kill(-old, 'SIGKILL');
      } catch {
        /* not running */
      }
    }
    fs.rmSync(wrapperPid, { force: true });
  }
  const broker: RunningBroker = {
    port: opts.port,
    get pid() {
      return child?.pid;
    },
    async start() {
      await ensurePortFree(opts.port, 'rabbitmq-server');
      output = '';
      child = spawn(RABBITMQ_SERVER, [], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      debug('rabbitmq-server started', child.pid);
      child.once('exit', (code, sig) => debug('rabbitmq-server exited', code, sig));
      started.add(child);
      fs.writeFileSync(wrapperPid, String(child.pid));
      child.stdout!.on('data', (d) => (output = (output + d).slice(-4000)));
      child.stderr!.on('data', (d) => (output = (output + d).slice(-4000)));
      await waitFor('rabbitmq-server', opts.timeoutMs ?? 60_000, () => amqpReady(opts.port), child, () => output);
    },
    async stop() {
      await stopChild(child, 15_000);
      child = undefined;
      fs.rmSync(wrapperPid, { force: true });
    },
    async restart() {
      await broker.stop();
      await broker.start();
    },
  };
  await broker.start();
  return broker;
}

/**
 * Stop the epmd daemon our RabbitMQ registered with (it outlives the broker): only the one on
 * `epmdPort`, and only when no node is registered with it any more (another run may share it).
 */
export function stopEpmd(epmdPort: number): void {
  const env = { ...process.env, ERL_EPMD_PORT: String(epmdPort) };
  const names = spawnSync('epmd', ['-port', String(epmdPort), '-names'], { env, encoding: 'utf8' });
  if (names.status !== 0 || /^name /m.test(names.stdout ?? '')) return;
  spawnSync('epmd', ['-port', String(epmdPort), '-kill'], { stdio: 'ignore', env });
}

function isOrphanedRabbit(pid: number): boolean {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const ppid = /^\S+ \(.*\) \S+ (\d+)/.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
    return cmd.includes('rabbitmq-server') && ppid === '1';
  } catch {
    return false;
  }
}

/** True once an AMQP login succeeds (the port opens a little before the broker accepts logins). */
async function amqpReady(port: number): Promise<boolean> {
  if (!(await portOpen(port))) return false;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const amqp = require('amqplib') as typeof import('amqplib');
  try {
    const c = await amqp.connect({ hostname: '127.0.0.1', port, username: 'guest', password: 'guest' });
    await c.close();
    return true;
  } catch {
    return false;
  }
}

// --- names some suites use ---
export type Broker = RunningBroker;
export const haveMosquitto = (): boolean => fs.existsSync(MOSQUITTO);

/** Resolves once 127.0.0.1:port accepts a connection; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  await waitFor(`port ${port}`, timeoutMs, () => portOpen(port));
}
