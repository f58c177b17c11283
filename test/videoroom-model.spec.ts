import assert from 'node:assert/strict';
import type { JsonObject, PluginHandle, RtpPacket } from '../core/plugin-api';
import { forwardRtp } from '../plugins/videoroom/fanout';
import { Publisher } from '../plugins/videoroom/publisher/publisher';
import { PublisherStream, type PublisherStreamSink } from '../plugins/videoroom/publisher/publisher-stream';
import { Room } from '../plugins/videoroom/room';
import { ForwarderSockets } from '../plugins/videoroom/rtp-forward';
import * as dgram from 'node:dgram';
import { defaultRoomConfig } from '../plugins/videoroom/room-config';
import type { VideoRoomState } from '../plugins/videoroom/state';
import { Subscriber } from '../plugins/videoroom/subscriber/subscriber';

/** A plugin handle that records what the plugin does with it. */
class FakeHandle {
  alive = true;
  readonly relayed: Array<{ mindex: number; seq: number; ts: number; ssrc: number }> = [];
  readonly plis: Array<number | undefined> = [];
  readonly rembs: number[] = [];
  readonly events: JsonObject[] = [];
  relayRtp(p: RtpPacket): void {
    this.relayed.push({ mindex: p.mindex, seq: p.buffer.readUInt16BE(2), ts: p.buffer.readUInt32BE(4), ssrc: p.buffer.readUInt32BE(8) });
  }
  relayData(): void {}
  sendPli(mindex?: number): void {
    this.plis.push(mindex);
  }
  sendRemb(b: number): void {
    this.rembs.push(b);
  }
  pushEvent(_tx: string | undefined, data: JsonObject): Promise<void> {
    this.events.push(data);
    return Promise.resolve();
  }
  closePc(): void {}
}
const asHandle = (h: FakeHandle) => h as unknown as PluginHandle;
const vr = { event() {}, log: { warn() {} } } as unknown as VideoRoomState;

function rtp(seq: number, ts: number, ssrc: number, mindex = 0): RtpPacket {
  const b = Buffer.alloc(40);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  return { mindex, mid: String(mindex), video: true, buffer: b, length: b.length, substream: 0, extensions: { audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1 } };
}

function publisher(room: Room, id: number, h = new FakeHandle()): { pub: Publisher; h: FakeHandle; s: PublisherStream } {
  const pub = new Publisher(room, asHandle(h), id, 1000 + id);
  const s = new PublisherStream('video', 0, '0');
  s.codec = { name: 'vp8', pt: 96, clockRate: 90000 };
  room.addParticipant(pub);
  return { pub, h, s };
}

