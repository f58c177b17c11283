import * as assert from 'node:assert/strict';
import { MEDIA_PORT } from '../core/media/media-port';
import { WorkerMediaPort } from '../core/media-workers/worker-media-port';
import * as dgram from 'node:dgram';
import { JanusWs, startMediaServer, until, type MediaServer } from './media-support';
import { publisher, pump, subscriber, type Pub, type Sub } from './videoroom-remote-support';

const ROOM = 1234;

/**
 * VideoRoom fan-out as core media routes with two media workers, placed least-loaded (no room
 * affinity) so that a publisher's subscribers sit on both workers: the publisher's worker relays
 * to its own subscribers and copies each packet once to the other worker, whose subscribers get
 * it from there. The main thread is not on the packet path.
 */
describe('Media routes: VideoRoom fan-out in the media workers', function () {
  this.timeout(60000);
  let ts: MediaServer;
  let port: WorkerMediaPort;
  let pub: Pub | undefined;
  const subs: Sub[] = [];

  before(async () => {
    ts = await startMediaServer({ 'media.media_workers': 2, 'media.media_affinity': false });
    port = ts.server.container.resolve<WorkerMediaPort>(MEDIA_PORT);
    assert.ok(port instanceof WorkerMediaPort);
  });
  after(async () => {
    pub?.pumps.forEach((p) => p.stop());
    for (const s of subs) {
      await s.pc.close();
      s.janus.close();
    }
    if (pub) {
      await pub.pc.close();
      pub.janus.close();
    }
    await ts?.stop();
  });

  const videoMid = (s: Sub) => (s.attached.streams as Array<{ type: string; mid: string }>).find((x) => x.type === 'video')!.mid;
  const audioMid = (s: Sub) => (s.attached.streams as Array<{ type: string; mid: string }>).find((x) => x.type === 'audio')!.mid;

  it('subscribers on both workers get every stream, continuous, and the main thread relays nothing', async () => {
    pub = await publisher(ts.wsUrl, ROOM, 501);
    for (let i = 0; i < 3; i++) subs.push(await subscriber(ts.wsUrl, { room: ROOM, streams: [{ feed: 501 }] }));
    const pw = port.workerIndexOf(pub.handle);
    const where = subs.map((s) => port.workerIndexOf(s.handle));
    assert.ok(where.some((w) => w !== pw) && where.some((w) => w === pw), `publisher on ${pw}, subscribers on ${where}`);
    pump(pub, 50);
    const before = port.ringRecords();
    assert.ok(await until(() => subs.every((s) => s.received.get(videoMid(s))!.count(501 * 10 + 2) >= 100 && s.received.get(audioMid(s))!.count(501 * 10 + 1) >= 100), 15000), 'every subscriber gets audio and video');
    // every relayed packet stayed in the workers: nothing went main → worker on the rings, and the
    // publisher's RTP (~100 packets a second) did not come to the main thread either (only RTCP did)
    const after = port.ringRecords();
    assert.ok(after.toWorkers - before.toWorkers < 5, `main wrote ${after.toWorkers - before.toWorkers} records to the workers`);
    assert.ok(after.toMain - before.toMain < 60, `${after.toMain - before.toMain} records came to the main thread`);
    for (const s of subs) {
      const v = s.received.get(videoMid(s))!;
      assert.equal(v.maxStep(), 1, "video sequence numbers continuous");
    }
    const health = port.loopHealth() as { workers: Array<{ routes: number }> };
    assert.equal(health.workers.reduce((n, w) => n + w.routes, 0), 6, 'one route per subscribed m-line, where its subscriber is');
  });

  it('an rtp_forward brings the publisher\'s video to the main thread (and to the forwarder); its stop ends that', async () => {
    const sock = dgram.createSocket('udp4');
    let got = 0;
    sock.on('message', () => got++);
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    try {
      const admin = await JanusWs.connect(ts.wsUrl);
      await admin.createSession();
      const h = await admin.attach('janus.plugin.videoroom');
      const videoMidPub = '1';
      const fw = await admin.request({ janus: 'message', handle_id: h, body: { request: 'rtp_forward', room: ROOM, secret: 'adminpwd', publisher_id: 501, host: '127.0.0.1', streams: [{ mid: videoMidPub, port: sock.address().port }] } });
      const streamId = fw.plugindata.data.forwarders?.[0]?.stream_id;
      assert.ok(streamId, JSON.stringify(fw.plugindata.data));
      const at = port.ringRecords().toMain;
      assert.ok(await until(() => got >= 40, 8000), `forwarded: ${got}`);
      assert.ok(port.ringRecords().toMain - at >= 30, 'the video came to the main thread for the forwarder');
      await admin.request({ janus: 'message', handle_id: h, body: { request: 'stop_rtp_forward', room: ROOM, secret: 'adminpwd', publisher_id: 501, stream_id: streamId } });
      const stopped = port.ringRecords().toMain;
      const gotStopped = got;
      const v = subs[0].received.get(videoMid(subs[0]))!;
      const seen = v.seqs.length;
      assert.ok(await until(() => v.seqs.length >= seen + 60, 8000), 'media goes on');
      assert.ok(port.ringRecords().toMain - stopped < 40, `after the stop ${port.ringRecords().toMain - stopped} records came to main`);
      assert.ok(got - gotStopped < 5, 'the forwarder stopped');
      admin.close();
    } finally {
      sock.close();
    }
  });

  it('pause stops a subscriber on the other worker, start resumes it with continuous sequence numbers', async () => {
    const s = subs.find((x) => port.workerIndexOf(x.handle) !== port.workerIndexOf(pub!.handle))!;
    const v = s.received.get(videoMid(s))!;
    const other = subs.find((x) => x !== s)!.received.get(videoMid(subs.find((x) => x !== s)!))!;
    const { transaction } = await s.janus.message(s.handle, { request: 'pause' });
    await s.janus.waitFor((m) => m.transaction === transaction && m.janus === 'event');
    const held = v.seqs.length;
    const otherAt = other.seqs.length;
    assert.ok(await until(() => other.seqs.length >= otherAt + 50, 8000), 'the others go on');
    assert.ok(v.seqs.length <= held + 3, `paused subscriber got ${v.seqs.length - held} packets`);
    const st = await s.janus.message(s.handle, { request: 'start' });
    await s.janus.waitFor((m) => m.transaction === st.transaction && m.janus === 'event');
    assert.ok(await until(() => v.seqs.length >= held + 30, 8000), 'resumed');
    assert.equal(v.maxStep(held), 1, 'no sequence gap across pause/start');
  });

  it('a worker that stalls skips what waited too long on the ring from the publisher\'s worker, then relays fresh media', async () => {
    const pw = port.workerIndexOf(pub!.handle)!;
    const other = subs.find((x) => port.workerIndexOf(x.handle) !== pw)!;
    const ow = port.workerIndexOf(other.handle)!;
    const drops = () => (port.loopHealth() as { workers: Array<{ index: number; route_ring_drops: number }> }).workers.find((w) => w.index === ow)!.route_ring_drops;
    const before = drops();
    const v = other.received.get(videoMid(other))!;
    port.stallWorker(ow, 800);
    // the publisher's worker keeps copying into the ring meanwhile; most of it is > 200 ms old when read
    assert.ok(await until(() => drops() > before + 10, 8000), `stale packets dropped: ${drops() - before}`);
    const at = v.seqs.length;
    assert.ok(await until(() => v.seqs.length >= at + 50, 8000), 'fresh media after the stall');
    assert.equal(v.maxStep(at + 1), 1, 'continuous again after the gap');
  });

  it('the other worker dies: its subscriber gets hangup, the rest go on; a new subscriber there gets media again', async () => {
    const pw = port.workerIndexOf(pub!.handle)!;
    const victim = subs.find((x) => port.workerIndexOf(x.handle) !== pw)!;
    const survivor = subs.find((x) => port.workerIndexOf(x.handle) === pw)!;
    const sv = survivor.received.get(videoMid(survivor))!;
    port.crashWorker(port.workerIndexOf(victim.handle)!);
    await victim.janus.waitFor((m) => m.janus === 'hangup' && m.sender === victim.handle, 8000, 'hangup');
    const at = sv.seqs.length;
    assert.ok(await until(() => sv.seqs.length >= at + 50, 8000), 'the publisher\'s worker goes on relaying');
    assert.equal(sv.maxStep(at), 1);
    // the dead worker restarts; a new subscriber placed there is fed across workers again
    assert.ok(await until(() => (port.loopHealth() as { workers: Array<{ alive: boolean }> }).workers.every((w) => w.alive), 10000), 'worker restarted');
    let fresh: Sub | undefined;
    for (let i = 0; i < 3 && !fresh; i++) {
      const s = await subscriber(ts.wsUrl, { room: ROOM, streams: [{ feed: 501 }] });
      subs.push(s);
      if (port.workerIndexOf(s.handle) !== pw) fresh = s;
    }
    assert.ok(fresh, 'a subscriber on the restarted worker');
    const fv = fresh.received.get(videoMid(fresh))!;
    assert.ok(await until(() => fv.count(501 * 10 + 2) >= 50, 10000), `media across workers after the restart: ${fv.count(501 * 10 + 2)}`);
    assert.equal(fv.maxStep(), 1);
  });

  it('the publisher leaves: routes stop, subscribers hear it, the workers keep no route', async () => {
    pub!.pumps.forEach((p) => p.stop());
    const { transaction } = await pub!.janus.message(pub!.handle, { request: 'leave' });
    await pub!.janus.waitFor((m) => m.transaction === transaction && m.janus === 'event');
    // as Janus 1.1.x: each subscriber gets `updated` with its streams inactive
    const gone = (m: Record<string, any>) => m.plugindata?.data?.videoroom === 'updated' && m.plugindata.data.streams.every((x: { active: boolean }) => !x.active);
    await Promise.all(subs.map((s) => s.janus.waitFor(gone, 8000, 'updated, inactive')));
    // the sinks are detached from their source (they stay open for a later switch)
    assert.ok(await until(() => (port.loopHealth() as { workers: Array<{ fans: number }> }).workers.every((w) => w.fans === 0), 5000), 'no source fan left');
  });
});
