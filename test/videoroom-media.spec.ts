import assert from 'node:assert/strict';
import type { RTCPeerConnection } from 'werift';
import { gathered, JanusWs, until } from './media-support';
import { startServer, type TestServer } from './videoroom-helpers';
import { Received, vrPeer, watch } from './videoroom-media-support';
// the publisher of the cascade specs: audio+video (+ a data channel), pumping tagged RTP
import { event, publisher, pump, type Pub } from './videoroom-remote-support';

const VR = 'janus.plugin.videoroom';
type Msg = Record<string, any>;

interface Sub {
  handle: number;
  pc: RTCPeerConnection;
  received: Map<string, Received>;
  attached: Msg;
  texts: string[];
}

/** Subscribe on `janus`'s session, answer the offer with werift, `start`, wait for webrtcup. */
async function subscriber(janus: JanusWs, body: Msg): Promise<Sub> {
  const handle = await janus.attach(VR);
  const { transaction } = await janus.message(handle, { request: 'join', ptype: 'subscriber', ...body });
  const ev = await event(janus, transaction);
  assert.equal(ev.plugindata.data.videoroom, 'attached', JSON.stringify(ev.plugindata.data));
  assert.equal(ev.jsep.type, 'offer');
  const pc = vrPeer();
  const texts: string[] = [];
  pc.onDataChannel.subscribe((ch) => ch.onMessage.subscribe((m) => texts.push(String(m))));
  const received = new Map<string, Received>();
  pc.onTransceiverAdded.subscribe((t) => {
    const r = new Received();
    received.set(t.mid!, r);
    watch(t, r);
  });
  await pc.setRemoteDescription(ev.jsep);
  for (const t of pc.getTransceivers()) {
    if (!received.has(t.mid!)) {
      const r = new Received();
      received.set(t.mid!, r);
      watch(t, r);
    }
  }
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  const st = await janus.message(handle, { request: 'start' }, { type: 'answer', sdp: pc.localDescription!.sdp });
  const started = await event(janus, st.transaction);
  assert.deepEqual(started.plugindata.data, { videoroom: 'event', room: body.room, started: 'ok' });
  await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 20000, 'subscriber webrtcup');
  return { handle, pc, received, attached: ev.plugindata.data, texts };
}