describe('videoroom: domain objects keep their invariants', () => {
  let room: Room;
  beforeEach(() => {
    room = new Room(1, { ...defaultRoomConfig(), bitrate: 500000, bitrateCap: true });
  });

  it('a publisher is active only once negotiated; deactivating drops its streams, sinks and forwarders', () => {
    const { pub, h, s } = publisher(room, 1);
    assert.equal(pub.activate(), false, 'not negotiated yet');
    pub.requestKeyframe();
    assert.deepEqual(h.plis, [], 'no keyframe request while not publishing');
    pub.negotiate([s]);
    assert.equal(pub.byMindex(0), s);
    assert.equal(pub.activate(), true);
    assert.equal(pub.activate(), false, 'already active');
    assert.deepEqual(h.rembs, [500000], 'the room cap is applied at once');
    const sub = new Subscriber(room, asHandle(new FakeHandle()));
    sub.addStream('video').attach(pub, s);
    assert.equal(s.subscribers.length, 1);
    const r = pub.deactivate();
    assert.equal(r.wasActive, true);
    assert.equal(pub.active, false);
    assert.equal(pub.streams.length, 0);
    assert.equal(s.subscribers.length, 0);
    assert.equal(pub.byMindex(0), undefined);
    pub.stopTimers();
  });

  it('bitrate_cap caps a publisher asking for more', () => {
    const { pub } = publisher(room, 1);
    pub.setBitrate(2_000_000);
    assert.equal(pub.bitrate, 500000);
    pub.setBitrate(100000);
    assert.equal(pub.bitrate, 100000);
  });

  it('a publisher stream changes its sinks copy-on-write: a fan-out in progress keeps its array', () => {
    const s = new PublisherStream('audio', 0, '0');
    const sink: PublisherStreamSink = { relayRtp() {}, relayData() {}, sourceGateChanged() {} };
    s.addSubscriber(sink);
    s.addSubscriber(sink);
    const during = s.subscribers;
    s.removeSubscriber(sink);
    assert.equal(during.length, 1);
    assert.equal(s.subscribers.length, 0);
  });

  it('the room owns its participants: removing one forgets its private_id and unlinks its subscriptions', () => {
    const { pub } = publisher(room, 7);
    const sub = new Subscriber(room, asHandle(new FakeHandle()));
    sub.owner = pub;
    room.addSubscriber(sub);
    assert.deepEqual(room.subscriptionsOf(pub), [sub]);
    assert.equal(room.participantByPrivateId(1007), pub);
    room.removeParticipant(pub);
    assert.equal(room.participants.has(7), false);
    assert.equal(room.participantByPrivateId(1007), undefined);
    assert.equal(sub.owner, undefined);
  });

  it('a subscriber stream is fed by one source at a time, and never modifies the shared packet', () => {
    const a = publisher(room, 1);
    const b = publisher(room, 2);
    for (const p of [a, b]) {
      p.pub.negotiate([p.s]);
      p.pub.activate();
      p.pub.stopTimers();
    }
    const h = new FakeHandle();
    const sub = new Subscriber(room, asHandle(h));
    const ss = sub.addStream('video');
    ss.attach(a.pub, a.s);
    sub.start(true);
    assert.deepEqual(a.h.plis, [0], 'start asks the source for a keyframe');
    const shared = rtp(500, 9000, 0xaaaa);
    const copy = Buffer.from(shared.buffer);
    forwardRtp(vr, a.pub, shared);
    forwardRtp(vr, a.pub, rtp(501, 12000, 0xaaaa));
    assert.equal(shared.buffer.equals(copy), true, 'the publisher packet is untouched');
    ss.attach(b.pub, b.s);
    assert.equal(a.s.subscribers.length, 0);
    assert.equal(b.s.subscribers.length, 1);
    forwardRtp(vr, a.pub, rtp(502, 15000, 0xaaaa)); // old source: nothing
    forwardRtp(vr, b.pub, rtp(40000, 777, 0xbbbb));
    assert.deepEqual(h.relayed.map((r) => r.seq), [500, 501, 502], 'sequence numbers continue across the switch');
    // pause: nothing; send:false on the m-line: nothing
    sub.pause();
    forwardRtp(vr, b.pub, rtp(40001, 3777, 0xbbbb));
    sub.start(false);
    ss.setSend(false);
    forwardRtp(vr, b.pub, rtp(40002, 6777, 0xbbbb));
    assert.equal(h.relayed.length, 3);
    ss.setSend(true);
    forwardRtp(vr, b.pub, rtp(40003, 9777, 0xbbbb));
    assert.equal(h.relayed[3].seq, 503, 'resumed right after the last one sent');
  });

  it('the publisher going away is dropped by its subscriptions (and only theirs)', () => {
    const a = publisher(room, 1);
    const b = publisher(room, 2);
    const sub = new Subscriber(room, asHandle(new FakeHandle()));
    sub.addStream('video').attach(a.pub, a.s);
    sub.addStream('video').attach(b.pub, b.s);
    assert.equal(sub.dropPublisher(a.pub), true);
    assert.equal(sub.dropPublisher(a.pub), false);
    assert.deepEqual(sub.streams.map((s) => s.active), [false, true]);
    sub.end();
    assert.equal(b.s.subscribers.length, 0);
  });

  it('simulcast: the layer choice belongs to the subscriber stream; a change is a typed event upward', () => {
    const { pub, h: ph, s } = publisher(room, 1);
    s.simulcast = true;
    s.substreams = 3;
    pub.negotiate([s]);
    pub.activate();
    pub.stopTimers();
    const h = new FakeHandle();
    const sub = new Subscriber(room, asHandle(h));
    const ss = sub.addStream('video');
    ss.attach(pub, s);
    sub.start(true);
    ph.plis.length = 0;
    ss.setPreferredLayers({ substream: 0 });
    assert.deepEqual(ph.plis, [0], 'a new substream target needs a keyframe');
    ss.setPreferredLayers({ substream: 0 });
    assert.deepEqual(ph.plis, [0], 'the same target again: no new request');
    // a VP8 keyframe on substream 0 starts the relay and announces the substream
    const p = rtp(10, 100, 0x1111);
    p.buffer[12] = 0x10; // S bit, no extension: keyframe bit (P=0) in the next byte
    p.buffer[13] = 0x00;
    forwardRtp(vr, pub, p);
    assert.equal(h.relayed.length, 1);
    assert.deepEqual(h.events, [{ videoroom: 'event', room: 1, mid: '0', substream: 0 }]);
  });

  it('hangup: back to before start; the next PeerConnection starts a fresh sequence', () => {
    const { pub, s } = publisher(room, 1);
    pub.negotiate([s]);
    pub.activate();
    pub.stopTimers();
    const h = new FakeHandle();
    const sub = new Subscriber(room, asHandle(h));
    sub.addStream('video').attach(pub, s);
    assert.equal(sub.beginOffer(false), true);
    assert.equal(sub.beginOffer(true), false, 'an offer is pending: the update waits');
    assert.equal(sub.updateQueued, true);
    sub.start(true);
    assert.equal(sub.offerPending, false);
    forwardRtp(vr, pub, rtp(100, 0, 0xaaaa));
    sub.hangup();
    assert.equal(sub.forwarding, false);
    forwardRtp(vr, pub, rtp(101, 0, 0xaaaa));
    sub.start(true);
    forwardRtp(vr, pub, rtp(9000, 0, 0xcccc));
    assert.deepEqual(h.relayed.map((r) => r.seq), [100, 9000]);
  });

  it('RTP forwarder sockets belong to one plugin instance: closing one server leaves another forwarding', async () => {
    const rx = dgram.createSocket('udp4');
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', () => r()));
    const got = new Promise<Buffer>((r) => rx.once('message', (m) => r(m)));
    const a = new ForwarderSockets();
    const b = new ForwarderSockets();
    const sa = a.get('udp4');
    const sb = b.get('udp4');
    assert.notEqual(sa, sb);
    assert.equal(a.get('udp4'), sa, 'one socket per family per instance');
    a.close();
    sb.send(Buffer.from('still here'), rx.address().port, '127.0.0.1');
    assert.equal((await got).toString(), 'still here');
    b.close();
    rx.close();
  });
});
