import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { JanusServer } from '../core/server';
import { get, post } from './support/clients';
import { until } from './support/wait';
import { freePort } from './support/ports';
import { distPath, startTestServer } from './support/server';

const main = distPath('core', 'main.js');

describe('Configuration, module loading and the command line', function () {
  this.timeout(30000);

  it('loads the stock Debian /etc/janus folder unchanged (unsupported keys are only warned about)', async () => {
    assert.ok(fs.existsSync('/etc/janus/janus.jcfg'), 'the Debian janus package must be installed (.ci/run installs it)');
    const ports = { http: await freePort(), ws: await freePort() };
    const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stock-')), 'janus.log');
    const server = await JanusServer.start({
      configsFolder: '/etc/janus',
      overrides: {
        'janus.transport.http': { 'general.port': ports.http, 'general.ip': '127.0.0.1' },
        'janus.transport.websockets': { 'general.ws_port': ports.ws, 'general.ws_ip': '127.0.0.1' },
      },
      settings: (s) => {
        s.logToStdout = false;
        s.logToFile = logFile;
      },
    });
    try {
      const info = (await get(`http://127.0.0.1:${ports.http}/janus/info`)).json;
      assert.equal(info.janus, 'server_info');
      assert.ok(info.transports['janus.transport.http']);
      assert.ok(info.transports['janus.transport.websockets']);
      // the stock disable list names libjanus_rabbitmq.so etc.: none of those are loaded
      assert.equal(info.transports['janus.transport.rabbitmq'], undefined);
      assert.equal(info.transports['janus.transport.mqtt'], undefined);
      assert.equal((await post(`http://127.0.0.1:${ports.http}/janus`, { janus: 'create', transaction: 'x' })).json.janus, 'success');
    } finally {
      await server.stop();
    }
    // the file logger writes asynchronously
    await until(() => /Janus-compatible server started/.test(fs.readFileSync(logFile, 'utf8')), 3000);
    assert.match(fs.readFileSync(logFile, 'utf8'), /Janus-compatible server started/);
  });

  it('unknown keys in janus.jcfg give a warning naming the key, never an error', async () => {
    const t = await startTestServer({ janus: 'general: { admin_secret = "x", some_future_key = 1 }\nmedia: { shiny = true }' });
    await t.stop();
    const read = () => fs.readFileSync(path.join(t.folder, 'janus.log'), 'utf8');
    await until(() => /category=media key=shiny/.test(read()), 3000);
    const log = read();
    assert.match(log, /Unsupported setting ignored \(.*category=general key=some_future_key\)/);
    assert.match(log, /Unsupported setting ignored \(.*category=media key=shiny\)/);
  });

  it('a syntax error in janus.jcfg stops start-up with file and line, exit code 1', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'badcfg-'));
    fs.writeFileSync(path.join(folder, 'janus.jcfg'), 'general: {\n\tdebug_level = 4\n\tlog_to_file = /tmp/x.log\n}\n');
    const r = spawnSync(process.execPath, [main, '-F', folder], { encoding: 'utf8', timeout: 10000 });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${folder.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/janus\\.jcfg:3:`));
  });

  it('a module config that does not parse leaves that module on its defaults, others unaffected', async () => {
    const t = await startTestServer({
      janus: `general: { admin_secret = "x" }\nplugins: { load = [ "${distPath('examples', 'hello-plugin')}" ] }`,
      files: { 'janus.plugin.hello.jcfg': 'general: { greeting = Hi }' },
    });
    try {
      const S = (await post(`${t.url}/janus`, { janus: 'create', transaction: 'c' })).json.data.id;
      const H = (await post(`${t.url}/janus/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', transaction: 'a' })).json.data.id;
      const r = await post(`${t.url}/janus/${S}/${H}`, { janus: 'message', body: { request: 'hello' }, transaction: 'm' });
      assert.equal(r.json.plugindata.data.text, 'Hello, stranger!');
    } finally {
      await t.stop();
    }
  });

  it('a third-party plugin reads its own config, and disable lists take library or package names', async () => {
    const t = await startTestServer({
      janus: `general: { admin_secret = "x" }\nplugins: { load = [ "${distPath('examples', 'hello-plugin')}" ] }\ntransports: { disable = "libjanus_websockets.so" }`,
      files: { 'janus.plugin.hello.jcfg': 'general: { greeting = "Ahoy" }' },
    });
    try {
      const info = (await get(`${t.url}/janus/info`)).json;
      assert.equal(info.transports['janus.transport.websockets'], undefined);
      assert.ok(info.plugins['janus.plugin.hello']);
      const S = (await post(`${t.url}/janus`, { janus: 'create', transaction: 'c' })).json.data.id;
      const H = (await post(`${t.url}/janus/${S}`, { janus: 'attach', plugin: 'janus.plugin.hello', transaction: 'a' })).json.data.id;
      const r = await post(`${t.url}/janus/${S}/${H}`, { janus: 'message', body: { request: 'hello', name: 'Lin' }, transaction: 'm' });
      assert.equal(r.json.plugindata.data.text, 'Ahoy, Lin!');
      // the plugin ends its own handle: the client gets `detached`
      await post(`${t.url}/janus/${S}/${H}`, { janus: 'message', body: { request: 'bye' }, transaction: 'b' });
      assert.deepEqual((await get(`${t.url}/janus/${S}`)).json, { janus: 'detached', session_id: S, sender: H });
    } finally {
      await t.stop();
    }
    const t2 = await startTestServer({
      janus: `plugins: { load = [ "${distPath('examples', 'hello-plugin')}" ], disable = "janus.plugin.hello" }`,
    });
    try {
      assert.equal((await get(`${t2.url}/janus/info`)).json.plugins['janus.plugin.hello'], undefined);
    } finally {
      await t2.stop();
    }
  });

  it('an unknown module in `load` is reported and the server still starts (unless exit_on_dl_error)', async () => {
    const t = await startTestServer({ janus: `plugins: { load = [ "/nonexistent/plugin" ] }` });
    await t.stop();
    await assert.rejects(startTestServer({ janus: `general: { exit_on_dl_error = true }\nplugins: { load = [ "/nonexistent/plugin" ] }` }), /Couldn't load plugin/);
  });

  it('-h, -V and bad flags', () => {
    const h = spawnSync(process.execPath, [main, '-h'], { encoding: 'utf8' });
    assert.equal(h.status, 0);
    for (const flag of ['--configs-folder', '--config', '--debug-level', '--version', '--set']) assert.ok(h.stdout.includes(flag), flag);
    const v = spawnSync(process.execPath, [main, '--version'], { encoding: 'utf8' });
    assert.equal(v.status, 0);
    assert.match(v.stdout, /^janus-ts \d+\.\d+\.\d+ \(Janus API 1\.1\.2\)/);
    assert.equal(spawnSync(process.execPath, [main, '--bogus'], { encoding: 'utf8' }).status, 1);
    assert.equal(spawnSync(process.execPath, [main, '-d', '9'], { encoding: 'utf8' }).status, 1);
  });

  it('starts from the command line with conf/ and --set overrides, and stops cleanly on SIGTERM', async () => {
    const ports = { http: await freePort(), admin: await freePort(), ws: await freePort(), adminWs: await freePort() };
    const child = spawn(process.execPath, [
      main, '-F', distPath('..', 'conf'), '-d', '4',
      '--set', `janus.transport.http:general.port=${ports.http}`, '--set', 'janus.transport.http:general.ip=127.0.0.1',
      '--set', `janus.transport.http:admin.admin_port=${ports.admin}`, '--set', 'janus.transport.http:admin.admin_ip=127.0.0.1',
      '--set', `janus.transport.websockets:general.ws_port=${ports.ws}`, '--set', 'janus.transport.websockets:general.ws_ip=127.0.0.1',
      '--set', `janus.transport.websockets:admin.admin_ws_port=${ports.adminWs}`, '--set', 'janus.transport.websockets:admin.admin_ws_ip=127.0.0.1',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await until(() => out.includes('server started'), 15000); // up to 15 s on a loaded machine
      const S = (await post(`http://127.0.0.1:${ports.http}/janus`, { janus: 'create', transaction: 'c' })).json.data.id;
      const admin = await post(`http://127.0.0.1:${ports.admin}/admin`, { janus: 'list_sessions', admin_secret: 'janusoverlord', transaction: 'l' });
      assert.deepEqual(admin.json.sessions, [S]);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    // Janus-style text lines by default (log_json = false)
    assert.match(out, /\[INFO\] \[sessions\] Session destroyed \(session=\d+ reason=shutdown\)/);
    assert.match(out, /Server stopped/);
  });
});
