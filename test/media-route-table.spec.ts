import * as assert from 'node:assert/strict';
import { MediaSession, type MediaOutlet } from '../core/media-session';
import type { RouteNote, RouteState } from '../core/media/routes/route-sink';
import { RouteTable, type RemoteRouteOut } from '../core/media/routes/route-table';
import type { RtpPacket } from '../core/plugin-api';

/** A media session whose plugin counts incomingRtp and whose outlet records what is relayed. */
function session(): { media: MediaSession; sent: Array<{ mindex: number; seq: number; ssrc: number }>; pluginGot: number[] } {
  const sent: Array<{ mindex: number; seq: number; ssrc: number }> = [];
  const pluginGot: number[] = [];
  const owner = { attached: true, detached: false, pluginState: undefined, plugin: { incomingRtp: (_s: unknown, p: RtpPacket) => void pluginGot.push(p.mindex) } };
  const media = new MediaSession(owner, () => undefined, () => undefined);
  const out: MediaOutlet = {
    relayRtp: (p) => void sent.push({ mindex: p.mindex, seq: p.buffer.readUInt16BE(2), ssrc: p.buffer.readUInt32BE(8) }),
    relayRtcp: () => undefined,
    relayData: () => undefined,
  };
  media.bind(out);
  return { media, sent, pluginGot };
}

function rtp(mindex: number, seq: number, ssrc = 0x1234): RtpPacket {
  const b = Buffer.alloc(100);
  b[0] = 0x80;
  b[1] = 96;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 3000, 4);
  b.writeUInt32BE(ssrc, 8);
  return { mindex, mid: String(mindex), video: true, buffer: b, length: 100, substream: 0, extensions: { audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1 } };
}

/** Let the table's own queue run (it relays a few packets per event-loop turn). */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

function state(id: number, sinkKey: number, srcKey: number, over: Partial<RouteState> = {}): RouteState {
  return { id, sinkKey, mindex: 0, mid: '0', video: true, srcKey, srcMindex: 1, epoch: 1, clockRate: 90000, layering: { kind: 'plain' }, enabled: true, targets: {}, ...over };
}

describe('Media routes: the route table of one thread', () => {
  const sessions = new Map<number, ReturnType<typeof session>>();
  const notes: RouteNote[] = [];
  let table: RouteTable;
  beforeEach(() => {
    sessions.clear();
    for (const k of [1, 2, 3, 4]) sessions.set(k, session());
    table = new RouteTable({ session: (k) => sessions.get(k)?.media, note: (n) => notes.push(n) });
  });

  it('relays a source m-line to each sink once, rewritten in its own copy; the plugin still sees it', async () => {
    table.apply(state(10, 2, 1));
    table.apply(state(11, 3, 1));
    const src = sessions.get(1)!;
    for (let i = 0; i < 5; i++) src.media.incomingRtp(rtp(1, 100 + i));
    assert.equal(sessions.get(2)!.sent.length, 0, 'not inside the receive callback: queued');
    await turns();
    for (const k of [2, 3]) {
      const s = sessions.get(k)!.sent;
      assert.equal(s.length, 5);
      assert.ok(s.every((p) => p.mindex === 0));
      for (let i = 1; i < s.length; i++) assert.equal((s[i].seq - s[i - 1].seq) & 0xffff, 1);
    }
    assert.deepEqual(src.pluginGot, [1, 1, 1, 1, 1], 'the plugin still gets the packets');
    src.media.setRtpWanted(1, false);
    src.media.incomingRtp(rtp(1, 105));
    await turns();
    assert.equal(src.pluginGot.length, 5, 'setIncomingRtp(false): routes only');
    assert.equal(sessions.get(2)!.sent.length, 6);
    // another m-line of the source feeds nobody
    src.media.incomingRtp(rtp(0, 7));
    await turns();
    assert.equal(sessions.get(2)!.sent.length, 6);
  });

  it('a disabled route holds; a new source epoch keeps the receiver sequence continuous across the switch', async () => {
    table.apply(state(10, 2, 1));
    const out = sessions.get(2)!.sent;
    sessions.get(1)!.media.incomingRtp(rtp(1, 500));
    await turns();
    table.apply(state(10, 2, 1, { enabled: false }));
    sessions.get(1)!.media.incomingRtp(rtp(1, 501));
    await turns();
    assert.equal(out.length, 1);
    // switch to source 4 (another SSRC, other sequence numbers)
    table.apply(state(10, 2, 4, { epoch: 2, enabled: true }));
    sessions.get(1)!.media.incomingRtp(rtp(1, 502));
    await turns();
    assert.equal(out.length, 1, 'the old source no longer feeds it');
    sessions.get(4)!.media.incomingRtp(rtp(1, 9000, 0x9999));
    sessions.get(4)!.media.incomingRtp(rtp(1, 9001, 0x9999));
    await turns();
    assert.equal(out.length, 3);
    assert.equal((out[1].seq - out[0].seq) & 0xffff, 1, 'continuous across the switch');
    assert.equal(sessions.get(1)!.media.fans?.[1], undefined, 'the old source has no fan left');
  });

  it('copies each packet once to another thread with sinks of it; dropRemote and close leave nothing behind', async () => {
    const copies: number[] = [];
    const remote: RemoteRouteOut = { relay: (srcKey, p) => void copies.push(srcKey * 100 + p.mindex) };
    table.setRemotes(1, 1, [remote]);
    sessions.get(1)!.media.incomingRtp(rtp(1, 1));
    assert.deepEqual(copies, [101]);
    // packets another thread copied here reach our sinks of that source
    table.apply(state(20, 3, 7));
    table.fromRemote(7, rtp(1, 50));
    assert.equal(sessions.get(3)!.sent.length, 1, 'from another thread: relayed at once (that ring is already the queue)');
    table.dropRemote(remote);
    sessions.get(1)!.media.incomingRtp(rtp(1, 2));
    assert.deepEqual(copies, [101]);
    assert.equal(table.fanCount, 1, 'only the fan of source 7 (a sink here) is left');
    table.close(20);
    assert.equal(table.fanCount, 0);
    assert.equal(table.size, 0);
  });

  it('a handle that leaves and comes back (a new worker) is linked again as source and as sink', async () => {
    table.apply(state(10, 2, 1));
    table.detached(1);
    table.detached(2);
    sessions.get(1)!.media.incomingRtp(rtp(1, 1));
    await turns();
    assert.equal(sessions.get(2)!.sent.length, 0);
    sessions.set(1, session());
    sessions.set(2, session());
    table.attached(1);
    table.attached(2);
    sessions.get(1)!.media.incomingRtp(rtp(1, 2));
    await turns();
    assert.equal(sessions.get(2)!.sent.length, 1);
  });
});
