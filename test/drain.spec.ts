import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { adminPost, JanusWs, onTracks, openVideoEcho, RtpPump, sleep, startMediaServer, until } from './media-support';
import { freePort, freePorts, rtpPortRange } from './support/ports';
import { distPath } from './support/server';
import { api, HttpSink, makeConfigs, removeConfigs, startServer, waitUntil } from './support/evh-harness';

const main = distPath('core', 'main.js');

async function readyStatus(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/readyz`)).status;
  } catch {
    return 0;
  }
}

describe('graceful drain', function () {
  this.timeout(60000);

  it('SIGTERM during a call: /readyz fails at once, create refused, the call goes on until the deadline, then hangup/detached and a clean exit', async () => {
    const ports = await freePorts('ws', 'admin', 'metrics');
    const DEADLINE = 4;
    const child = spawn(process.execPath, [
      main, '-F', distPath('..', 'conf'), '-d', '4',
      '--set', 'janus:metrics.enabled=true', '--set', `janus:metrics.port=${ports.metrics}`,
      '--set', `janus:general.drain_timeout=${DEADLINE}`,
      '--set', `janus:media.rtp_port_range=${rtpPortRange()}`, '--set', 'janus:nat.ice_enforce_list=127.0.0.1',
      '--set', 'janus.transport.http:general.http=false', '--set', 'janus.transport.http:admin.admin_http=true',
      '--set', `janus.transport.http:admin.admin_port=${ports.admin}`, '--set', 'janus.transport.http:admin.admin_ip=127.0.0.1',
      '--set', `janus.transport.websockets:general.ws_port=${ports.ws}`, '--set', 'janus.transport.websockets:general.ws_ip=127.0.0.1',
      '--set', 'janus.transport.websockets:admin.admin_ws=false',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let exitedAt = 0;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
      exitedAt = Date.now();
      resolve(code);
    }));
    const metricsUrl = `http://127.0.0.1:${ports.metrics}`;
    const wsUrl = `ws://127.0.0.1:${ports.ws}`;
    try {
      assert.ok(await until(() => out.includes('server started'), 15000), out);
      assert.equal(await readyStatus(metricsUrl), 200);
      const echo = await openVideoEcho(wsUrl, 15000);
      let got = 0;
      onTracks(echo.video, () => got++);
      const pump = new RtpPump(echo.video, echo.video.codecs[0].payloadType!, 600, 3000);
      pump.start(50);
      try {
        assert.ok(await until(() => got > 20, 10000), `echoed ${got}`);
        const t0 = Date.now();
        child.kill('SIGTERM');
        // readiness fails at once (a load balancer moves new users away)
        const unready = await until(async () => (await readyStatus(metricsUrl)) === 503, 1000, 25);
        assert.ok(unready, '/readyz still 200 after 1 s');
        assert.ok(Date.now() - t0 < 1500, `/readyz turned unready after ${Date.now() - t0} ms`);
        const body = await (await fetch(`${metricsUrl}/readyz`)).json();
        assert.deepEqual(body, { ready: false, problems: ['draining'] });
        assert.match(await (await fetch(`${metricsUrl}/metrics`)).text(), /^janus_draining 1$/m);
        // the client hears about it; a new session is refused with Janus's 472
        const draining = await echo.janus.waitFor((m) => m.janus === 'draining', 3000, 'draining');
        assert.equal(draining.timeout, DEADLINE);
        const late = await JanusWs.connect(wsUrl);
        const refused = await late.request({ janus: 'create' });
        assert.equal(refused.janus, 'error');
        assert.equal(refused.error.code, 472);
        late.close();
        // the call goes on during the drain
        const atStart = got;
        await until(() => got > atStart + 20, 3000);
        assert.ok(got > atStart + 20, `media stopped during the drain: ${atStart} -> ${got}`);
        assert.equal(echo.janus.events.filter((m) => m.janus === 'hangup' || m.janus === 'detached').length, 0);
        // at the deadline: hangup and detached, then the process exits cleanly
        const hangup = await echo.janus.waitFor((m) => m.janus === 'hangup', (DEADLINE + 5) * 1000, 'hangup');
        const hangupAt = Date.now();
        await echo.janus.waitFor((m) => m.janus === 'detached', 2000, 'detached');
        assert.equal(hangup.sender, echo.handle);
        assert.ok(hangupAt - t0 >= DEADLINE * 1000 - 300, `hangup after ${hangupAt - t0} ms, before the ${DEADLINE} s deadline`);
        assert.equal(await exited, 0);
        assert.ok(exitedAt - t0 < (DEADLINE + 5) * 1000, `exit after ${exitedAt - t0} ms`);
      } finally {
        pump.stop();
        await echo.pc.close();
        echo.janus.close();
      }
      assert.match(out, /Drain deadline reached: closing what is left \(activeMedia=1\)/);
      assert.match(out, /Server stopped/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('Admin `drain` with no active media: stops at once after detaching every handle', async () => {
    const srv = await startMediaServer({ 'metrics.enabled': true, 'metrics.port': 0 });
    const metricsUrl = `http://127.0.0.1:${srv.server.metricsPort}`;
    try {
      const janus = await JanusWs.connect(srv.wsUrl);
      await janus.createSession();
      const handle = await janus.attach();
      const bad = await adminPost(srv.adminUrl, { janus: 'drain', timeout: 'soon' });
      assert.equal(bad.janus, 'error');
      assert.equal(bad.error.code, 467);
      const t0 = Date.now();
      const r = await adminPost(srv.adminUrl, { janus: 'drain', timeout: 20 });
      assert.equal(r.janus, 'success', JSON.stringify(r));
      assert.equal(r.timeout, 20);
      await janus.waitFor((m) => m.janus === 'draining', 3000, 'draining');
      const detached = await janus.waitFor((m) => m.janus === 'detached', 5000, 'detached');
      assert.equal(detached.sender, handle);
      await Promise.race([srv.server.whenStopped, sleep(5000)]);
      assert.ok(Date.now() - t0 < 5000, 'no media: the drain does not wait for its deadline');
      assert.equal(await readyStatus(metricsUrl), 0, 'the metrics endpoint closed with the server');
      janus.close();
    } finally {
      await srv.stop();
    }
  });

  it('event handlers hear the drain (core event, subtype 3) before the shutdown; their counters show on /metrics', async () => {
    const sink = new HttpSink(await freePort());
    await sink.start();
    const ports = { http: await freePort(), admin: await freePort() };
    const dir = makeConfigs({ 'janus.eventhandler.sampleevh': `general: {\n\tenabled = true\n\tbackend = "http://127.0.0.1:${sink.port}/evh"\n\tevents = "core,sessions"\n}\n` });
    const server = await startServer(dir, ports, { janus: { 'metrics.enabled': true, 'metrics.port': 0 } });
    try {
      const created = await api(`http://127.0.0.1:${ports.http}/janus`, { janus: 'create', transaction: 'c' });
      assert.equal(created.janus, 'success');
      await waitUntil(() => sink.events().some((e) => e.type === 1), 5000, 'session event');
      const text = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
      const sent = /^janus_eventhandler_sent_total\{handler="janus.eventhandler.sampleevh"\} (\d+)$/m.exec(text);
      assert.ok(sent && Number(sent[1]) >= 2, `sent counter: ${sent?.[0]}`);
      assert.match(text, /^janus_eventhandler_queue_depth\{handler="janus.eventhandler.sampleevh"\} \d+$/m);
      assert.match(text, /^janus_eventhandler_dropped_total\{handler="janus.eventhandler.sampleevh",reason="overflow"\} 0$/m);
      const r = await api(`http://127.0.0.1:${ports.admin}/admin`, { janus: 'drain', admin_secret: 'janusoverlord', transaction: 'd', timeout: 5 });
      assert.equal(r.janus, 'success');
      await Promise.race([server.whenStopped, sleep(8000)]);
      await waitUntil(() => sink.events().some((e) => e.type === 256 && e.subtype === 2), 5000, 'shutdown event');
      const core = sink.events().filter((e) => e.type === 256).map((e) => [e.subtype, (e.event as Record<string, unknown>).status]);
      assert.deepEqual(core.slice(-2), [[3, 'draining'], [2, 'shutdown']]);
      const drainEv = sink.events().find((e) => e.type === 256 && e.subtype === 3)!;
      assert.deepEqual(drainEv.event, { status: 'draining', origin: 'admin', timeout: 5 });
    } finally {
      await server.stop();
      await sink.stop?.();
      removeConfigs();
    }
  });
});
