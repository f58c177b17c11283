import * as assert from 'node:assert/strict';
import { MEDIA_PORT } from '../core/media/media-port';
import { WorkerMediaPort } from '../core/media-workers/worker-media-port';
import { adminPost, onTracks, openVideoEcho, RtpPump, startMediaServer, until, type MediaServer } from './media-support';

type Echo = Awaited<ReturnType<typeof openVideoEcho>>;

/** An echo call that pumps video and counts what comes back. */
async function echoCall(ts: MediaServer) {
  const call: Echo & { got: number; pump: RtpPump } = Object.assign(await openVideoEcho(ts.wsUrl), { got: 0, pump: undefined as unknown as RtpPump });
  onTracks(call.video, () => call.got++);
  call.pump = new RtpPump(call.video, call.video.codecs[0].payloadType!, 600, 3000);
  call.pump.start(50);
  return call;
}

function close(c: Echo & { pump: RtpPump }): void {
  c.pump.stop();
  void c.pc.close();
  c.janus.close();
}

describe('Media workers: PeerConnections on worker threads', function () {
  this.timeout(60000);
  let ts: MediaServer;
  let port: WorkerMediaPort;

  before(async () => {
    ts = await startMediaServer({ 'media.media_workers': 2 });
    port = ts.server.container.resolve<WorkerMediaPort>(MEDIA_PORT);
    assert.ok(port instanceof WorkerMediaPort, 'media_workers = 2 gives the worker media port');
  });
  after(async () => ts?.stop());

  it('spreads handles over the workers and reports each thread\'s event loop in Admin loop_health', async () => {
    const a = await echoCall(ts);
    const b = await echoCall(ts);
    try {
      assert.ok(await until(() => a.got > 20 && b.got > 20, 15000), `echo flows: ${a.got}, ${b.got}`);
      assert.notEqual(port.workerIndexOf(a.handle), port.workerIndexOf(b.handle), 'least loaded: one call per worker');
      assert.ok(await until(() => (port.loopHealth().workers as Array<{ loop: unknown }>).every((w) => w.loop !== null), 5000));
      const r = await adminPost(ts.adminUrl, { janus: 'loop_health' });
      assert.equal(r.janus, 'success', JSON.stringify(r));
      assert.equal(r.health.workers.length, 2);
      for (const w of r.health.workers) {
        assert.equal(w.alive, true);
        assert.equal(w.handles, 1);
        assert.equal(typeof w.loop.utilization, 'number');
        assert.equal(typeof w.loop.delay_p99_ms, 'number');
      }
      assert.equal(typeof r.health.main.utilization, 'number');
      // handle_info still shows the PeerConnection, fetched from its worker
      const info = await adminPost(ts.adminUrl, { janus: 'handle_info', session_id: a.janus.session, handle_id: a.handle });
      assert.equal(info.info.flags.ready, true, JSON.stringify(info.info.flags));
      assert.ok(info.info.webrtc, 'webrtc part present');
    } finally {
      close(a);
      close(b);
    }
  });

  it('a worker that dies mid-call: its handles get hangup (plugin first), the other call goes on, the worker restarts', async () => {
    const a = await echoCall(ts);
    const b = await echoCall(ts);
    try {
      assert.ok(await until(() => a.got > 20 && b.got > 20, 15000), `echo flows: ${a.got}, ${b.got}`);
      const wa = port.workerIndexOf(a.handle)!;
      assert.notEqual(wa, port.workerIndexOf(b.handle));
      const restarts = port.restarts;
      port.crashWorker(wa);
      const hangup = await a.janus.waitFor((m) => m.janus === 'hangup', 10000, 'hangup');
      assert.equal(hangup.reason, 'Media worker failed');
      // as on a failed PeerConnection: the plugin heard first (EchoTest says "done"), then the client
      const iDone = a.janus.events.findIndex((m) => m.janus === 'event' && m.plugindata?.data?.result === 'done');
      const iHangup = a.janus.events.indexOf(hangup);
      assert.ok(iDone >= 0 && iDone < iHangup, `plugin event before hangup: ${iDone} < ${iHangup}`);
      // the other worker's call never noticed
      const before = b.got;
      assert.ok(await until(() => b.got > before + 30, 10000), `call on the other worker goes on: ${before} → ${b.got}`);
      assert.equal(b.janus.events.some((m) => m.janus === 'hangup'), false);
      // restarted, and takes new calls
      assert.ok(await until(() => port.restarts === restarts + 1, 5000), 'worker restarted');
      const c = await echoCall(ts);
      try {
        assert.ok(await until(() => c.got > 10, 15000), `new call after the restart: ${c.got}`);
      } finally {
        close(c);
      }
    } finally {
      close(a);
      close(b);
    }
  });
});
