import * as assert from 'node:assert/strict';
import { PictureLossIndication, RtpHeader } from 'werift';
import { parseVp9, Vp9Descriptor } from '../core/plugin-api';
import { JanusWs, until } from './media-support';
import { Vp9SvcSender } from './simulcast-support';
import { gatheredPc, simulcastClient, SimulcastPublisher, startSimulcastServer, type Echoed } from './simulcast-peer';

type Server = Awaited<ReturnType<typeof startSimulcastServer>>;

/** Wait for `n` more packets in `list` (counted from now): traffic, not time. */
async function more(list: { length: number }, n: number, what: string, ms = 8000): Promise<void> {
  const from = list.length;
  assert.ok(await until(() => list.length >= from + n, ms), `${what}: ${list.length - from} of ${n} more packets`);
}

/** Wait until a packet matching `pred` came back, and `n` more after it. */
async function afterFirst(list: Echoed[], pred: (e: Echoed) => boolean, n: number, what: string, from = 0, ms = 8000): Promise<void> {
  const ok = await until(() => {
    const i = list.findIndex((e, k) => k >= from && pred(e));
    return i >= 0 && list.length >= i + 1 + n;
  }, ms);
  assert.ok(ok, `${what}: ${list.length} echoed, none or too few after the switch`);
}

/** Sequence numbers and picture IDs of what came back form one continuous stream. */
function assertContinuous(list: Echoed[], what: string, allTemporal = true): void {
  assert.ok(list.length > 10, `${what}: only ${list.length} packets`);
  const ssrc = list[0].ssrc;
  for (let i = 1; i < list.length; i++) {
    const a = list[i - 1];
    const b = list[i];
    assert.equal(b.ssrc, ssrc, `${what}: SSRC changed`);
    assert.equal(b.seq, (a.seq + 1) & 0xffff, `${what}: seq ${a.seq} -> ${b.seq} at ${i}`);
    if (b.frameStart) {
      const step = (b.pictureId - a.pictureId) & 0x7fff;
      if (allTemporal) assert.equal(step, 1, `${what}: picture id ${a.pictureId} -> ${b.pictureId} at ${i}`);
      else assert.ok(step >= 1 && step <= 4, `${what}: picture id step ${step} at ${i}`);
    } else assert.equal(b.pictureId, a.pictureId, `${what}: picture id changed mid-frame at ${i}`);
  }
}

async function publish(srv: Server, opts: { rids?: boolean; sim?: boolean; rtx?: boolean; body?: Record<string, unknown> } = {}) {
  const janus = await JanusWs.connect(srv.wsUrl);
  await janus.createSession();
  const handle = await janus.attach('janus.plugin.echotest');
  const pc = simulcastClient(opts.rtx);
  const rids = ['h', 'm', 'l'];
  pc.addTransceiver('video', opts.rids ? { direction: 'sendrecv', simulcast: rids.map((rid) => ({ rid, direction: 'send' as const })) } : { direction: 'sendrecv' });
  await pc.setLocalDescription(await pc.createOffer());
  await gatheredPc(pc);
  let sdp = pc.localDescription!.sdp;
  const ssrcs = [0x1111, 0x2222, 0x3333];
  if (opts.sim) {
    // Chrome's SDP-munged simulcast: three SSRCs in an SSRC-group SIM, lowest first
    sdp = sdp.replace(/a=ssrc:[^\r\n]*\r\n/g, '').replace(/a=ssrc-group:[^\r\n]*\r\n/g, '');
    const lines = [`a=ssrc-group:SIM ${ssrcs.join(' ')}`, ...ssrcs.map((s) => `a=ssrc:${s} cname:sim-test`)];
    if (opts.rtx) {
      // each encoding with its RTX stream (a=ssrc-group:FID primary rtx)
      for (const s of ssrcs) lines.push(`a=ssrc-group:FID ${s} ${s + 0x100}`, `a=ssrc:${s + 0x100} cname:sim-test`);
    }
    lines.push('');
    sdp = sdp.replace(/(m=video[^]*?)(a=rtcp-mux\r\n)/, `$1$2${lines.join('\r\n')}`);
  }
  const { transaction } = await janus.message(handle, { audio: true, video: true, ...(opts.body ?? {}) }, { type: 'offer', sdp });
  const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
  assert.equal(ev.plugindata.data.result, 'ok', JSON.stringify(ev.plugindata.data));
  await pc.setRemoteDescription(ev.jsep);
  await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 8000, 'webrtcup');
  const t = pc.getTransceivers()[0];
  if (!opts.rids && !opts.sim) ssrcs[2] = t.sender.ssrc; // a plain sender uses the SSRC its SDP announced
  const pub = new SimulcastPublisher(pc, t.mid!, t.codecs[0].payloadType!, opts.rids ? rids : undefined, ssrcs);
  const event = (pred: (d: Record<string, any>) => boolean, what: string, ms = 5000) =>
    janus.waitFor((m) => m.janus === 'event' && m.sender === handle && m.plugindata && pred(m.plugindata.data), ms, what);
  const send = async (body: Record<string, unknown>) => {
    const r = await janus.message(handle, body);
    assert.equal(r.reply.janus, 'ack');
    return (await janus.waitFor((m) => m.janus === 'event' && m.transaction === r.transaction)).plugindata.data;
  };
  return { janus, handle, pc, pub, answer: ev.jsep.sdp as string, event, send };
}

