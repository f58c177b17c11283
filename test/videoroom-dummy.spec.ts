import assert from 'node:assert/strict';
import { event, publisher, pump, startInstance, subscriber, sync, until, type Instance, type Msg, type Pub, type Sub } from './videoroom-remote-support';

describe('videoroom: dummy publishers (placeholder subscriptions)', function () {
  this.timeout(60000);
  let a: Instance;
  let pub: Pub | undefined;
  let sub: Sub | undefined;
  const rooms = 'room-6001: { description = "from the file", audiocodec = "opus,pcmu", videocodec = "vp8,h264", dummy_publisher = true, dummy_streams = ( { codec = "opus", fmtp = "stereo=1" }, { codec = "h264", fmtp = "profile-level-id=42e01f;packetization-mode=1" } ) }';

  before(async () => {
    a = await startInstance(3, '', rooms);
  });
  after(async () => {
    for (const x of pub?.pumps ?? []) x.stop();
    await sub?.pc.close();
    await pub?.pc.close();
    await a?.stop();
  });

  it('create with dummy_publisher: one m-line per room codec, listed as dummy, in joined', async () => {
    await sync(a, { request: 'create', room: 6000, audiocodec: 'opus,pcmu', videocodec: 'vp8,h264', dummy_publisher: true, fir_freq: 0 });
    const list = (await sync(a, { request: 'list' })).list.find((r: Msg) => r.room === 6000);
    assert.equal(list.dummy_publisher, true);
    assert.equal(list.num_participants, 1);
    const parts = (await sync(a, { request: 'listparticipants', room: 6000 })).participants;
    assert.equal(parts.length, 1);
    assert.deepEqual({ ...parts[0], id: 0 }, { id: 0, display: 'Dummy publisher', dummy: true, publisher: true });
    const j = await a.janus.message(a.handle, { request: 'join', ptype: 'publisher', room: 6000, display: 'w' });
    const joined = (await event(a.janus, j.transaction)).plugindata.data;
    const d = joined.publishers[0];
    assert.equal(d.dummy, true);
    assert.equal(d.display, 'Dummy publisher');
    assert.equal(d.audio_codec, 'opus');
    assert.equal(d.video_codec, 'vp8');
    assert.deepEqual(d.streams, [
      { type: 'audio', mindex: 0, mid: '0', codec: 'opus' },
      { type: 'audio', mindex: 1, mid: '1', codec: 'pcmu' },
      { type: 'video', mindex: 2, mid: '2', codec: 'vp8' },
      { type: 'video', mindex: 3, mid: '3', codec: 'h264' },
    ]);
  });

  it('room from the config file with dummy_streams: only those codecs, fmtp applied', async () => {
    const parts = (await sync(a, { request: 'listparticipants', room: 6001 })).participants;
    assert.equal(parts.length, 1);
    assert.equal(parts[0].dummy, true);
    const other = await startInstance(4, '', rooms);
    try {
      const j = await other.janus.message(other.handle, { request: 'join', ptype: 'publisher', room: 6001 });
      const d = (await event(other.janus, j.transaction)).plugindata.data.publishers[0];
      assert.deepEqual(d.streams, [
        { type: 'audio', mindex: 0, mid: '0', codec: 'opus', stereo: true },
        { type: 'video', mindex: 1, mid: '1', codec: 'h264', h264_profile: '42e01f' },
      ]);
    } finally {
      await other.stop();
    }
  });

  it('subscribe to the dummy feed (placeholders), then switch the m-lines to a real publisher: media flows', async () => {
    const dummy = (await sync(a, { request: 'listparticipants', room: 6000 })).participants.find((p: Msg) => p.dummy).id;
    sub = await subscriber(a.wsUrl, { room: 6000, streams: [{ feed: dummy, mid: '0' }, { feed: dummy, mid: '2' }] });
    const mids = (sub.attached.streams as Msg[]).map((s) => s.mid);
    assert.equal(mids.length, 2);
    pub = await publisher(a.wsUrl, 6000, 61);
    pump(pub);
    const pm = Object.fromEntries(pub.streams.map((s: Msg) => [s.type, s.mid]));
    const sw = await sub.janus.message(sub.handle, { request: 'switch', streams: [{ feed: 61, mid: pm.audio, sub_mid: mids[0] }, { feed: 61, mid: pm.video, sub_mid: mids[1] }] });
    const ev = (await event(sub.janus, sw.transaction)).plugindata.data;
    assert.equal(ev.switched, 'ok');
    assert.equal(ev.changes, 2);
    await until(() => (sub!.received.get(mids[0])?.count(611) ?? 0) > 20 && (sub!.received.get(mids[1])?.count(612) ?? 0) > 20, 'media after switch');
  });

  it('destroying the room removes the dummy publisher with it', async () => {
    assert.equal((await sync(a, { request: 'destroy', room: 6000 })).videoroom, 'destroyed');
    assert.equal((await sync(a, { request: 'exists', room: 6000 })).exists, false);
  });
});
