import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer, type TestServer } from './videoroom-helpers';

/** Raw GET, so paths like /../x reach the server unnormalised. */
function rawGet(port: number, p: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    let data = '';
    s.on('data', (d) => (data += d));
    s.on('error', reject);
    s.on('end', () => {
      const [head, ...rest] = data.split('\r\n\r\n');
      resolve({ status: Number(head.split(' ')[1]), type: /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '', body: rest.join('\r\n\r\n') });
    });
  });
}

describe('videoroom: demo pages served by the HTTP transport (demos_folder)', function () {
  let ts: TestServer;
  let dir: string;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vr-demos-'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<p>demos</p>');
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'sub', 'a.js'), 'x=1');
    fs.writeFileSync(path.join(path.dirname(dir), 'vr-demos-secret.txt'), 'secret');
    ts = await startServer({ http: { 'general.demos_folder': dir } });
  });
  after(async () => {
    await ts?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(path.join(path.dirname(dir), 'vr-demos-secret.txt'), { force: true });
  });

  it('serves files with their types, index.html for folders, 404 otherwise, never outside the folder', async () => {
    assert.deepEqual(await rawGet(ts.ports.http, '/'), { status: 200, type: 'text/html; charset=utf-8', body: '<p>demos</p>' });
    assert.equal((await rawGet(ts.ports.http, '/sub/a.js')).type, 'application/javascript; charset=utf-8');
    assert.equal((await rawGet(ts.ports.http, '/nope.html')).status, 404);
    assert.equal((await rawGet(ts.ports.http, '/../vr-demos-secret.txt')).status, 404);
    assert.equal((await rawGet(ts.ports.http, '/%2e%2e/vr-demos-secret.txt')).status, 404);
    assert.equal((await rawGet(ts.ports.http, '/sub/%2e%2e/%2e%2e/vr-demos-secret.txt')).status, 404);
    // the Janus API still answers on its path
    assert.equal((await rawGet(ts.ports.http, '/janus/info')).status, 200);
    // janus.js: Debian's copy when the folder has none
    const js = await rawGet(ts.ports.http, '/janus.js');
    if (fs.existsSync('/usr/share/javascript/janus-gateway/janus.js')) assert.equal(js.status, 200);
    else assert.equal(js.status, 404);
  });

  it('is off by default', async () => {
    const plain = await startServer();
    try {
      assert.equal((await rawGet(plain.ports.http, '/index.html')).status, 404);
    } finally {
      await plain.stop();
    }
  });
});