describe('videoroom: media through werift peers', function () {
  this.timeout(60000);
  let ts: TestServer;
  before(async () => {
    ts = await startServer({ werift: true });
  });
  after(async () => {
    await ts?.stop();
  });

  it('3 publishers, each subscribed to the other two in one multistream PeerConnection: audio and video from the right feeds', async () => {
    const pubs: Pub[] = [];
    for (const id of [1, 2, 3]) pubs.push(await publisher(ts.wsUrl, 1234, id, id === 1));
    const subs: Sub[] = [];
    for (const p of pubs) {
      const others = pubs.filter((o) => o !== p).map((o) => ({ feed: o.id }));
      subs.push(await subscriber(p.janus, { room: 1234, streams: others, private_id: undefined }));
    }
    for (const p of pubs) pump(p);
    // 100 packets per stream, however long a loaded machine takes to send them
    assert.ok(await until(() => pubs.every((p) => p.pumps.every((x) => x.sent >= 100)), 20000), 'publishers could not send');
    for (const p of pubs) for (const x of p.pumps) x.stop();
    // then until every subscriber m-line got 90 % of what its feed sent (what is in flight lands)
    const complete = () => subs.every((s) => (s.attached.streams as Msg[]).filter((x) => x.type !== 'data').every((st) => {
      const src = pubs.find((p) => p.id === st.feed_id)!.pumps[st.type === 'audio' ? 0 : 1];
      return (s.received.get(st.mid)?.count(st.feed_id * 10 + (st.type === 'audio' ? 1 : 2)) ?? 0) >= src.sent * 0.9;
    }));
    await until(complete, 5000);
    for (let i = 0; i < 3; i++) {
      const s = subs[i];
      const streams = s.attached.streams as Msg[];
      const media = streams.filter((x) => x.type !== 'data');
      assert.equal(media.length, 4);
      for (const st of media) {
        const r = s.received.get(st.mid)!;
        const tag = st.feed_id * 10 + (st.type === 'audio' ? 1 : 2);
        const src = pubs.find((p) => p.id === st.feed_id)!.pumps[st.type === 'audio' ? 0 : 1];
        assert.ok(r, `subscriber ${i} has m-line ${st.mid}`);
        assert.equal(r.tags.size, 1, `only feed ${st.feed_id} ${st.type} on mid ${st.mid}: ${JSON.stringify([...r.tags])}`);
        assert.ok(r.count(tag) >= src.sent * 0.9, `subscriber ${i} mid ${st.mid} got ${r.count(tag)}/${src.sent}`);
        assert.ok(r.maxStep() <= 2, `continuous sequence numbers (max step ${r.maxStep()})`);
      }
    }
    // publisher 1 has a data channel: its subscribers (2 and 3) have a data m-line from it, and get its messages
    assert.deepEqual((subs[1].attached.streams as Msg[]).filter((x) => x.type === 'data').map((x) => x.source_ids), [[1]]);
    const dc = pubs[0].dc!;
    if (dc.readyState !== 'open') await new Promise<void>((r) => dc.stateChanged.subscribe((st) => st === 'open' && r()));
    dc.send('hello room');
    await until(() => subs[1].texts.length > 0 && subs[2].texts.length > 0, 2000);
    assert.deepEqual(subs[1].texts, ['hello room']);
    assert.deepEqual(subs[2].texts, ['hello room']);
    assert.deepEqual(subs[0].texts, []);
    for (const s of subs) await s.pc.close();
    for (const p of pubs) {
      await p.pc.close();
      p.janus.close();
    }
  });

  it('switch and pause/start keep the subscriber sequence numbers continuous', async () => {
    const room = 777;
    const admin = await JanusWs.connect(ts.wsUrl);
    await admin.createSession();
    const h = await admin.attach(VR);
    const c = await admin.request({ janus: 'message', handle_id: h, body: { request: 'create', room, publishers: 4 } });
    assert.equal(c.plugindata.data.videoroom, 'created');
    const a = await publisher(ts.wsUrl, room, 1);
    const b = await publisher(ts.wsUrl, room, 2);
    pump(a);
    pump(b);
    const s = await subscriber(admin, { room, streams: [{ feed: 1, mid: '1' }] });
    const r = s.received.get('0')!;
    await until(() => r.seqs.length > 20, 8000);
    const before = r.seqs.length;
    assert.ok(before > 20 && r.count(12) === before, `feed 1 video: ${JSON.stringify([...r.tags])}`);
    const sw = await admin.message(s.handle, { request: 'switch', streams: [{ feed: 2, mid: '1', sub_mid: '0' }] });
    const swe = await event(admin, sw.transaction);
    assert.equal(swe.plugindata.data.switched, 'ok');
    await until(() => r.count(22) > 20, 8000);
    assert.ok(r.count(22) > 20, `feed 2 video after switch: ${JSON.stringify([...r.tags])}`);
    const idx = r.seqs.length - r.count(22);
    assert.ok(((r.seqs[idx] - r.seqs[idx - 1]) & 0xffff) <= 2, `switch: ${r.seqs[idx - 1]} -> ${r.seqs[idx]}`);
    // a second subscriber to feed 2 is the witness: what it receives after the pause, the paused
    // one would have received too
    const w = await subscriber(admin, { room, streams: [{ feed: 2, mid: '1' }] });
    const wr = w.received.get('0')!;
    const pz = await admin.message(s.handle, { request: 'pause' });
    assert.equal((await event(admin, pz.transaction)).plugindata.data.paused, 'ok');
    const lastPaused = r.seqs.length;
    const witnessed = wr.count(22);
    assert.ok(await until(() => wr.count(22) >= witnessed + 35, 8000), `the witness got ${wr.count(22) - witnessed} of 35`);
    assert.ok(r.seqs.length - lastPaused <= 1, `${r.seqs.length - lastPaused} packets while paused`);
    const st = await admin.message(s.handle, { request: 'start' });
    assert.equal((await event(admin, st.transaction)).plugindata.data.started, 'ok');
    await until(() => r.seqs.length - lastPaused > 15, 8000);
    assert.ok(r.seqs.length - lastPaused > 15, 'flowing again');
    assert.ok(((r.seqs[lastPaused] - r.seqs[lastPaused - 1]) & 0xffff) <= 2, `resume: ${r.seqs[lastPaused - 1]} -> ${r.seqs[lastPaused]} (35+ packets skipped upstream)`);
    assert.ok(r.maxStep() <= 2, `max step ${r.maxStep()}`);
    for (const p of [a, b]) {
      for (const x of p.pumps) x.stop();
      await p.pc.close();
      p.janus.close();
    }
    await s.pc.close();
    await w.pc.close();
    admin.close();
  });

  it('0.x feed subscriber: attached with deprecated_api, media flows, PeerConnection closed when the publisher leaves', async () => {
    const room = 778;
    const admin = await JanusWs.connect(ts.wsUrl);
    await admin.createSession();
    const h = await admin.attach(VR);
    await admin.request({ janus: 'message', handle_id: h, body: { request: 'create', room } });
    const a = await publisher(ts.wsUrl, room, 5);
    pump(a);
    const s = await subscriber(admin, { room, feed: 5 });
    assert.equal(s.attached.warning, 'deprecated_api');
    assert.equal(s.attached.id, 5);
    assert.equal(s.attached.display, 'p5');
    await until(() => s.received.get('0')!.count(51) > 20 && s.received.get('1')!.count(52) > 20, 8000);
    assert.ok(s.received.get('0')!.count(51) > 20 && s.received.get('1')!.count(52) > 20);
    const u = await a.janus.message(a.handle, { request: 'unpublish' });
    assert.deepEqual((await event(a.janus, u.transaction)).plugindata.data, { videoroom: 'event', room, unpublished: 'ok' });
    await admin.waitFor((m) => m.janus === 'hangup' && m.sender === s.handle, 5000, 'subscriber hangup');
    for (const x of a.pumps) x.stop();
    await a.pc.close();
    await s.pc.close();
    a.janus.close();
    admin.close();
  });
});
