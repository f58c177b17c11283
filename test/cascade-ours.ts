/**
 * One of OUR instances as a separate process (`node dist/core/main.js -F <folder>`), configured like
 * the Janus ones of cascade-janus.ts: VideoRoom only, RabbitMQ (own queue pair) and WebSockets,
 * ICE on the veth address. A process of its own, so its CPU can be measured and it can be killed.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MEDIA_IP, runningInstance, type JanusOptions, type RunningJanus } from './cascade-janus';
import { portOpen } from './support/brokers';

const MAIN = path.resolve(__dirname, '..', 'core', 'main.js');

export async function startOurs(o: JanusOptions & { mediaWorkers?: number }): Promise<RunningJanus> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), `cascade-ours-${o.name}-`));
  const toJanus = `to-janus-${o.name}`;
  const fromJanus = `from-janus-${o.name}`;
  const w = (f: string, text: string) => fs.writeFileSync(path.join(folder, f), text);
  w('janus.jcfg', [
    'general: { admin_secret = "janusoverlord" }',
    `media: { rtp_port_range = "${o.rtpPortRange}"${o.mediaWorkers !== undefined ? `, media_workers = ${o.mediaWorkers}` : ''} }`,
    `nat: { ice_enforce_list = "${MEDIA_IP}" }`,
    'plugins: { disable = "libjanus_echotest.so,libjanus_audiobridge.so,libjanus_recordplay.so" }',
    'transports: { disable = "libjanus_http.so,libjanus_mqtt.so" }',
    '',
  ].join('\n'));
  w('janus.transport.rabbitmq.jcfg', `general: {\n  enabled = true\n  host = "127.0.0.1"\n  port = ${o.rmqPort}\n  to_janus = "${toJanus}"\n  from_janus = "${fromJanus}"\n  json = "plain"\n}\n`);
  w('janus.transport.websockets.jcfg', `general: { ws = true, ws_port = ${o.wsPort}, ws_ip = "127.0.0.1" }\nadmin: { admin_ws = false }\n`);
  const logFile = path.join(folder, 'janus.log');
  const out = fs.openSync(logFile, 'a');
  const child = spawn(process.execPath, [MAIN, '-F', folder], { stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return runningInstance(o, 'janus-ts', child, folder, logFile, toJanus, fromJanus, () => portOpen(o.wsPort));
}
