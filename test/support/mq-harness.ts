/** Starting a server for the broker transport tests and benches: own configs folder, only our transports. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JanusServer } from '../../core/server';
import type { ConfigOverrides } from '../../core/config/config-store';

export const TEST_PLUGIN = path.join(__dirname, 'mq-test-plugin.js');
export const ADMIN_SECRET = 'mqsecret';

const folders: string[] = [];
process.once('exit', () => {
  for (const f of folders) fs.rmSync(f, { recursive: true, force: true });
});

/**
 * A server with the given module config files (name → jcfg text) written to a fresh folder.
 * HTTP and WebSockets are disabled unless `keep` lists them; the test plugin is loaded.
 */
export async function startServer(files: Record<string, string>, overrides: ConfigOverrides = {}, keep: string[] = []): Promise<{ server: JanusServer; folder: string }> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mq-conf-'));
  folders.push(folder);
  const disable = ['libjanus_http.so', 'libjanus_websockets.so', 'libjanus_rabbitmq.so', 'libjanus_mqtt.so']
    .filter((lib) => !keep.includes(lib) && !Object.keys(files).some((f) => lib.includes(f.split('.').pop()!)));
  fs.writeFileSync(path.join(folder, 'janus.jcfg'), [
    'general: {',
    '  debug_level = 1',
    `  admin_secret = "${ADMIN_SECRET}"`,
    '}',
    'plugins: {',
    `  load = "${TEST_PLUGIN}"`,
    '}',
    'transports: {',
    `  disable = "${disable.join(',')}"`,
    '}',
    '',
  ].join('\n'));
  for (const [pkg, text] of Object.entries(files)) fs.writeFileSync(path.join(folder, `${pkg}.jcfg`), text);
  const server = await JanusServer.start({ configsFolder: folder, overrides });
  return { server, folder };
}

/** Wait until `check` holds (polling), or fail with `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Run examples/mq-backend (compiled) against a broker; resolves with its stdout, rejects with its stderr. */
export function runExample(kind: 'rabbitmq' | 'mqtt', url: string): Promise<string> {
  const script = path.join(__dirname, '..', '..', 'examples', 'mq-backend', 'index.js');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, kind, url], { timeout: 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`mq-backend example failed (${err.message}): ${stderr}${stdout}`));
      else resolve(stdout);
    });
  });
}
