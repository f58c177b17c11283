import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigFile } from '../core/config/config-file';
import { parseJcfg } from '../core/config/jcfg';
import { Settings } from '../core/config/settings';
import { Logger, textLine } from '../core/logger';
import { JanusServer } from '../core/server';
import { until } from './media-support';
import { freePort } from './support/ports';

function settingsOf(text: string): Settings {
  return Settings.fromConfig(new ConfigFile('janus.jcfg', parseJcfg(text), true));
}

describe('operations settings and log formats', () => {
  it('reads the metrics group, log_json and drain_timeout with their defaults', () => {
    const d = settingsOf('');
    assert.deepEqual(d.metrics, { enabled: false, ip: '127.0.0.1', port: 9464, path: '/metrics', username: undefined, password: undefined, defaultMetrics: true });
    assert.equal(d.logJson, false);
    assert.equal(d.drainTimeout, 30);
    const s = settingsOf('general: { log_json = true, drain_timeout = 5 }\nmetrics: { enabled = true, ip = "0.0.0.0", port = 9100, path = "prom", username = "u", password = "p", default_metrics = false }');
    assert.deepEqual(s.metrics, { enabled: true, ip: '0.0.0.0', port: 9100, path: '/prom', username: 'u', password: 'p', defaultMetrics: false });
    assert.equal(s.logJson, true);
    assert.equal(s.drainTimeout, 5);
  });

  it('log_json: one JSON object per line, session and handle ids as session_id/handle_id', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-log-'));
    const file = path.join(dir, 'j.log');
    const logger = new Logger({ level: 4, file, stdout: false, timestamps: false, json: true });
    logger.child('sessions').info({ session: 123, handle: 456 }, 'Handle attached');
    logger.flush();
    assert.ok(await until(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('attached')));
    const line = JSON.parse(fs.readFileSync(file, 'utf8').trim().split('\n').pop()!);
    assert.equal(line.msg, 'Handle attached');
    assert.equal(line.name, 'sessions');
    assert.equal(line.session_id, 123);
    assert.equal(line.handle_id, 456);
    assert.equal(line.session, undefined);
    assert.equal(typeof line.time, 'number');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('default: Janus-style text lines', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-log-'));
    const file = path.join(dir, 't.log');
    const logger = new Logger({ level: 4, file, stdout: false, timestamps: true });
    logger.child('sessions').warn({ session: 123, err: new Error('boom') }, 'Something odd');
    logger.flush();
    assert.ok(await until(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('odd')));
    assert.match(fs.readFileSync(file, 'utf8'), /^\[\d{4}-\d\d-\d\dT[\d:.]+Z\] \[WARN\] \[sessions\] Something odd \(session=123 err="boom"\)\n( {4}at .+\n)+$/, 'the error\'s stack follows its line');
    assert.equal(textLine('{"level":30,"time":1,"name":"core","msg":"hi"}', false), '[INFO] [core] hi\n');
    assert.equal(textLine('not json', false), 'not json');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('/readyz is 503 while an enabled broker transport is not connected', async () => {
    const nobody = await freePort(); // nothing listens there
    const server = await JanusServer.start({
      configsFolder: path.resolve(__dirname, '..', '..', 'conf'),
      signallingOnly: true,
      overrides: {
        janus: { 'metrics.enabled': true, 'metrics.port': 0 },
        'janus.transport.http': { 'general.http': false, 'admin.admin_http': false },
        'janus.transport.websockets': { 'general.ws_port': await freePort(), 'general.ws_ip': '127.0.0.1', 'admin.admin_ws': false },
        'janus.transport.mqtt': { 'general.enabled': true, 'general.url': `tcp://127.0.0.1:${nobody}` },
      },
      settings: (s) => {
        s.logToStdout = false;
        s.logToFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-log-')), 'janus.log');
      },
    });
    try {
      const url = `http://127.0.0.1:${server.metricsPort}`;
      const r = await fetch(`${url}/readyz`);
      assert.equal(r.status, 503);
      assert.deepEqual(await r.json(), { ready: false, problems: ['janus.transport.mqtt not connected to its broker'] });
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      const text = await (await fetch(`${url}/metrics`)).text();
      assert.match(text, /^janus_transport_connected\{transport="janus.transport.mqtt"\} 0$/m);
      assert.match(text, /^janus_ready 0$/m);
    } finally {
      await server.stop();
    }
  });
});
