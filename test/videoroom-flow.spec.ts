import assert from 'node:assert/strict';
import type { DataPacket, JsonObject } from '../core/plugin-api';
import type { HandleState } from '../plugins/videoroom/handle-state';
import { FakeMedia } from './videoroom-fake-media';
import { until } from './support/wait';
import { offerSdp, pluginSession, rtpPacket, startServer, VrClient, type TestServer } from './videoroom-helpers';

const answerSdp = 'v=0\r\no=- 9 9 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const err = (code: number, error: string) => ({ videoroom: 'event', error_code: code, error });

/**
 * Publisher and subscriber flows through the real core and transports, with a fake media port:
 * the SDP decisions the plugin makes are checked on what it hands the core, and media callbacks
 * (PeerConnection up, RTP in) are driven directly.
 */
describe('videoroom: publishers and subscribers', function () {
  let ts: TestServer;
  let media: FakeMedia;
  const clients: VrClient[] = [];
  const open = async () => {
    const c = await VrClient.open(ts.wsUrl);
    clients.push(c);
    return c;
  };
  const state = (c: VrClient) => pluginSession(ts, c) as HandleState;
  /** Pretend the client's PeerConnection came up (the core's `webrtcup`). */
  const up = (c: VrClient) => ts.plugin.setupMedia(state(c));
  const publish = async (c: VrClient, room: number, id: number, display: string, extra: JsonObject = {}) => {
    const j = await c.async({ request: 'joinandconfigure', ptype: 'publisher', room, id, display, ...extra }, { type: 'offer', sdp: offerSdp(id) });
    assert.equal(j.data.videoroom, 'joined', JSON.stringify(j.data));
    assert.equal(j.jsep?.type, 'answer');
    // as Janus 1.1.2: joinandconfigure's "joined" carries the publisher's own negotiated streams
    assert.equal(j.data.audio_codec, 'opus');
    assert.deepEqual((j.data.streams as JsonObject[]).map((x) => x.type), ['audio', 'video', 'data']);
    up(c);
    return j;
  };

  before(async () => {
    media = new FakeMedia();
    ts = await startServer({ media });
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.close();
  });
  after(async () => {
    await ts?.stop();
  });

  it('join: pin, ACL token, duplicate IDs, second join; joined lists publishers and attendees', async () => {
    const a = await open();
    const b = await open();
    await a.sync({ request: 'create', room: 99, secret: 's', pin: 'p', publishers: 1, notify_joining: true, allowed: ['tok'] });
    assert.deepEqual((await a.async({ request: 'join', ptype: 'publisher', room: 99 })).data, err(429, 'Missing mandatory element (pin)'));
    assert.deepEqual((await a.async({ request: 'join', ptype: 'publisher', room: 99, pin: 'x' })).data, err(433, 'Unauthorized (wrong pin)'));
    assert.deepEqual((await a.async({ request: 'join', ptype: 'publisher', room: 99, pin: 'p' })).data, err(433, 'Unauthorized (not in the allowed list)'));
    const j = await a.async({ request: 'join', ptype: 'publisher', room: 99, pin: 'p', token: 'tok', id: 11, display: 'one' });
    assert.equal(j.data.videoroom, 'joined');
    assert.equal(j.data.room, 99);
    assert.equal(j.data.description, 'Room 99');
    assert.equal(j.data.id, 11);
    assert.ok(Number.isInteger(j.data.private_id) && (j.data.private_id as number) > 0 && (j.data.private_id as number) < 2 ** 32);
    assert.deepEqual(j.data.publishers, []);
    assert.deepEqual(j.data.attendees, []);
    assert.deepEqual((await a.async({ request: 'join', ptype: 'publisher', room: 99, pin: 'p', token: 'tok', id: 12 })).data, err(425, 'Already in as a publisher on this handle'));
    assert.deepEqual((await b.async({ request: 'join', ptype: 'publisher', room: 99, pin: 'p', token: 'tok', id: 11 })).data, err(436, 'User ID 11 already exists'));
    assert.deepEqual((await b.async({ request: 'join', ptype: 'publisher', room: 99, pin: 'p', token: 'tok', id: 'x' })).data, err(430, 'Invalid element type (id should be a positive integer)'));
    const jb = await b.async({ request: 'join', ptype: 'publisher', room: 99, pin: 'p', token: 'tok', id: 22, display: 'two' });
    assert.deepEqual(jb.data.attendees, [{ id: 11, display: 'one' }]);
    assert.deepEqual((await a.nextPlugin()).data, { videoroom: 'event', room: 99, joining: { id: 22, display: 'two' } });
    // a display change is announced (without "room", as Janus does)
    assert.deepEqual((await a.async({ request: 'configure', display: 'uno' })).data, { videoroom: 'event', room: 99, configured: 'ok' });
    assert.deepEqual((await b.nextPlugin()).data, { videoroom: 'event', id: 11, display: 'uno' });
    // publish: the answer keeps opus/vp8 and the data channel; the cap of 1 publisher applies
    const p = await b.async({ request: 'publish', descriptions: [{ mid: '1', description: 'cam' }] }, { type: 'offer', sdp: offerSdp(2) });
    assert.deepEqual(p.data, {
      videoroom: 'event', room: 99, configured: 'ok', audio_codec: 'opus', video_codec: 'vp8',
      streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'opus', fec: true }, { type: 'video', mindex: 1, mid: '1', description: 'cam', codec: 'vp8' }, { type: 'data', mindex: 2, mid: '2' }],
    });
    const ans = media.forHandle(b.handle)!.lastAnswer!;
    assert.deepEqual(ans.media!.map((m) => [m.mindex, m.accept, m.direction, m.codecs?.[0]]), [[0, true, 'recvonly', 'opus'], [1, true, 'recvonly', 'vp8'], [2, true, undefined, undefined]]);
    assert.deepEqual((await b.async({ request: 'publish' }, { type: 'offer', sdp: offerSdp(2) })).data, err(434, "Can't publish, already published"));
    assert.deepEqual((await a.async({ request: 'publish' }, { type: 'offer', sdp: offerSdp(1) })).data, err(432, 'Maximum number of publishers (1) already reached'));
    // not announced before the PeerConnection is up
    assert.deepEqual(await a.pluginEvents(), []);
    up(b);
    const ev = await a.nextPlugin();
    assert.equal(ev.data.videoroom, 'event');
    assert.deepEqual(ev.data.publishers, [{
      id: 22, display: 'two', audio_codec: 'opus', video_codec: 'vp8',
      streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'opus', fec: true }, { type: 'video', mindex: 1, mid: '1', description: 'cam', codec: 'vp8' }, { type: 'data', mindex: 2, mid: '2' }],
    }]);
    assert.deepEqual(await a.sync({ request: 'listparticipants', room: 99 }), { videoroom: 'participants', room: 99, participants: [{ id: 11, display: 'uno', publisher: false }, { id: 22, display: 'two', publisher: true }] });
    // moderation reaches everybody, including the target
    assert.deepEqual(await a.sync({ request: 'moderate', room: 99, secret: 's', id: 22, mid: '0', mute: true }), { videoroom: 'success' });
    const mod = { videoroom: 'event', room: 99, id: 22, mid: '0', moderation: 'muted' };
    assert.deepEqual((await a.nextPlugin()).data, mod);
    assert.deepEqual((await b.nextPlugin()).data, mod);
    assert.deepEqual(await a.sync({ request: 'moderate', room: 99, secret: 's', id: 22, mid: '9', mute: true }), err(428, 'No such stream 9'));
    // unpublish, twice
    assert.deepEqual((await b.async({ request: 'unpublish' })).data, { videoroom: 'event', room: 99, unpublished: 'ok' });
    assert.deepEqual((await a.nextPlugin()).data, { videoroom: 'event', room: 99, unpublished: 22 });
    assert.deepEqual((await b.async({ request: 'unpublish' })).data, err(435, "Can't unpublish, not published"));
    // kick: the target hears leaving/kicked, the others kicked; the target's handle is done with the room
    assert.deepEqual(await b.sync({ request: 'kick', room: 99, secret: 's', id: 11 }), { videoroom: 'success' });
    assert.deepEqual((await a.nextPlugin()).data, { videoroom: 'event', room: 99, leaving: 'ok', reason: 'kicked' });
    assert.deepEqual((await b.nextPlugin()).data, { videoroom: 'event', room: 99, kicked: 11 });
    assert.deepEqual((await a.async({ request: 'configure' })).data, err(426, 'No such room'));
    assert.deepEqual((await a.async({ request: 'join', ptype: 'publisher', room: 99, pin: 'p', token: 'tok' })).data, err(425, 'Not in a room (create a new handle)'));
    // leave: the others hear it even from a non-publisher
    const c = await open();
    await c.async({ request: 'join', ptype: 'publisher', room: 99, pin: 'p', token: 'tok', id: 33 });
    await b.nextPlugin((d) => !!d.joining);
    assert.deepEqual((await c.async({ request: 'leave' })).data, { videoroom: 'event', room: 99, leaving: 'ok' });
    assert.deepEqual((await b.nextPlugin()).data, { videoroom: 'event', room: 99, leaving: 33 });
    // destroy: participants hear it
    assert.deepEqual(await c.sync({ request: 'destroy', room: 99, secret: 's' }), { videoroom: 'destroyed', room: 99, permanent: false });
    assert.deepEqual((await b.nextPlugin()).data, { videoroom: 'destroyed', room: 99 });
  });

  it('codecs outside the room list are rejected per m-line', async () => {
    const a = await open();
    await a.sync({ request: 'create', room: 96, videocodec: 'vp9', audiocodec: 'pcmu' });
    await a.async({ request: 'join', ptype: 'publisher', room: 96, id: 1 });
    const r = await a.async({ request: 'publish' }, { type: 'offer', sdp: offerSdp(1) });
    assert.deepEqual(r.data, {
      videoroom: 'event', room: 96, configured: 'ok', audio_codec: 'pcmu', video_codec: 'none',
      streams: [{ type: 'audio', mindex: 0, mid: '0', codec: 'pcmu' }, { type: 'video', mindex: 1, mid: '1', disabled: true }, { type: 'data', mindex: 2, mid: '2' }],
    });
    assert.deepEqual(media.forHandle(a.handle)!.lastAnswer!.media!.map((m) => m.accept), [true, false, true]);
    // a preferred codec from the request wins when the room allows it
    const b = await open();
    await b.sync({ request: 'create', room: 95, videocodec: 'vp8,h264' });
    await b.async({ request: 'join', ptype: 'publisher', room: 95 });
    const r2 = await b.async({ request: 'publish', videocodec: 'h264' }, { type: 'offer', sdp: offerSdp(2) });
    assert.equal(r2.data.video_codec, 'h264');
    assert.deepEqual((await b.async({ request: 'configure', bitrate: 'x' })).data, err(430, 'Invalid element type (bitrate should be a positive integer)'));
    assert.deepEqual((await b.async({ request: 'configure', streams: [{ mid: '9', send: false }] })).data, err(428, "No such mid '9' published"));
    assert.deepEqual((await b.async({ request: 'start' })).data, err(423, "Unknown request 'start'"));
  });

  it('1.x multistream subscriber: attached, offer, start, relay, pause/resume and switch keep sequence numbers continuous', async () => {
    const a = await open();
    const b = await open();
    const s = await open();
    await a.sync({ request: 'create', room: 50, publishers: 5, fir_freq: 0, bitrate: 256000 });
    await publish(a, 50, 1, 'alice');
    await publish(b, 50, 2, 'bob');
    assert.deepEqual(media.rembs.get(a.handle), [256000]);
    assert.deepEqual((await s.async({ request: 'join', ptype: 'subscriber', room: 50, streams: [{ feed: 5 }] })).data, err(428, 'No such feed (5)'));
    assert.deepEqual((await s.async({ request: 'join', ptype: 'subscriber', room: 50, streams: [] })).data, err(429, 'Missing mandatory element (feed)'));
    assert.deepEqual((await s.async({ request: 'join', ptype: 'subscriber', room: 50, streams: 5 })).data, err(430, 'Invalid element type (streams should be an array)'));
    assert.deepEqual((await s.async({ request: 'join', ptype: 'subscriber', room: 50, feed: 'x' })).data, err(430, 'Invalid element type (feed should be a positive integer)'));
    const j = await s.async({ request: 'join', ptype: 'subscriber', room: 50, streams: [{ feed: 1, mid: '1' }, { feed: 2 }] });
    assert.equal(j.data.videoroom, 'attached');
    assert.equal(j.jsep?.type, 'offer');
    const streams = j.data.streams as JsonObject[];
    assert.deepEqual(streams.map((x) => [x.type, x.mindex, x.mid, x.feed_id, x.feed_mid, x.codec, x.active]), [
      ['video', 0, '0', 1, '1', 'vp8', true], ['audio', 1, '1', 2, '0', 'opus', true], ['video', 2, '2', 2, '1', 'vp8', true], ['data', 3, '3', undefined, undefined, undefined, true],
    ]);
    assert.deepEqual(streams[3], { type: 'data', active: true, mindex: 3, mid: '3', ready: false, send: true, sources: 1, source_ids: [2] });
    assert.equal(streams[0].feed_display, 'alice');
    const offer = media.forHandle(s.handle)!.lastOffer!;
    assert.deepEqual(offer.media!.map((m) => [m.kind, m.direction, m.codecs[0]?.name, m.msid?.stream]), [
      ['video', 'sendonly', 'vp8', 'janus1'], ['audio', 'sendonly', 'opus', 'janus2'], ['video', 'sendonly', 'vp8', 'janus2'], ['application', 'sendrecv', undefined, undefined],
    ]);
    assert.deepEqual((await s.async({ request: 'join', ptype: 'subscriber', room: 50, streams: [{ feed: 1 }] })).data, err(425, 'Already in as a subscriber on this handle'));
    // nothing is relayed before start
    const sa = state(a);
    const sb = state(b);
    ts.plugin.incomingRtp(sa, rtpPacket(1, 100, 9000, 0xaaaa, true));
    assert.equal(media.rtp.get(s.handle), undefined);
    media.plis.delete(a.handle);
    assert.deepEqual((await s.async({ request: 'start' }, { type: 'answer', sdp: answerSdp })).data, { videoroom: 'event', room: 50, started: 'ok' });
    assert.deepEqual(media.plis.get(a.handle), [1], 'keyframe request on start');
    up(s);
    let seq = 100;
    let t = 9000;
    const sendA = (n: number) => {
      for (let i = 0; i < n; i++) ts.plugin.incomingRtp(sa, rtpPacket(1, ++seq, (t += 3000), 0xaaaa, true));
    };
    sendA(5);
    ts.plugin.incomingRtp(sb, rtpPacket(0, 7, 960, 0xbbbb, false));
    ts.plugin.incomingRtp(sb, rtpPacket(1, 3, 3000, 0xbbbc, true));
    const got = media.rtp.get(s.handle)!;
    assert.deepEqual(got.map((r) => r.mindex), [0, 0, 0, 0, 0, 1, 2]);
    assert.deepEqual(got.slice(0, 5).map((r) => r.seq), [101, 102, 103, 104, 105]);
    // pause: nothing; resume: the next packet follows on
    assert.deepEqual((await s.async({ request: 'pause' })).data, { videoroom: 'event', room: 50, paused: 'ok' });
    sendA(50);
    assert.equal(got.length, 7);
    assert.deepEqual((await s.async({ request: 'start' })).data, { videoroom: 'event', room: 50, started: 'ok' });
    sendA(2);
    assert.deepEqual(got.slice(7).map((r) => r.seq), [106, 107]);
    // switch m-line 0 from alice's video to bob's: same codec, sequence continues
    assert.deepEqual((await s.async({ request: 'switch', streams: [{ feed: 2 }] })).data, err(429, 'Missing mandatory element (mid)'));
    assert.deepEqual((await s.async({ request: 'switch', streams: [{ feed: 7, mid: '1', sub_mid: '0' }] })).data, err(428, 'No such feed (7)'));
    // as Janus 1.1.2: another media kind or an unknown sub_mid is skipped, not an error
    const skipped = await s.async({ request: 'switch', streams: [{ feed: 2, mid: '0', sub_mid: '0' }, { feed: 2, mid: '1', sub_mid: '9' }] });
    assert.equal(skipped.data.switched, 'ok');
    assert.equal(skipped.data.changes, 0);
    media.plis.delete(b.handle);
    const sw = await s.async({ request: 'switch', streams: [{ feed: 2, mid: '1', sub_mid: '0' }] });
    assert.equal(sw.data.switched, 'ok');
    assert.equal(sw.data.changes, 1);
    assert.equal((sw.data.streams as JsonObject[])[0].feed_id, 2);
    assert.deepEqual(media.plis.get(b.handle), [1], 'keyframe request on switch');
    const before = got.length;
    sendA(3); // alice's video no longer goes to m-line 0
    assert.equal(got.length, before);
    ts.plugin.incomingRtp(sb, rtpPacket(1, 60000, 123456, 0xbbbc, true));
    ts.plugin.incomingRtp(sb, rtpPacket(1, 60001, 126456, 0xbbbc, true));
    const m0 = got.filter((r) => r.mindex === 0).map((r) => r.seq);
    assert.deepEqual(m0.slice(-3), [107, 108, 109]);
    // a PLI from the subscriber on m-line 0 (now bob's video) becomes a keyframe request to bob's video m-line
    media.plis.delete(b.handle);
    const pli = Buffer.alloc(12);
    pli[0] = 0x81;
    pli[1] = 206;
    pli.writeUInt16BE(2, 2);
    ts.plugin.incomingRtcp(state(s), { mindex: 0, video: true, buffer: pli, length: 12 });
    assert.deepEqual(media.plis.get(b.handle), [1]);
    // configure: stop one m-line
    assert.deepEqual((await s.async({ request: 'configure', streams: [{ mid: '9', send: false }] })).data, err(428, "No such mid '9' in subscription"));
    // an entry without mid applies to every m-line (as Janus 1.1.2)
    assert.deepEqual((await s.async({ request: 'configure', streams: [{ send: false }] })).data, { videoroom: 'event', room: 50, configured: 'ok' });
    assert.deepEqual(state(s).subscriber!.streams.map((x) => x.send), [false, false, false, false]);
    await s.async({ request: 'configure', streams: [{ send: true }] });
    assert.deepEqual((await s.async({ request: 'configure', streams: [{ mid: '0', send: false }] })).data, { videoroom: 'event', room: 50, configured: 'ok' });
    const n = got.length;
    ts.plugin.incomingRtp(sb, rtpPacket(1, 60002, 129456, 0xbbbc, true));
    assert.equal(got.filter((r) => r.mindex === 0).length, m0.length);
    assert.equal(got.length, n + 1, 'm-line 2 still gets bob video');
    // data channel messages are relayed to the data m-line
    const dp: DataPacket = { label: 'x', binary: false, buffer: Buffer.from('hello'), length: 5 };
    ts.plugin.incomingData(sb, dp);
    assert.deepEqual(media.data.get(s.handle), ['hello']);
    // moderation stops forwarding of a stream
    await a.sync({ request: 'moderate', room: 50, id: 2, mid: '0', mute: true });
    const audioBefore = got.filter((r) => r.mindex === 1).length;
    ts.plugin.incomingRtp(sb, rtpPacket(0, 8, 1920, 0xbbbb, false));
    assert.equal(got.filter((r) => r.mindex === 1).length, audioBefore);
    // handle_info shows the subscription
    const hi = await (await fetch(ts.adminUrl, { method: 'POST', body: JSON.stringify({ janus: 'handle_info', session_id: s.session, handle_id: s.handle, transaction: 'hi', admin_secret: 'janusoverlord' }) })).json() as JsonObject;
    const ps = (hi.info as JsonObject).plugin_specific as JsonObject;
    assert.equal(ps.type, 'subscriber');
    assert.equal((ps.streams as unknown[]).length, 4);
    const hp = await (await fetch(ts.adminUrl, { method: 'POST', body: JSON.stringify({ janus: 'handle_info', session_id: b.session, handle_id: b.handle, transaction: 'hi', admin_secret: 'janusoverlord' }) })).json() as JsonObject;
    const pp = (hp.info as JsonObject).plugin_specific as JsonObject;
    assert.equal(pp.type, 'publisher');
    assert.equal(pp.id, 2);
    assert.deepEqual((pp.streams as JsonObject[]).map((x) => x.subscribers), [1, 2, 1]);
    // bob leaves: the subscriber gets an unsolicited "updated" offer with bob's m-lines inactive
    await b.async({ request: 'leave' });
    const upd = await s.nextPlugin((d) => d.videoroom === 'updated');
    assert.equal(upd.jsep?.type, 'offer');
    assert.deepEqual((upd.data.streams as JsonObject[]).map((x) => x.active), [false, false, false, false]);
    // subscribe again to alice: the freed video m-line is reused; an offer is still pending → "updating"
    const sub1 = await s.async({ request: 'subscribe', streams: [{ feed: 1, mid: '1' }] });
    assert.deepEqual(sub1.data, { videoroom: 'updating', room: 50 });
    await s.async({ request: 'start' }, { type: 'answer', sdp: answerSdp });
    const upd2 = await s.nextPlugin((d) => d.videoroom === 'updated');
    assert.equal(upd2.jsep?.type, 'offer');
    assert.deepEqual((upd2.data.streams as JsonObject[]).map((x) => [x.mid, x.active, x.feed_id]), [['0', true, 1], ['1', false, undefined], ['2', false, undefined], ['3', false, undefined]]);
    await s.async({ request: 'start' }, { type: 'answer', sdp: answerSdp });
    const uns = await s.async({ request: 'unsubscribe', streams: [{ feed: 1 }] });
    assert.equal(uns.data.videoroom, 'updated');
    assert.equal(uns.jsep?.type, 'offer');
    assert.deepEqual((await s.async({ request: 'update' })).data, err(429, "At least one of either 'subscribe' or 'unsubscribe' must be present"));
    assert.deepEqual((await s.async({ request: 'leave' })).data, { videoroom: 'event', room: 50, left: 'ok' });
  });

  it('0.x subscriber: feed form with deprecated_api, offer_*, audio/video flags, switch by feed, close_pc', async () => {
    const a = await open();
    const b = await open();
    const s = await open();
    await a.sync({ request: 'create', room: 60, require_pvtid: true });
    await publish(a, 60, 1, 'alice');
    await publish(b, 60, 2, 'bob');
    assert.deepEqual((await s.async({ request: 'join', ptype: 'subscriber', room: 60 })).data, err(429, 'Missing mandatory element (feed)'));
    assert.deepEqual((await s.async({ request: 'join', ptype: 'subscriber', room: 60, feed: 1 })).data, err(433, 'Unauthorized (this room requires a valid private_id)'));
    const pvt = (state(b).participant!).privateId;
    const j = await s.async({ request: 'join', ptype: 'listener', room: 60, feed: 1, private_id: pvt, offer_data: false, audio: false });
    assert.equal(j.data.videoroom, 'attached');
    assert.equal(j.data.id, 1);
    assert.equal(j.data.display, 'alice');
    assert.equal(j.data.warning, 'deprecated_api');
    assert.deepEqual((j.data.streams as JsonObject[]).map((x) => [x.type, x.send]), [['audio', false], ['video', true]]);
    await s.async({ request: 'start' }, { type: 'answer', sdp: answerSdp });
    const sa = state(a);
    ts.plugin.incomingRtp(sa, rtpPacket(0, 1, 960, 0xa0, false));
    ts.plugin.incomingRtp(sa, rtpPacket(1, 500, 3000, 0xa1, true));
    assert.deepEqual(media.rtp.get(s.handle)!.map((r) => [r.mindex, r.seq]), [[1, 500]]);
    // 0.x configure: audio back on
    assert.deepEqual((await s.async({ request: 'configure', audio: true })).data, { videoroom: 'event', room: 60, configured: 'ok' });
    ts.plugin.incomingRtp(sa, rtpPacket(0, 2, 1920, 0xa0, false));
    assert.equal(media.rtp.get(s.handle)!.length, 2);
    // 0.x switch to bob: both m-lines move, numbering continues
    const sw = await s.async({ request: 'switch', feed: 2 });
    assert.equal(sw.data.switched, 'ok');
    assert.equal(sw.data.id, 2);
    assert.equal(sw.data.room, 60);
    ts.plugin.incomingRtp(state(b), rtpPacket(1, 9000, 77777, 0xb1, true));
    assert.deepEqual(media.rtp.get(s.handle)!.slice(-1).map((r) => [r.mindex, r.seq]), [[1, 501]]);
    // bob unpublishes: the 0.x subscriber's PeerConnection is closed (close_pc default)
    await b.async({ request: 'unpublish' });
    const hang = await s.next((m) => m.janus === 'hangup');
    assert.equal(hang.reason, 'Close PC');
  });

  it('room options: require_e2ee refuses plain offers, signed_tokens needs the core signed mode', async () => {
    const a = await open();
    assert.deepEqual(await a.sync({ request: 'create', room: 90, signed_tokens: true }), err(430, "Can't enforce signed tokens for this room, signed-mode not in use"));
    await a.sync({ request: 'create', room: 91, require_e2ee: true });
    await a.async({ request: 'join', ptype: 'publisher', room: 91, id: 1 });
    assert.deepEqual((await a.async({ request: 'publish' }, { type: 'offer', sdp: offerSdp(1) })).data, err(437, 'Room requires end-to-end encrypted media'));
    const ok = await a.async({ request: 'publish' }, { type: 'offer', sdp: offerSdp(1), e2ee: true });
    assert.equal(ok.data.configured, 'ok');
    assert.ok(((await a.sync({ request: 'list' })).list as Array<{ room: number }>).some((r) => r.room === 91), 'room 91 listed');
  });

  it('fir_freq: periodic keyframe requests to active publishers; bitrate via REMB', async () => {
    const a = await open();
    await a.sync({ request: 'create', room: 85, fir_freq: 1, bitrate: 300000 });
    await publish(a, 85, 1, 'alice');
    assert.deepEqual(media.rembs.get(a.handle), [300000]);
    media.plis.delete(a.handle);
    // the next periodic round (fir_freq 1: within a second)
    assert.ok(await until(() => (media.plis.get(a.handle)?.length ?? 0) >= 1 && (media.rembs.get(a.handle)?.length ?? 0) >= 2, 3000), 'a periodic round');
    assert.deepEqual(media.plis.get(a.handle), [undefined]);
    // the cap is repeated every second, as Janus
    assert.deepEqual(media.rembs.get(a.handle), [300000, 300000]);
    assert.deepEqual((await a.async({ request: 'configure', bitrate: 100000, keyframe: true })).data, { videoroom: 'event', room: 85, configured: 'ok' });
    const rembs = media.rembs.get(a.handle)!;
    assert.equal(rembs[rembs.length - 1], 100000, 'the new cap at once');
    assert.ok(rembs.length >= 3 && rembs.slice(0, -1).every((b) => b === 300000), `before: the room's cap (${rembs.join(',')})`);
    assert.equal(media.plis.get(a.handle)!.length, 2);
    // bob stays published in the room: his next periodic keyframe request bounds the wait for
    // one to alice that must not come
    const b = await open();
    await publish(b, 85, 2, 'bob');
    await a.async({ request: 'unpublish' });
    media.plis.delete(a.handle);
    media.rembs.delete(a.handle);
    media.plis.delete(b.handle);
    assert.ok(await until(() => (media.plis.get(b.handle)?.length ?? 0) >= 2, 4000), 'bob got no periodic keyframe requests');
    assert.equal(media.plis.get(a.handle), undefined, 'no more keyframe requests once unpublished');
    assert.equal(media.rembs.get(a.handle), undefined, 'no more REMB once unpublished');
  });

  it('kick and leave of active publishers: only "kicked" / "leaving" to the room (as Janus 1.1.2)', async () => {
    const a = await open();
    const b = await open();
    const c = await open();
    await a.sync({ request: 'create', room: 88, secret: 's' });
    await a.async({ request: 'join', ptype: 'publisher', room: 88, id: 1 });
    await publish(b, 88, 2, 'bob');
    await publish(c, 88, 3, 'carol');
    await a.pluginEvents();
    await a.sync({ request: 'kick', room: 88, secret: 's', id: 2 });
    assert.deepEqual(await a.pluginEvents(), [{ videoroom: 'event', room: 88, kicked: 2 }]);
    assert.deepEqual((await c.async({ request: 'leave' })).data, { videoroom: 'event', room: 88, leaving: 'ok' });
    assert.deepEqual(await a.pluginEvents(), [{ videoroom: 'event', room: 88, leaving: 3 }]);
    assert.equal(c.events.some((m) => m.janus === 'hangup'), false, 'leave leaves the PeerConnection to the client');
    assert.deepEqual(await a.sync({ request: 'listparticipants', room: 88 }), { videoroom: 'participants', room: 88, participants: [{ id: 1, publisher: false }] });
  });

  it('talk detection: talking / stopped-talking to the room', async () => {
    const a = await open();
    const b = await open();
    await a.sync({ request: 'create', room: 70, audiolevel_event: true, audio_active_packets: 10, audio_level_average: 40 });
    await publish(a, 70, 1, 'alice');
    await b.async({ request: 'join', ptype: 'publisher', room: 70, id: 2 });
    const sa = state(a);
    for (let i = 0; i < 10; i++) ts.plugin.incomingRtp(sa, rtpPacket(0, i, i * 960, 1, false, 0, 20));
    const t = await b.nextPlugin((d) => d.videoroom === 'talking');
    assert.deepEqual(t.data, { videoroom: 'talking', room: 70, id: 1, mindex: 0, mid: '0', 'audio-level-dBov-avg': 20 });
    for (let i = 10; i < 20; i++) ts.plugin.incomingRtp(sa, rtpPacket(0, i, i * 960, 1, false, 0, 90));
    assert.equal((await b.nextPlugin((d) => d.videoroom === 'stopped-talking')).data['audio-level-dBov-avg'], 90);
    const l = await b.sync({ request: 'listparticipants', room: 70 });
    assert.deepEqual(l.participants, [{ id: 1, display: 'alice', publisher: true, talking: false }, { id: 2, publisher: false }]);
  });

  it('detach of a publisher: unpublished and leaving to the room, subscriber updated', async () => {
    const a = await open();
    const b = await open();
    const s = await open();
    await a.sync({ request: 'create', room: 80 });
    await publish(a, 80, 1, 'alice');
    await b.async({ request: 'join', ptype: 'publisher', room: 80, id: 2 });
    await s.async({ request: 'join', ptype: 'subscriber', room: 80, streams: [{ feed: 1 }] });
    await s.async({ request: 'start' }, { type: 'answer', sdp: answerSdp });
    await a.req({ janus: 'detach', session_id: a.session, handle_id: a.handle });
    assert.deepEqual((await b.nextPlugin()).data, { videoroom: 'event', room: 80, unpublished: 1 });
    assert.deepEqual((await b.nextPlugin()).data, { videoroom: 'event', room: 80, leaving: 1 });
    const u = await s.nextPlugin((d) => d.videoroom === 'updated');
    assert.deepEqual((u.data.streams as JsonObject[]).map((x) => x.active), [false, false, false]);
    assert.deepEqual(await b.sync({ request: 'listparticipants', room: 80 }), { videoroom: 'participants', room: 80, participants: [{ id: 2, publisher: false }] });
  });
});
