import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { RtpPacket } from 'werift';
import { sleep } from './media-support';
import { gatheredPc, simulcastClient, SimulcastPublisher, type Echoed } from './simulcast-peer';
import { event, startInstance, sync, until, VR, type Instance, type Msg } from './videoroom-remote-support';

const ROOM = 7100;

function continuous(list: Echoed[], what: string): void {
  assert.ok(list.length > 10, `${what}: ${list.length} packets`);
  for (let i = 1; i < list.length; i++) {
    assert.equal(list[i].ssrc, list[0].ssrc, `${what}: SSRC`);
    assert.equal(list[i].seq, (list[i - 1].seq + 1) & 0xffff, `${what}: seq at ${i}`);
  }
}

describe('videoroom: simulcast through a remote publisher (publisher on A, subscribers on B)', function () {
  this.timeout(60000);
  let a: Instance;
  let b: Instance;
  before(async () => {
    a = await startInstance(5);
    b = await startInstance(6);
    for (const i of [a, b]) await sync(i, { request: 'create', room: ROOM, fir_freq: 0 });
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  it('all three substreams cross over; B subscribers get their layer, switch on configure (keyframe asked of A), continuous', async () => {
    // A: a publisher with three rid encodings
    const ph = await a.janus.attach(VR);
    const ppc = simulcastClient();
    ppc.addTransceiver('video', { direction: 'sendonly', simulcast: ['h', 'm', 'l'].map((rid) => ({ rid, direction: 'send' as const })) });
    await ppc.setLocalDescription(await ppc.createOffer());
    await gatheredPc(ppc);
    const jc = await a.janus.message(ph, { request: 'joinandconfigure', ptype: 'publisher', room: ROOM, id: 71, display: 'sim' }, { type: 'offer', sdp: ppc.localDescription!.sdp });
    const joined = (await event(a.janus, jc.transaction)) as Msg;
    await ppc.setRemoteDescription(joined.jsep);
    await a.janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === ph, 20000, 'publisher webrtcup');
    const t0 = ppc.getTransceivers()[0];
    const pub = new SimulcastPublisher(ppc, t0.mid!, t0.codecs[0].payloadType!, ['h', 'm', 'l']);
    pub.enc[0].payloadSize = 150;
    pub.enc[1].payloadSize = 500;
    pub.enc[2].payloadSize = 1100;
    pub.start();
    const streams = (joined.plugindata.data.streams as Msg[]).map((s) => ({ type: s.type, mindex: s.mindex, mid: s.mid, codec: s.codec, simulcast: s.simulcast }));
    assert.equal(streams[0].simulcast, true);

    // B: the remote publisher, then A forwards to it
    const r = await sync(b, { request: 'add_remote_publisher', room: ROOM, id: 7171, streams });
    await sync(a, { request: 'publish_remotely', room: ROOM, publisher_id: 71, remote_id: 'b', host: '127.0.0.1', port: r.port, rtcp_port: r.rtcp_port });

    async function subscribe(substream: number) {
      const h = await b.janus.attach(VR);
      const j = await b.janus.message(h, { request: 'join', ptype: 'subscriber', room: ROOM, streams: [{ feed: 7171, substream }] });
      const att = (await event(b.janus, j.transaction)) as Msg;
      assert.equal(att.plugindata.data.videoroom, 'attached', JSON.stringify(att.plugindata.data));
      assert.equal(att.plugindata.data.streams[0].simulcast['substream-target'], substream);
      const pc = simulcastClient();
      await pc.setRemoteDescription(att.jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      await gatheredPc(pc);
      const s = await b.janus.message(h, { request: 'start' }, { type: 'answer', sdp: pc.localDescription!.sdp });
      await event(b.janus, s.transaction);
      await b.janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === h, 20000, 'subscriber webrtcup');
      const t = pc.getTransceivers()[0];
      return { h, pc, rec: new SimulcastPublisher(pc, t.mid!, t.codecs[0].payloadType!, undefined), mid: att.plugindata.data.streams[0].mid as string };
    }
    const low = await subscribe(0);
    const high = await subscribe(2);
    await b.janus.waitFor((m) => m.sender === low.h && m.plugindata?.data?.substream === 0, 8000, 'low substream event');
    await b.janus.waitFor((m) => m.sender === high.h && m.plugindata?.data?.substream === 2, 8000, 'high substream event');
    await sleep(1200);
    assert.ok(low.rec.echoed.length > 20 && low.rec.echoed.every((e) => e.substream === 0), `low gets only substream 0 (${low.rec.echoed.length})`);
    assert.ok(high.rec.echoed.length > 20 && high.rec.echoed.every((e) => e.substream === 2), `high gets only substream 2 (${high.rec.echoed.length})`);
    continuous(low.rec.echoed, 'low');
    continuous(high.rec.echoed, 'high');

    // low moves up to substream 1: B asks A for a keyframe over RTCP, the switch happens on it
    const plis = pub.plis;
    const c = await b.janus.message(low.h, { request: 'configure', streams: [{ mid: low.mid, substream: 1 }] });
    await event(b.janus, c.transaction);
    await b.janus.waitFor((m) => m.sender === low.h && m.plugindata?.data?.substream === 1, 8000, 'low -> 1');
    assert.ok(pub.plis > plis, 'the keyframe request reached the publisher on A');
    await until(() => low.rec.echoed.filter((e) => e.substream === 1).length > 20, 'substream 1 flowing to low');
    const l = low.rec.echoed;
    const sw = l.findIndex((e) => e.substream === 1);
    assert.ok(l[sw].keyframe, 'switched at a keyframe');
    assert.ok(l.slice(sw).every((e) => e.substream === 1));
    continuous(l, 'low across the switch');
    assert.ok(high.rec.echoed.every((e) => e.substream === 2), 'high undisturbed');

    // on A, rtp_forward with simulcast: true: one forwarder that follows the top substream, SSRC = its stream_id
    const sock = dgram.createSocket('udp4');
    const got: RtpPacket[] = [];
    sock.on('message', (m) => got.push(RtpPacket.deSerialize(m)));
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', () => res()));
    const fw = await sync(a, { request: 'rtp_forward', room: ROOM, publisher_id: 71, host: '127.0.0.1', streams: [{ mid: streams[0].mid, port: sock.address().port, simulcast: true }] });
    assert.equal(fw.forwarders.length, 1, JSON.stringify(fw));
    await until(() => got.length > 30, `switching forwarder output (${got.length})`);
    sock.close();
    assert.ok(got.every((p) => p.header.ssrc === fw.forwarders[0].stream_id), 'one SSRC: the stream_id');
    assert.ok(got.every((p) => p.payload[7] === 2), `top substream only: ${[...new Set(got.map((p) => p.payload[7]))]}`);
    for (let i = 1; i < got.length; i++) assert.equal(got[i].header.sequenceNumber, (got[i - 1].header.sequenceNumber + 1) & 0xffff);

    pub.stop();
    await Promise.all([ppc.close(), low.pc.close(), high.pc.close()]);
  });
});
