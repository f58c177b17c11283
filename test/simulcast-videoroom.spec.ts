import * as assert from 'node:assert/strict';
import { JanusWs, until } from './media-support';
import { gatheredPc, simulcastClient, SimulcastPublisher, startSimulcastServer, type Echoed } from './simulcast-peer';

type Server = Awaited<ReturnType<typeof startSimulcastServer>>;
type Msg = Record<string, any>;
const VR = 'janus.plugin.videoroom';
const ROOM = 1234;

function continuous(list: Echoed[], what: string): void {
  assert.ok(list.length > 10, `${what}: ${list.length} packets`);
  for (let i = 1; i < list.length; i++) {
    assert.equal(list[i].ssrc, list[0].ssrc, `${what}: SSRC`);
    assert.equal(list[i].seq, (list[i - 1].seq + 1) & 0xffff, `${what}: seq at ${i}`);
    const step = (list[i].pictureId - list[i - 1].pictureId) & 0x7fff;
    assert.equal(step, list[i].frameStart ? 1 : 0, `${what}: picture id at ${i}`);
  }
}

/** Bytes per second of payload in the last `ms` of `list`. */
function rate(list: Echoed[], bytes: (e: Echoed) => number, ms: number): number {
  const since = Date.now() - ms;
  return list.filter((e) => e.at >= since).reduce((n, e) => n + bytes(e), 0) / (ms / 1000);
}

