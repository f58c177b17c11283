/**
 * Real Janus 1.1.2 (Debian `janus`) instances for the cascade and interop tests: each with its own
 * config folder copied from /etc/janus, only the VideoRoom plugin, the RabbitMQ transport (its own
 * to_janus/from_janus queue pair) and WebSockets (for the werift clients) on its own ports.
 * Janus's ICE skips loopback interfaces: `vethUp()` makes a veth pair that only exists in the test's
 * network namespace, and Janus gathers on it only (`ice_enforce_list`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { portOpen } from './support/brokers';

export const JANUS_BIN = '/usr/bin/janus';
export const haveJanus = (): boolean => fs.existsSync(JANUS_BIN) && fs.existsSync('/etc/janus/janus.jcfg');

/** The veth address every server and client of the cascade tests uses for media. */
export const MEDIA_IP = '10.77.13.1';
const VETH = 'cz0';

/** Create the veth pair (idempotent). Needs root in a private network namespace (`unshare -n`). */
export function vethUp(): void {
  try {
    execFileSync('ip', ['link', 'show', VETH], { stdio: 'ignore' });
    return;
  } catch {
    /* not there yet */
  }
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  execFileSync('ip', ['link', 'add', VETH, 'type', 'veth', 'peer', 'name', 'cz1']);
  execFileSync('ip', ['link', 'set', 'cz1', 'up']);
  execFileSync('ip', ['addr', 'add', `${MEDIA_IP}/24`, 'dev', VETH]);
  execFileSync('ip', ['link', 'set', VETH, 'up']);
}

export interface JanusOptions {
  name: string;
  rmqPort: number;
  wsPort: number;
  /** "lo-hi" for Janus's WebRTC ports. */
  rtpPortRange: string;
}

export interface RunningJanus {
  name: string;
  toJanus: string;
  fromJanus: string;
  wsUrl: string;
  pid: number;
  folder: string;
  log(): string;
  /** SIGKILL: an instance that dies without a goodbye. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const sed = (file: string, edits: Array<[RegExp, string]>) => {
  let text = fs.readFileSync(file, 'utf8');
  for (const [re, to] of edits) {
    if (!re.test(text)) throw new Error(`${path.basename(file)}: ${re} not found (another Janus version?)`);
    text = text.replace(re, to);
  }
  fs.writeFileSync(file, text);
};

export async function startJanus(o: JanusOptions): Promise<RunningJanus> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `cascade-janus-${o.name}-`));
  for (const f of fs.readdirSync('/etc/janus')) if (f.endsWith('.jcfg')) fs.copyFileSync(path.join('/etc/janus', f), path.join(folder, f));
  const toJanus = `to-janus-${o.name}`;
  const fromJanus = `from-janus-${o.name}`;
  const plugins = ['audiobridge', 'sip', 'nosip', 'streaming', 'textroom', 'voicemail', 'recordplay', 'videocall', 'echotest', 'lua', 'duktape'];
  sed(path.join(folder, 'janus.jcfg'), [
    [/^(\s*)#?\s*disable = "libjanus_voicemail.so,libjanus_recordplay.so"/m, `$1disable = "${plugins.map((p) => `libjanus_${p}.so`).join(',')}"`],
    [/^(\s*)#?\s*disable = "libjanus_rabbitmq.so"/m, '$1disable = "libjanus_http.so,libjanus_pfunix.so,libjanus_mqtt.so,libjanus_nanomsg.so"'],
    [/^\t#rtp_port_range = .*$/m, `\trtp_port_range = "${o.rtpPortRange}"`],
    [/^\t#ice_enforce_list = "eth0"$/m, `\tice_enforce_list = "${VETH}"`],
  ]);
  sed(path.join(folder, 'janus.transport.rabbitmq.jcfg'), [
    [/enabled = false/, 'enabled = true'],
    [/host = "localhost"/, `host = "127.0.0.1"\n\tport = ${o.rmqPort}`],
    [/to_janus = "to-janus"/, `to_janus = "${toJanus}"`],
    [/from_janus = "from-janus"/, `from_janus = "${fromJanus}"`],
    [/json = "indented"/, 'json = "plain"'],
  ]);
  sed(path.join(folder, 'janus.transport.websockets.jcfg'), [
    [/ws_port = 8188/, `ws_port = ${o.wsPort}`],
  ]);
  const logFile = path.join(folder, 'janus.log');
  const child: ChildProcess = spawn(JANUS_BIN, ['-F', folder, '-N', '-L', logFile, '-d', process.env.CASCADE_JANUS_DEBUG ?? '4'], { stdio: 'ignore' });
  // up when both the WebSocket port answers and the RabbitMQ transport said it connected
  return runningInstance(o, 'janus', child, folder, logFile, toJanus, fromJanus, async (log) =>
    (await portOpen(o.wsPort)) && /RabbitMQ transport initialized|JANUS RabbitMQ transport plugin initialized/.test(log()));
}

/**
 * Wait until a started server (Janus or ours) is `up()` (20 s at most, its log on failure), then the
 * handle the suites drive: SIGTERM stop (SIGKILL after 5 s) that removes its folder, or SIGKILL.
 */
export async function runningInstance(
  o: JanusOptions, what: string, child: ChildProcess, folder: string, logFile: string,
  toJanus: string, fromJanus: string, up: (log: () => string) => Promise<boolean>,
): Promise<RunningJanus> {
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const end = Date.now() + 20_000;
  while (!(await up(log))) {
    if (child.exitCode !== null) throw new Error(`${what} ${o.name} exited: ${log().slice(-2000)}`);
    if (Date.now() > end) {
      child.kill('SIGKILL');
      throw new Error(`${what} ${o.name} did not start: ${log().slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const stopWith = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(t);
  };
  return {
    name: o.name,
    toJanus,
    fromJanus,
    wsUrl: `ws://127.0.0.1:${o.wsPort}`,
    pid: child.pid!,
    folder,
    log,
    kill: () => stopWith('SIGKILL'),
    async stop() {
      await stopWith('SIGTERM');
      if (process.env.CASCADE_KEEP) console.log(`      kept ${folder}`);
      else fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}
