import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const JANUS_JS = '/usr/share/javascript/janus-gateway/janus.js';

/** Why a browser test cannot run here (the message says what to install), or undefined when it can. */
export function browserMissing(): string | undefined {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} not installed (apt-get install -y chromium)`;
  if (!fs.existsSync(JANUS_JS)) return `${JANUS_JS} not installed (apt-get install -y libjs-janus-gateway)`;
  const ns = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' });
  if (ns.status !== 0) return 'cannot create a network namespace (unshare -n, needs root and iproute2)';
  return undefined;
}

/**
 * Run a node script in a private network namespace with only loopback up, so Chrome (with
 * --allow-loopback-in-peer-connection) and our server meet on 127.0.0.1. Killed after `timeoutMs`.
 */
export async function runInNamespace(script: string, timeoutMs: number): Promise<{ out: string; err: string }> {
  const child = spawn('unshare', ['-n', 'sh', '-c', `ip link set lo up; exec "${process.execPath}" "${script}"`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await new Promise<void>((r) => child.on('exit', () => r()));
  clearTimeout(killer);
  return { out, err };
}
