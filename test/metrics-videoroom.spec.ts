import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RTCPeerConnection } from 'werift';
import { gathered, JanusWs, startMediaServer, type MediaServer } from './media-support';
import { hasPrometheus, TestPrometheus } from './metrics-prometheus';
import { Received, TaggedPump, vrPeer, watch } from './videoroom-media-support';

const VR = 'janus.plugin.videoroom';
const ROOM = 1234; // conf/janus.plugin.videoroom.jcfg's demo room
type Msg = Record<string, any>;

async function eventOf(janus: JanusWs, transaction: string): Promise<Msg> {
  return janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction, 10000, `event ${transaction}`);
}

async function publish(wsUrl: string, id: number) {
  const janus = await JanusWs.connect(wsUrl);
  await janus.createSession();
  const handle = await janus.attach(VR);
  const pc = vrPeer();
  const video = pc.addTransceiver('video', { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const { transaction } = await janus.message(handle, { request: 'joinandconfigure', ptype: 'publisher', room: ROOM, id, display: `p${id}` }, { type: 'offer', sdp: pc.localDescription!.sdp });
  const ev = await eventOf(janus, transaction);
  assert.equal(ev.plugindata.data.videoroom, 'joined', JSON.stringify(ev.plugindata.data));
  await pc.setRemoteDescription(ev.jsep);
  await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 10000, 'publisher webrtcup');
  return { janus, pc, video };
}

async function subscribe(wsUrl: string, feed: number) {
  const janus = await JanusWs.connect(wsUrl);
  await janus.createSession();
  const handle = await janus.attach(VR);
  const { transaction } = await janus.message(handle, { request: 'join', ptype: 'subscriber', room: ROOM, streams: [{ feed }] });
  const ev = await eventOf(janus, transaction);
  assert.equal(ev.plugindata.data.videoroom, 'attached', JSON.stringify(ev.plugindata.data));
  const pc: RTCPeerConnection = vrPeer();
  const received = new Received();
  pc.onTransceiverAdded.subscribe((t) => watch(t, received));
  await pc.setRemoteDescription(ev.jsep);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  const st = await janus.message(handle, { request: 'start' }, { type: 'answer', sdp: pc.localDescription!.sdp });
  await eventOf(janus, st.transaction);
  await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 10000, 'subscriber webrtcup');
  return { janus, pc, received };
}

describe('metrics: a real Prometheus scrapes a VideoRoom with 3 subscribers', function () {
  this.timeout(90000);
  let srv: MediaServer;
  let prom: TestPrometheus;
  before(async function () {
    if (!hasPrometheus()) {
      console.log('      (skipped: /usr/bin/prometheus is not installed)');
      this.skip();
    }
    srv = await startMediaServer({ 'metrics.enabled': true, 'metrics.port': 0 });
    prom = await TestPrometheus.start({ port: srv.server.metricsPort! });
  });
  after(async () => {
    await prom?.stop();
    await srv?.stop();
  });

  it('rooms, publishers, subscribers and fan-out packet rates', async () => {
    const pub = await publish(srv.wsUrl, 77);
    const subs = [];
    for (let i = 0; i < 3; i++) subs.push(await subscribe(srv.wsUrl, 77));
    const pump = new TaggedPump(pub.video, 772, 800, 3000);
    pump.start(50);
    try {
      assert.equal(await prom.until('janus_videoroom_subscribers', (v) => v === 3), 3);
      assert.equal(await prom.value('janus_videoroom_publishers'), 1);
      assert.equal(await prom.value('janus_videoroom_rooms'), 1);
      assert.equal(await prom.value('janus_videoroom_forwarders'), 0);
      assert.equal(await prom.value('janus_handles{plugin="janus.plugin.videoroom"}'), 4);
      assert.equal(await prom.value('janus_sessions'), 4);
      assert.equal(await prom.until('janus_peerconnections{state="connected"}', (v) => v === 4), 4);
      // one stream in, three out: the out rate is about three times the in rate
      const inRate = await prom.until('sum(rate(janus_rtp_packets_total{kind="video",direction="in"}[10s]))', (v) => v > 20);
      assert.ok(inRate > 20, `in rate ${inRate}`);
      const ratio = await prom.until(
        'sum(rate(janus_rtp_packets_total{kind="video",direction="out",type="initial"}[10s])) / sum(rate(janus_rtp_packets_total{kind="video",direction="in",type="initial"}[10s]))',
        (v) => v > 2.5 && v < 3.5,
      );
      assert.ok(ratio > 2.5 && ratio < 3.5, `fan-out ratio ${ratio}`);
      for (const s of subs) assert.ok(s.received.count(772) > 0, 'each subscriber gets the feed');
    } finally {
      pump.stop();
      for (const s of subs) {
        await s.pc.close();
        s.janus.close();
      }
      await pub.pc.close();
      pub.janus.close();
    }
    assert.equal(await prom.until('janus_videoroom_subscribers', (v) => v === 0), 0);
    assert.equal(await prom.until('janus_videoroom_publishers', (v) => v === 0), 0);
  });

  it('the Grafana dashboard in docs/ queries only metrics the server exports, in valid PromQL', async () => {
    const dash = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'grafana-dashboard.json'), 'utf8'));
    const exprs: string[] = [];
    for (const p of dash.panels) for (const t of p.targets ?? []) exprs.push(t.expr);
    assert.ok(exprs.length >= 20, `${exprs.length} queries`);
    const text = await (await fetch(`http://127.0.0.1:${srv.server.metricsPort}/metrics`)).text();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    for (const e of exprs) {
      for (const [name] of e.matchAll(/janus_[a-z_]+/g)) {
        const base = name.replace(/_(bucket|sum|count)$/, '');
        assert.ok(exported.has(name) || exported.has(base), `${name} (in ${e}) is not exported`);
      }
      // Prometheus parses and evaluates it (an error rejects)
      await prom.query(e.replaceAll('$instance', '.*'));
    }
  });
});