describe('Simulcast through the VideoRoom (werift publisher with three rid encodings, werift subscribers)', function () {
  this.timeout(60000);
  let srv: Server;
  before(async () => {
    srv = await startSimulcastServer();
  });
  after(async () => {
    await srv?.stop();
  });

  it('announces simulcast, gives each subscriber its substream, switches on configure with events, continuous streams', async () => {
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const wait = (tx: string) => janus.waitFor((m) => m.janus === 'event' && m.transaction === tx, 8000, tx);

    // publisher: three rid encodings of different sizes
    const ph = await janus.attach(VR);
    const ppc = simulcastClient();
    ppc.addTransceiver('video', { direction: 'sendonly', simulcast: ['h', 'm', 'l'].map((rid) => ({ rid, direction: 'send' as const })) });
    await ppc.setLocalDescription(await ppc.createOffer());
    await gatheredPc(ppc);
    const pid = 7001;
    const jc = await janus.message(ph, { request: 'joinandconfigure', ptype: 'publisher', room: ROOM, id: pid, display: 'sim' }, { type: 'offer', sdp: ppc.localDescription!.sdp });
    const joined = await wait(jc.transaction);
    assert.equal(joined.plugindata.data.videoroom, 'joined', JSON.stringify(joined.plugindata.data));
    assert.match(joined.jsep.sdp, /a=simulcast:recv h;m;l/);
    await ppc.setRemoteDescription(joined.jsep);
    await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === ph, 20000, 'publisher webrtcup');
    const pt = ppc.getTransceivers()[0];
    const pub = new SimulcastPublisher(ppc, pt.mid!, pt.codecs[0].payloadType!, ['h', 'm', 'l']);
    pub.enc[0].payloadSize = 150;
    pub.enc[1].payloadSize = 500;
    pub.enc[2].payloadSize = 1100;
    pub.start();

    // another participant sees the simulcast flag in the publisher list
    const oh = await janus.attach(VR);
    const oj = await janus.message(oh, { request: 'join', ptype: 'publisher', room: ROOM, display: 'observer' });
    const ojoined = await wait(oj.transaction);
    const listed = (ojoined.plugindata.data.publishers as Msg[]).find((p) => p.id === pid)!;
    assert.equal(listed.simulcast, true, JSON.stringify(listed));
    assert.equal(listed.streams.find((s: Msg) => s.type === 'video').simulcast, true);

    async function subscribe(substream: number) {
      const h = await janus.attach(VR);
      const j = await janus.message(h, { request: 'join', ptype: 'subscriber', room: ROOM, streams: [{ feed: pid, substream }] });
      const att = await wait(j.transaction);
      assert.equal(att.plugindata.data.videoroom, 'attached', JSON.stringify(att.plugindata.data));
      const st = att.plugindata.data.streams[0];
      assert.equal(st.simulcast['substream-target'], substream);
      assert.equal(st.simulcast['temporal-layer-target'], 2);
      const pc = simulcastClient();
      await pc.setRemoteDescription(att.jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      await gatheredPc(pc);
      const s = await janus.message(h, { request: 'start' }, { type: 'answer', sdp: pc.localDescription!.sdp });
      await wait(s.transaction);
      await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === h, 20000, 'subscriber webrtcup');
      const t = pc.getTransceivers()[0];
      const rec = new SimulcastPublisher(pc, t.mid!, t.codecs[0].payloadType!, undefined);
      return { h, pc, rec, mid: st.mid as string };
    }
    const low = await subscribe(0);
    const high = await subscribe(2);
    await janus.waitFor((m) => m.janus === 'event' && m.sender === low.h && m.plugindata?.data?.substream === 0, 5000, 'low substream event');
    await janus.waitFor((m) => m.janus === 'event' && m.sender === high.h && m.plugindata?.data?.substream === 2, 5000, 'high substream event');
    const lowEv = janus.events.find((m) => m.sender === low.h && m.plugindata?.data?.substream === 0)!;
    assert.deepEqual(lowEv.plugindata.data, { videoroom: 'event', room: ROOM, mid: low.mid, substream: 0 });
    // the rates below cover the last second: both subscribers receiving for more than that
    const flowing = (l: Echoed[]) => l.length > 0 && Date.now() - l[0].at >= 1100 && Date.now() - l[l.length - 1].at < 200;
    assert.ok(await until(() => flowing(low.rec.echoed) && flowing(high.rec.echoed), 8000), 'both subscribers receiving for a second');
    const size = (e: Echoed) => (e.substream === 0 ? 150 : e.substream === 1 ? 500 : 1100);
    const lowRate = rate(low.rec.echoed, size, 1000);
    const highRate = rate(high.rec.echoed, size, 1000);
    console.log(`      substream 0 subscriber: ${(lowRate * 8 / 1000).toFixed(0)} kbit/s payload, substream 2 subscriber: ${(highRate * 8 / 1000).toFixed(0)} kbit/s`);
    assert.ok(low.rec.echoed.every((e) => e.substream === 0), 'low gets only substream 0');
    assert.ok(high.rec.echoed.every((e) => e.substream === 2), 'high gets only substream 2');
    assert.ok(highRate > lowRate * 5, `${highRate} vs ${lowRate}`);
    continuous(low.rec.echoed, 'low');
    continuous(high.rec.echoed, 'high');

    // the low one moves up to 1 (per-mid configure), temporal 0
    const c = await janus.message(low.h, { request: 'configure', streams: [{ mid: low.mid, substream: 1 }] });
    assert.deepEqual((await wait(c.transaction)).plugindata.data, { videoroom: 'event', room: ROOM, configured: 'ok' });
    await janus.waitFor((m) => m.janus === 'event' && m.sender === low.h && m.plugindata?.data?.substream === 1, 5000, 'low -> 1');
    await until(() => {
      const i = low.rec.echoed.findIndex((e) => e.substream === 1);
      return i > 0 && low.rec.echoed.length >= i + 10;
    }, 8000);
    const l = low.rec.echoed;
    const sw = l.findIndex((e) => e.substream === 1);
    assert.ok(sw > 0 && l[sw].keyframe, 'switched at a keyframe');
    assert.ok(l.slice(sw).every((e) => e.substream === 1));
    continuous(l, 'low across the switch');
    // legacy top-level configure: temporal layer 0 for every stream of that handle
    const c2 = await janus.message(low.h, { request: 'configure', temporal: 0 });
    await wait(c2.transaction);
    await janus.waitFor((m) => m.janus === 'event' && m.sender === low.h && m.plugindata?.data?.temporal === 0, 5000, 'low temporal 0');
    const mark = low.rec.echoed.length;
    await until(() => low.rec.echoed.length >= mark + 15, 8000);
    assert.ok(low.rec.echoed.slice(mark).every((e) => e.tid === 0));
    // the other subscriber was never disturbed
    assert.ok(high.rec.echoed.every((e) => e.substream === 2));
    continuous(high.rec.echoed, 'high at the end');
    // a layer that does not exist is refused with a clear error
    const bad = await janus.message(low.h, { request: 'configure', streams: [{ mid: low.mid, substream: 9 }] });
    const badEv = await wait(bad.transaction);
    assert.deepEqual(badEv.plugindata.data, { videoroom: 'event', error_code: 430, error: 'Invalid element (substream should be 0, 1 or 2)' });
    const still = high.rec.echoed.length;
    await until(() => high.rec.echoed.length > still + 10, 8000);
    assert.ok(high.rec.echoed.length > still + 10, 'media goes on');

    pub.stop();
    await Promise.all([ppc.close(), low.pc.close(), high.pc.close()]);
    janus.close();
  });
});
