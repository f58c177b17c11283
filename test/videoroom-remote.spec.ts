import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { sleep } from './media-support';
import { event, publisher, pump, remoteStreams, startInstance, subscriber, sync, until, type Instance, type Msg, type Pub, type Sub } from './videoroom-remote-support';

/** Send `n` random datagrams (and a few almost-RTP ones) to a port. */
async function garbage(port: number, n: number): Promise<void> {
  const s = dgram.createSocket('udp4');
  for (let i = 0; i < n; i++) {
    let b = randomBytes(1 + (i % 1400));
    if (i % 3 === 0 && b.length >= 12) {
      // looks like RTP of a known SSRC (1000 = mindex 0), with a bogus extension length
      b[0] = 0x90;
      b.writeUInt32BE(1000 + (i % 4) * 10 + (i % 5), 8);
      if (b.length >= 16) b.writeUInt16BE(0xffff, 14);
    }
    s.send(b, port, '127.0.0.1');
    if (i % 50 === 0) await sleep(1);
  }
  await sleep(50);
  s.close();
}

describe('videoroom: remote publishers between two of our instances', function () {
  this.timeout(90000);
  let a: Instance;
  let b: Instance;
  const ROOM = 4321;
  let pub: Pub;
  let sub: Sub | undefined;
  let remote: Msg;

  before(async () => {
    a = await startInstance(0);
    b = await startInstance(1, 'remote_publisher_timeout = 1');
    for (const i of [a, b]) assert.equal((await sync(i, { request: 'create', room: ROOM, fir_freq: 0, publishers: 10 })).videoroom, 'created');
    // a participant on B that watches the room's events
    const j = await b.janus.message(b.handle, { request: 'join', ptype: 'publisher', room: ROOM, display: 'watcher' });
    assert.equal((await event(b.janus, j.transaction)).plugindata.data.videoroom, 'joined');
  });
  after(async () => {
    for (const x of pub?.pumps ?? []) x.stop();
    await sub?.pc.close();
    await pub?.pc.close();
    await a?.stop();
    await b?.stop();
  });

  it('add_remote_publisher / publish_remotely: B announces it (remote: true), B subscribers get A publisher audio, video and data', async () => {
    pub = await publisher(a.wsUrl, ROOM, 7, true);
    pump(pub);
    remote = await sync(b, { request: 'add_remote_publisher', room: ROOM, id: 7007, display: 'p7 from A', iface: '127.0.0.1', streams: remoteStreams(pub.streams) });
    assert.equal(remote.videoroom, 'success', JSON.stringify(remote));
    assert.equal(remote.id, 7007);
    assert.equal(remote.ip, '127.0.0.1');
    assert.ok(remote.port > 0 && remote.rtcp_port > 0 && remote.port !== remote.rtcp_port);
    const ann = await b.janus.waitFor((m) => m.plugindata?.data?.publishers?.[0]?.id === 7007, 5000, 'publishers event on B');
    assert.deepEqual(ann.plugindata.data.publishers[0].streams.map((s: Msg) => s.type), ['audio', 'video', 'data']);
    const parts = await sync(b, { request: 'listparticipants', room: ROOM });
    assert.deepEqual(parts.participants.find((p: Msg) => p.id === 7007), { id: 7007, display: 'p7 from A', remote: true, publisher: true });

    const pr = await sync(a, { request: 'publish_remotely', room: ROOM, publisher_id: 7, remote_id: 'to-b', host: '127.0.0.1', port: remote.port, rtcp_port: remote.rtcp_port });
    assert.deepEqual(pr, { videoroom: 'success', room: ROOM, id: 7, remote_id: 'to-b' });
    assert.deepEqual((await sync(a, { request: 'listremotes', room: ROOM, publisher_id: 7 })).list, [{ remote_id: 'to-b', host: '127.0.0.1', port: remote.port, rtcp_port: remote.rtcp_port }]);

    sub = await subscriber(b.wsUrl, { room: ROOM, streams: [{ feed: 7007 }] });
    const media = (sub.attached.streams as Msg[]).filter((s) => s.type !== 'data');
    assert.equal(media.length, 2);
    const counts = () => media.map((s) => sub!.received.get(s.mid)?.count(70 + (s.type === 'audio' ? 1 : 2)) ?? 0);
    await until(() => counts().every((c) => c > 50), `media through B: ${counts()}`);
    for (const s of media) assert.equal(sub.received.get(s.mid)!.tags.size, 1, 'only the remote feed on the m-line');

    // delivery: of the packets A's publisher sent over a steady 1.5 s, B's subscriber got them all
    // (loopback; counted by the pump's counter in the payload, late arrivals allowed 500 ms)
    const from = pub.pumps.map((p) => p.sent);
    await sleep(1500);
    const to = pub.pumps.map((p) => p.sent);
    await sleep(500);
    media.forEach((s, i) => {
      const k = s.type === 'audio' ? 0 : 1;
      const set = sub!.counters.get(s.mid)!;
      let got = 0;
      for (let c = from[k]; c < to[k]; c++) if (set.has(c)) got++;
      assert.ok(got >= (to[k] - from[k]) * 0.99, `stream ${i} (${s.type}): ${got}/${to[k] - from[k]}`);
    });

    // data channel: A's publisher's message reaches B's subscriber (Janus's data envelope)
    const dc = pub.dc!;
    if (dc.readyState !== 'open') await new Promise<void>((r) => dc.stateChanged.subscribe((st) => st === 'open' && r()));
    dc.send('over the cascade');
    await until(() => sub!.texts.includes('over the cascade'), `data on B: ${JSON.stringify(sub!.texts)}`);
  });

  it("a B subscriber's PLI reaches A's publisher over the remote publisher's RTCP port", async () => {
    assert.ok(sub);
    await sleep(600);
    const base = pub.plis;
    const video = sub.pc.getTransceivers().find((t) => t.kind === 'video')!;
    const ssrc = video.receiver.tracks[0]?.ssrc;
    assert.ok(ssrc, 'subscriber knows the video SSRC');
    await video.receiver.sendRtcpPLI(ssrc);
    await until(() => pub.plis > base, `PLI at A's publisher (${pub.plis} vs ${base})`, 4000);
  });

  it('garbage on the remote publisher ports is dropped, media keeps flowing', async () => {
    assert.ok(sub);
    const v = (sub.attached.streams as Msg[]).find((s) => s.type === 'video')!;
    const r = sub.received.get(v.mid)!;
    await garbage(remote.port, 600);
    await garbage(remote.rtcp_port, 200);
    const n = r.count(72);
    await until(() => r.count(72) > n + 20, 'video still flowing after garbage');
    assert.equal((await sync(b, { request: 'listparticipants', room: ROOM })).participants.find((p: Msg) => p.id === 7007).publisher, true);
  });

  it('RTP stopping for remote_publisher_timeout unpublishes the remote publisher; it publishes again when RTP returns', async () => {
    assert.deepEqual(await sync(a, { request: 'unpublish_remotely', room: ROOM, publisher_id: 7, remote_id: 'to-b' }), { videoroom: 'success', room: ROOM, id: 7 });
    assert.deepEqual((await sync(a, { request: 'listremotes', room: ROOM, publisher_id: 7 })).list, []);
    await b.janus.waitFor((m) => m.plugindata?.data?.unpublished === 7007, 5000, 'unpublished on B');
    const upd = await sub!.janus.waitFor((m) => m.plugindata?.data?.videoroom === 'updated', 5000, 'subscriber updated');
    assert.equal(upd.jsep?.type, 'offer');
    assert.equal((await sync(b, { request: 'listparticipants', room: ROOM })).participants.find((p: Msg) => p.id === 7007).publisher, false);
    const n = b.janus.events.length;
    await sync(a, { request: 'publish_remotely', room: ROOM, publisher_id: 7, remote_id: 'to-b', host: '127.0.0.1', port: remote.port, rtcp_port: remote.rtcp_port });
    await b.janus.waitFor((m) => b.janus.events.indexOf(m) >= n && m.plugindata?.data?.publishers?.[0]?.id === 7007, 5000, 'published again on B');
  });

  it("update_remote_publisher and the requests' errors, as Janus 1.1.2 answers them", async () => {
    const n = b.janus.events.length;
    assert.deepEqual(await sync(b, { request: 'update_remote_publisher', room: ROOM, id: 7007, display: 'renamed', streams: [] }), { videoroom: 'success' });
    assert.deepEqual(await sync(b, { request: 'update_remote_publisher', room: ROOM, id: 7007, streams: [{ type: 'audio', mindex: 3, mid: 'x', codec: 'opus' }] }), { videoroom: 'success' });
    const ev = await b.janus.waitFor((m) => b.janus.events.indexOf(m) >= n && m.plugindata?.data?.publishers?.[0]?.id === 7007, 5000, 'update announced');
    const p = ev.plugindata.data.publishers[0];
    assert.equal(p.display, 'renamed');
    assert.deepEqual(p.streams.map((s: Msg) => [s.type, s.mindex, s.mid]), [['audio', 0, '0'], ['video', 1, '1'], ['data', 2, '2'], ['audio', 3, '3']]);
    const err = (code: number, error: string) => ({ videoroom: 'event', error_code: code, error });
    const add = (extra: Msg) => sync(b, { request: 'add_remote_publisher', room: ROOM, ...extra });
    assert.deepEqual(await add({}), err(429, 'Missing mandatory element (streams)'));
    assert.deepEqual(await add({ streams: [] }), err(430, "Invalid element value (streams can't be empty)"));
    assert.deepEqual(await add({ streams: [{ type: 'foo', mindex: 0, mid: '0' }] }), err(430, 'Invalid element value (type)'));
    assert.deepEqual(await add({ streams: [{ type: 'audio', mindex: 0, mid: '0' }] }), err(429, 'Missing mandatory element (codec)'));
    assert.deepEqual(await add({ streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'foo' }] }), err(429, 'Invalid element value (unsupported codec)'));
    assert.deepEqual(await add({ streams: [{ type: 'audio', mindex: 0, codec: 'opus' }] }), err(429, 'Missing mandatory element (mid)'));
    assert.deepEqual(await add({ id: 7007, streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'opus' }] }), err(436, 'User ID 7007 already exists'));
    assert.deepEqual(await add({ iface: 'nope0', streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'opus' }] }), err(499, 'Invalid network interface configuration for remote publisher'));
    assert.deepEqual(await sync(b, { request: 'add_remote_publisher', room: 999, streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'opus' }] }), err(426, 'No such room (999)'));
    assert.deepEqual(await sync(b, { request: 'update_remote_publisher', room: ROOM, id: 1, streams: [] }), err(428, 'No such remote publisher (1)'));
    assert.deepEqual(await sync(b, { request: 'update_remote_publisher', room: ROOM, id: 7007 }), err(429, 'Missing mandatory element (streams)'));
    assert.deepEqual(await sync(b, { request: 'list_remotes', room: ROOM, publisher_id: 7007 }), err(423, "Unknown request 'list_remotes'"));
    assert.deepEqual(await sync(b, { request: 'listremotes', room: ROOM, publisher_id: 77 }), err(428, 'No such publisher (77)'));
    assert.deepEqual(await sync(b, { request: 'publish_remotely', room: ROOM, publisher_id: 7007, remote_id: 'x', host: '127.0.0.1', port: 5000 }), err(430, 'Only local publishers can be remotized'));
    assert.deepEqual(await sync(b, { request: 'publish_remotely', room: ROOM, publisher_id: 77, remote_id: 'x', host: '127.0.0.1', port: 5000 }), err(428, 'No such feed (77)'));
    assert.deepEqual(await sync(b, { request: 'publish_remotely', room: ROOM, publisher_id: 77, remote_id: 'x', host: '127.0.0.1' }), err(429, 'Missing mandatory element (port)'));
    assert.deepEqual(await sync(b, { request: 'publish_remotely', room: ROOM, publisher_id: 77, remote_id: 'x', host: '127.0.0.1', port: 5000, host_family: 'ipx' }), err(430, 'Unsupported protocol family (ipx)'));
    assert.deepEqual(await sync(b, { request: 'publish_remotely', room: ROOM, publisher_id: 7007, remote_id: 'x', host: 'no.such.host.invalid', port: 5000 }), err(430, 'Could not resolve address (no.such.host.invalid)...'));
    assert.deepEqual(await sync(a, { request: 'publish_remotely', room: ROOM, publisher_id: 7, remote_id: 'to-b', host: '127.0.0.1', port: 5000 }), err(436, 'Remotization already exists (to-b)'));
    assert.deepEqual(await sync(a, { request: 'unpublish_remotely', room: ROOM, publisher_id: 7, remote_id: 'zz' }), err(428, 'No such remotization (zz)'));
  });

  it('remove_remote_publisher: B participants hear leaving (not unpublished), then 428 for it', async () => {
    const n = b.janus.events.length;
    assert.deepEqual(await sync(b, { request: 'remove_remote_publisher', room: ROOM, id: 7007 }), { videoroom: 'success' });
    await b.janus.waitFor((m) => m.plugindata?.data?.leaving === 7007, 5000, 'leaving on B');
    assert.ok(!b.janus.events.slice(n).some((m) => m.plugindata?.data?.unpublished === 7007), 'no unpublished');
    const again = await sync(b, { request: 'remove_remote_publisher', room: ROOM, id: 7007 });
    assert.deepEqual(again, { videoroom: 'event', error_code: 428, error: 'No such remote publisher (7007)' });
    assert.equal((await sync(b, { request: 'listparticipants', room: ROOM })).participants.some((p: Msg) => p.id === 7007), false);
  });
});