describe('Simulcast through EchoTest (werift publisher, three VP8 encodings)', function () {
  this.timeout(60000);
  let srv: Server;
  before(async () => {
    srv = await startSimulcastServer();
  });
  after(async () => {
    await srv?.stop();
  });

  it('rid simulcast: answers a=simulcast:recv, echoes only the chosen substream/temporal layer, switching at keyframes with continuous seq and picture IDs', async () => {
    const { janus, pc, pub, answer, event, send } = await publish(srv, { rids: true });
    assert.match(answer, /a=simulcast:recv h;m;l/);
    assert.match(answer, /a=rid:h recv/);
    assert.match(answer, /urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id/);
    pub.start();
    // Janus: a media event per substream
    for (const sub of [0, 1, 2]) await janus.waitFor((m) => m.janus === 'media' && m.type === 'video' && m.substream === sub && m.receiving === true, 5000, `media substream ${sub}`);
    await event((d) => d.substream === 2 && d.videocodec === 'vp8', 'substream 2 event');
    await more(pub.echoed, 20, 'substream 2');
    let list = pub.echoed.slice();
    assert.ok(list.every((e) => e.substream === 2), 'only the highest substream by default');
    assert.equal(list[0].keyframe, true, 'starts with a keyframe');
    assertContinuous(list, 'substream 2');

    // down to the lowest
    const plis = pub.plis;
    assert.deepEqual(await send({ substream: 0 }), { echotest: 'event', result: 'ok' });
    await event((d) => d.substream === 0, 'substream 0 event');
    assert.ok(pub.plis > plis, 'asked the publisher for a keyframe');
    await afterFirst(pub.echoed, (e) => e.substream === 0, 15, 'substream 0');
    list = pub.echoed.slice();
    const sw = list.findIndex((e) => e.substream === 0);
    assert.ok(sw > 0);
    assert.equal(list[sw].keyframe, true, 'switched at a keyframe start');
    assert.ok(list.slice(sw).every((e) => e.substream === 0), 'only substream 0 after the switch');
    assertContinuous(list, 'across the switch');

    // temporal layer 0 only
    await send({ temporal: 0 });
    await event((d) => d.temporal === 0, 'temporal 0 event');
    const tmark = pub.echoed.length;
    await more(pub.echoed, 20, 'temporal 0');
    list = pub.echoed.slice();
    assert.ok(list.slice(tmark).every((e) => e.tid === 0), 'only T0');
    assertContinuous(list, 'with temporal layers dropped', false);

    // back up to the middle one, all temporal layers
    await send({ substream: 1, temporal: 2 });
    await event((d) => d.substream === 1, 'substream 1 event');
    await event((d) => d.temporal === 2, 'temporal 2 event');
    await afterFirst(pub.echoed, (e) => e.substream === 1, 15, 'substream 1');
    list = pub.echoed.slice();
    const up = list.findIndex((e) => e.substream === 1);
    assert.equal(list[up].keyframe, true);
    assert.ok(list.slice(up).every((e) => e.substream === 1));
    assertContinuous(list.slice(up), 'after going up');
    assertContinuous(list, 'whole session', false);
    pub.stop();
    await pc.close();
    janus.close();
  });

  it('falls back to a lower substream when the chosen one stops, and returns when it comes back', async () => {
    const { janus, pc, pub, event, send } = await publish(srv, { rids: true, body: { fallback: 300000 } });
    pub.start();
    await event((d) => d.substream === 2, 'substream 2');
    await more(pub.echoed, 10, 'substream 2');
    pub.sending[2] = false;
    const stopped = Date.now();
    await event((d) => d.substream === 1, 'fell back to 1', 4000);
    const took = Date.now() - stopped;
    assert.ok(took >= 250, `fell back after ${took} ms`);
    const mark = pub.echoed.length;
    await more(pub.echoed, 11, 'video continues from substream 1');
    assert.ok(pub.echoed.slice(mark).every((e) => e.substream === 1));
    pub.sending[2] = true;
    await janus.waitFor((m) => m.janus === 'event' && m.plugindata?.data?.substream === 2 && janus.events.indexOf(m) > janus.events.findIndex((x) => x.plugindata?.data?.substream === 1), 4000, 'back to 2');
    await more(pub.echoed, 10, 'substream 2 again');
    const list = pub.echoed.slice();
    assert.equal(list[list.length - 1].substream, 2);
    assertContinuous(list, 'through fallback and recovery');
    // a layer that does not exist: Janus's error, and the stream goes on
    const bad = await send({ substream: 3 });
    assert.equal(bad.error_code, 413);
    assert.match(bad.error, /substream/);
    await more(pub.echoed, 11, 'after the refused substream');
    pub.stop();
    await pc.close();
    janus.close();
  });

  it('garbage descriptors and an unknown rid do not break the stream', async () => {
    const { janus, pc, pub, event } = await publish(srv, { rids: true, body: { substream: 1 } });
    pub.start();
    await event((d) => d.substream === 1, 'substream 1');
    await more(pub.echoed, 5, 'substream 1');
    const e1 = pub.enc[1];
    for (let i = 0; i < 20; i++) {
      // truncated descriptors on the relayed encoding, in sequence
      const g = Buffer.alloc(13 + (i % 3));
      g[0] = 0x80;
      g[1] = pub.pt;
      g.writeUInt32BE(e1.ts, 4);
      g[12] = 0x90 | (i & 1 ? 0x80 : 0);
      pub.extra.push({ payload: g, ssrc: e1.ssrc, rid: 'm', enc: e1 });
      // an encoding the SDP never announced
      const x = Buffer.from(pub.enc[2].nextFrame().packets[0]);
      pub.extra.push({ payload: x, ssrc: 0x7777, rid: 'x' });
    }
    // all 20 garbage packets back, then 15 good ones: the unknown rid's packets, sent among
    // them, had every chance to come back too
    assert.ok(await until(() => pub.echoed.filter((e) => e.substream === -1).length >= 20, 8000), 'garbage echoed');
    await afterFirst(pub.echoed, (e) => e.substream === -1 && pub.echoed.filter((x) => x.substream === -1).indexOf(e) === 19, 15, 'after the garbage');
    const list = pub.echoed.slice();
    assert.ok(!list.some((e) => e.ssrc === 0x7777));
    const garbage = list.filter((e) => e.substream === -1).length;
    assert.equal(garbage, 20, 'the garbage went through as it came, in sequence');
    const tail = list.slice(-15);
    assert.ok(tail.every((e) => e.substream === 1), 'still substream 1');
    for (let i = 1; i < list.length; i++) assert.equal(list[i].seq, (list[i - 1].seq + 1) & 0xffff, `seq at ${i}`);
    pub.stop();
    await pc.close();
    janus.close();
  });

  it('SSRC-group SIM simulcast (no rids) is recognised and switched the same way', async () => {
    const { janus, pc, pub, event, send } = await publish(srv, { sim: true });
    pub.start();
    for (const sub of [0, 1, 2]) await janus.waitFor((m) => m.janus === 'media' && m.type === 'video' && m.substream === sub, 5000, `media substream ${sub}`);
    await event((d) => d.substream === 2, 'substream 2');
    await send({ substream: 1 });
    await event((d) => d.substream === 1, 'substream 1');
    await afterFirst(pub.echoed, (e) => e.substream === 1, 10, 'substream 1');
    const list = pub.echoed.slice();
    const sw = list.findIndex((e) => e.substream === 1);
    assert.ok(sw > 0 && list[sw].keyframe);
    assert.ok(list.slice(0, sw).every((e) => e.substream === 2));
    assert.ok(list.slice(sw).every((e) => e.substream === 1));
    assertContinuous(list, 'SIM');
    pub.stop();
    await pc.close();
    janus.close();
  });

  for (const kind of ['rid', 'SIM'] as const) {
    it(`RTX retransmissions of a ${kind} encoding are unwrapped into that encoding (${kind === 'rid' ? 'repaired-rid' : 'ssrc-group FID'})`, async () => {
      const { pc, pub, event, answer } = await publish(srv, { rids: kind === 'rid', sim: kind === 'SIM', rtx: true, body: { substream: 1 } });
      const rtxPt = Number(/a=rtpmap:(\d+) rtx\/90000/.exec(answer)?.[1]);
      assert.ok(rtxPt > 0, 'RTX negotiated');
      pub.start();
      await event((d) => d.substream === 1, 'substream 1');
      await more(pub.echoed, 5, 'substream 1');
      // from now on every 3rd packet of the middle encoding arrives only as a retransmission
      pub.repair = { substream: 1, every: 3, ssrc: pub.enc[1].ssrc + 0x100, pt: rtxPt };
      const mark = pub.echoed.length;
      await until(() => pub.repaired > 12 && pub.echoed.length - mark > 45, 8000);
      const list = pub.echoed.slice();
      assert.ok(pub.repaired > 12, `${pub.repaired} repaired`);
      assert.ok(list.length - mark > 45);
      assert.ok(list.slice(mark).every((e) => e.substream === 1));
      assertContinuous(list, 'with retransmissions');
      pub.stop();
      await pc.close();
    });
  }

  it('a non-simulcast sender: substream/temporal requests succeed and change nothing', async () => {
    const { janus, pc, pub, send } = await publish(srv, {});
    pub.sending[0] = pub.sending[1] = false;
    // one encoding on the transceiver's own SSRC
    pub.start();
    await more(pub.echoed, 10, 'plain sender');
    assert.deepEqual(await send({ substream: 0, temporal: 0 }), { echotest: 'event', result: 'ok' });
    const mark = pub.echoed.length;
    // 21 packets after the reply: any substream/temporal event would have come by then
    await more(pub.echoed, 21, 'after the request');
    const after = pub.echoed.slice(mark);
    assert.ok(after.length > 20, `echoed ${after.length}`);
    assert.ok(after.some((e) => e.tid > 0), 'no temporal filtering without simulcast');
    assert.ok(!janus.events.some((m) => m.janus === 'event' && (m.plugindata?.data?.substream !== undefined || m.plugindata?.data?.temporal !== undefined)));
    assert.ok(!janus.events.some((m) => m.janus === 'media' && m.substream !== undefined));
    pub.stop();
    await pc.close();
    janus.close();
  });
});

