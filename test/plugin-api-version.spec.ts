import 'reflect-metadata';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PLUGIN_API_VERSION } from '../core/plugin-api';
import { builtinModules, buildRoot } from '../core/modules/builtins';
import { until } from './support/mq-harness';
import { startTestServer, type TestServer } from './support/server';

/** A third-party plugin module on disk declaring `apiVersion` (or nothing when undefined). */
function writePlugin(dir: string, pkg: string, apiVersion: number | undefined): string {
  const file = path.join(dir, `${pkg}.js`);
  fs.writeFileSync(file, `'use strict';
class P {
  constructor() {
    this.kind = 'plugin';
    ${apiVersion === undefined ? '' : `this.apiVersion = ${apiVersion};`}
    this.info = { package: '${pkg}', name: 'x', author: 'x', description: 'x', version: 1, versionString: '1' };
  }
  init() {}
  destroy() {}
  createSession() { return {}; }
  handleMessage() { return { kind: 'ok', data: {} }; }
  destroySession() {}
}
module.exports = { default: P };
`);
  return file;
}

describe('Plugin API version (Janus get_api_compatibility)', function () {
  this.timeout(20000);
  let dir: string;
  const servers: TestServer[] = [];
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-apiver-'));
  });
  after(async () => {
    while (servers.length) await servers.pop()!.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every built-in module declares the current version', () => {
    for (const b of builtinModules) {
      const file = path.join(buildRoot, b.dir, 'index.js');
      if (!fs.existsSync(file)) continue;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const Cls = require(file).default;
      assert.equal(new Cls().apiVersion, PLUGIN_API_VERSION, b.package);
    }
  });

  it('loads a module built for this version, refuses older/newer/undeclared ones with a clear message', async () => {
    const good = writePlugin(dir, 'test.plugin.good', PLUGIN_API_VERSION);
    const old = writePlugin(dir, 'test.plugin.old', PLUGIN_API_VERSION - 1);
    const none = writePlugin(dir, 'test.plugin.none', undefined);
    const srv = await startTestServer({ janus: `general: { admin_secret = "janusoverlord" }\nplugins: { load = [ "${good}", "${old}", "${none}" ] }` });
    servers.push(srv);
    const info = (await (await fetch(`${srv.url}/janus/info`)).json()) as { plugins: Record<string, unknown> };
    assert.ok(info.plugins['test.plugin.good'], 'the compatible module is loaded');
    assert.equal(info.plugins['test.plugin.old'], undefined);
    assert.equal(info.plugins['test.plugin.none'], undefined);
    // the log is written asynchronously: wait for the second refusal to reach the file
    const read = () => fs.readFileSync(path.join(srv.folder, 'janus.log'), 'utf8');
    await until('the refusals in the log', () => /test\.plugin\.none declares/.test(read()), 5000);
    const log = read();
    assert.match(log, new RegExp(`test.plugin.old was built for plugin API version ${PLUGIN_API_VERSION - 1}, this server implements version ${PLUGIN_API_VERSION}`));
    assert.match(log, /test.plugin.none declares no plugin API version/);
  });

  it('with exit_on_dl_error, an incompatible module stops the start-up', async () => {
    const newer = writePlugin(dir, 'test.plugin.newer', PLUGIN_API_VERSION + 1);
    await assert.rejects(
      startTestServer({ janus: `general: { exit_on_dl_error = true }\nplugins: { load = [ "${newer}" ] }` }),
      new RegExp(`Couldn't load plugin .*test.plugin.newer was built for plugin API version ${PLUGIN_API_VERSION + 1}`),
    );
  });
});
