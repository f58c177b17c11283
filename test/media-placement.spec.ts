import * as assert from 'node:assert/strict';
import { MEDIA_PORT } from '../core/media/media-port';
import { keepsGroup } from '../core/media-workers/affinity-groups';
import { WorkerMediaPort } from '../core/media-workers/worker-media-port';
import { until } from './support/wait';
import { clientPeer, gathered, JanusWs, startMediaServer, type MediaServer } from './media-support';

/**
 * Placement of handles on media workers: least-loaded, unless the plugin hinted an affinity
 * (`PluginHandle.hintMediaAffinity`, VideoRoom: the room at `join`), then with the others of
 * its group while that worker has headroom or is not much busier than the rest.
 */
describe('Media workers: placement by plugin affinity', function () {
  this.timeout(60000);
  let ts: MediaServer;
  let port: WorkerMediaPort;
  const open: JanusWs[] = [];
  const peers: Array<{ close(): Promise<void> }> = [];

  before(async () => {
    ts = await startMediaServer({ 'media.media_workers': 2 });
    port = ts.server.container.resolve<WorkerMediaPort>(MEDIA_PORT);
    assert.ok(port instanceof WorkerMediaPort);
  });
  after(async () => {
    for (const p of peers) await p.close();
    for (const j of open) j.close();
    await ts?.stop();
  });

  /** A VideoRoom publisher in `room` that sent its offer (so it is placed); returns its handle. */
  async function publisher(room: number, display: string): Promise<number> {
    const janus = await JanusWs.connect(ts.wsUrl);
    open.push(janus);
    await janus.createSession();
    const handle = await janus.attach('janus.plugin.videoroom');
    const j = await janus.message(handle, { request: 'join', ptype: 'publisher', room, display });
    await janus.waitFor((m) => m.transaction === j.transaction && m.janus === 'event', 8000, 'joined');
    const pc = clientPeer();
    peers.push(pc);
    pc.addTransceiver('audio', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const c = await janus.message(handle, { request: 'configure', audio: true }, { type: 'offer', sdp: pc.localDescription!.sdp });
    await janus.waitFor((m) => m.transaction === c.transaction && m.jsep?.type === 'answer', 8000, 'answer');
    return handle;
  }

  /** An EchoTest handle (no hint) that sent its offer. */
  async function echo(): Promise<number> {
    const janus = await JanusWs.connect(ts.wsUrl);
    open.push(janus);
    await janus.createSession();
    const handle = await janus.attach();
    const pc = clientPeer();
    peers.push(pc);
    pc.addTransceiver('audio', { direction: 'sendrecv' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    const c = await janus.message(handle, { audio: true }, { type: 'offer', sdp: pc.localDescription!.sdp });
    await janus.waitFor((m) => m.transaction === c.transaction && m.jsep?.type === 'answer', 8000, 'answer');
    return handle;
  }

  it('a room\'s publishers share a worker; unhinted handles go to the least-loaded one', async () => {
    const a = await publisher(1234, 'a');
    const b = await publisher(1234, 'b');
    const c = await publisher(1234, 'c');
    const w = port.workerIndexOf(a);
    assert.notEqual(w, undefined);
    // least-loaded alone would have alternated the workers
    assert.equal(port.workerIndexOf(b), w, 'b with a');
    assert.equal(port.workerIndexOf(c), w, 'c with a');
    const e = await echo();
    assert.notEqual(port.workerIndexOf(e), w, 'the echo goes to the idle worker');
  });

  it('a room stays on its worker beyond 8 handles more than the other while that worker is idle', async () => {
    const janus = await JanusWs.connect(ts.wsUrl);
    open.push(janus);
    await janus.createSession();
    const created = await janus.message(await janus.attach('janus.plugin.videoroom'), { request: 'create', room: 4321, publishers: 20 });
    assert.equal(created.reply.plugindata?.data?.videoroom, 'created');
    const first = await publisher(4321, 'p0');
    const w = port.workerIndexOf(first);
    // a worker with no report yet counts as busy: wait for both workers' first (each second)
    const reported = () => (port.loopHealth().workers as Array<{ loop: unknown }>).every((x) => x.loop !== null);
    assert.ok(await until(reported, 5000), 'both workers reported their loop health');
    for (let i = 1; i <= 11; i++) assert.equal(port.workerIndexOf(await publisher(4321, `p${i}`)), w, `p${i} with p0`);
  });

  it('a busy worker keeps its group only within 8 handles of the least-loaded one', () => {
    assert.equal(keepsGroup({ handles: 40, utilization: 0.3 }, { handles: 2 }), true, 'headroom');
    assert.equal(keepsGroup({ handles: 40, utilization: 0.7 }, { handles: 2 }), false, 'busy and far ahead');
    assert.equal(keepsGroup({ handles: 10, utilization: 0.9 }, { handles: 2 }), true, 'busy but within 8');
    assert.equal(keepsGroup({ handles: 11 }, { handles: 2 }), false, 'no report yet counts as busy');
    assert.equal(keepsGroup({ handles: 70, utilization: 0.1 }, { handles: 2 }), false, 'idle but far ahead');
    assert.equal(keepsGroup({ handles: 5, utilization: 0.1, portsLeft: 0 }, { handles: 2 }), false, 'no port left in its share');
  });
});