describe('VP9 SVC through EchoTest (werift publisher, 3 spatial x 3 temporal layers)', function () {
  this.timeout(30000);
  let srv: Server;
  before(async () => {
    srv = await startSimulcastServer();
  });
  after(async () => {
    await srv?.stop();
  });

  it('spatial_layer/temporal_layer pick the layers echoed back, with events, marker on the last layer and gapless sequence numbers', async () => {
    const janus = await JanusWs.connect(srv.wsUrl);
    await janus.createSession();
    const handle = await janus.attach('janus.plugin.echotest');
    const pc = simulcastClient(false, 'VP9');
    const t = pc.addTransceiver('video', { direction: 'sendrecv' });
    await pc.setLocalDescription(await pc.createOffer());
    await gatheredPc(pc);
    const { transaction } = await janus.message(handle, { video: true, spatial_layer: 2, temporal_layer: 2 }, { type: 'offer', sdp: pc.localDescription!.sdp });
    const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
    await pc.setRemoteDescription(ev.jsep);
    await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 8000, 'webrtcup');
    const pt = t.codecs[0].payloadType!;
    const dtls = pc.dtlsTransports[0];
    const sender = new Vp9SvcSender(t.sender.ssrc);
    const got: Array<{ seq: number; sid: number; tid: number; marker: boolean; end: boolean }> = [];
    const d = new Vp9Descriptor();
    dtls.onRtp.subscribe((rtp) => {
      if (rtp.header.payloadType !== pt || !parseVp9(rtp.payload, 0, rtp.payload.length, d)) return;
      got.push({ seq: rtp.header.sequenceNumber, sid: d.sid, tid: d.tid, marker: rtp.header.marker, end: d.endOfFrame });
    });
    dtls.onRtcp.subscribe((rtcp: unknown) => {
      if ((rtcp as { feedback?: unknown }).feedback instanceof PictureLossIndication) sender.keyframeNext = true;
    });
    const timer = setInterval(() => {
      for (const p of sender.nextPicture().packets) {
        p[1] = (p[1] & 0x80) | pt;
        void dtls.sendRtp(p.subarray(12), new RtpHeader({ payloadType: pt, marker: (p[1] & 0x80) !== 0, sequenceNumber: p.readUInt16BE(2), timestamp: p.readUInt32BE(4), ssrc: t.sender.ssrc }));
      }
    }, 33);
    const event = (pred: (d: Record<string, any>) => boolean, what: string) =>
      janus.waitFor((m) => m.janus === 'event' && m.sender === handle && m.plugindata && pred(m.plugindata.data), 5000, what);
    await event((x) => x.spatial_layer === 2 && x.videocodec === 'vp9', 'spatial 2');
    await until(() => got.some((g) => g.sid === 2) && got.some((g) => g.tid === 2), 8000);
    assert.ok(got.some((g) => g.sid === 2) && got.some((g) => g.tid === 2), 'all layers');
    let r = await janus.message(handle, { spatial_layer: 0, temporal_layer: 0 });
    await janus.waitFor((m) => m.transaction === r.transaction && m.janus === 'event');
    await event((x) => x.spatial_layer === 0, 'spatial 0');
    await event((x) => x.temporal_layer === 0, 'temporal 0');
    let mark = got.length;
    await more(got, 2 + 12, 'S0 T0');
    let after = got.slice(mark + 2);
    assert.ok(after.length >= 4 && after.every((g) => g.sid === 0 && g.tid === 0), 'only S0 T0 ' + JSON.stringify(after.slice(0, 12)));
    assert.ok(after.filter((g) => g.end).every((g) => g.marker), 'marker where layer 0 ends');
    r = await janus.message(handle, { spatial_layer: 1 });
    await janus.waitFor((m) => m.transaction === r.transaction && m.janus === 'event');
    await event((x) => x.spatial_layer === 1, 'spatial 1 (at a keyframe)');
    mark = got.length;
    await until(() => got.slice(mark + 4).some((g) => g.sid === 1) && got.length >= mark + 4 + 10, 8000);
    after = got.slice(mark + 4);
    assert.ok(after.some((g) => g.sid === 1) && after.every((g) => g.sid <= 1 && g.tid === 0));
    for (let i = 1; i < got.length; i++) assert.equal(got[i].seq, (got[i - 1].seq + 1) & 0xffff, `seq at ${i}`);
    clearInterval(timer);
    await pc.close();
    janus.close();
  });
});
