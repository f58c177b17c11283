import assert from 'node:assert/strict';
import { LONG_POLL_MS, LongPollQueues } from '../transports/http/long-poll';
import type { JanusMessage } from '../core/plugin-api';

describe('HTTP long-poll queues (unit)', () => {
  const ev = (n: number): JanusMessage => ({ janus: 'event', session_id: 1, n });

  it('waits 30 s by default, as Janus', () => assert.equal(LONG_POLL_MS, 30_000));

  it('a parked poll with nothing to take answers null (the keepalive) after the wait', async () => {
    const q = new LongPollQueues(50);
    q.open(1);
    const started = Date.now();
    const got = await new Promise<JanusMessage[] | null>((resolve) => q.poll(1, 1, resolve));
    assert.equal(got, null);
    assert.ok(Date.now() - started >= 45);
  });

  it('queued events are taken up to maxev at a time, in order', () => {
    const q = new LongPollQueues(50);
    q.open(1);
    for (let i = 0; i < 5; i++) q.push(1, ev(i));
    const taken: number[][] = [];
    for (let i = 0; i < 3; i++) q.poll(1, 2, (e) => taken.push(e!.map((x) => x.n as number)));
    assert.deepEqual(taken, [[0, 1], [2, 3], [4]]);
  });

  it('an event wakes every parked poll: the first drains, the others get the keepalive', async () => {
    const q = new LongPollQueues(10_000);
    q.open(1);
    const results: Array<JanusMessage[] | null> = [];
    q.poll(1, 10, (e) => results.push(e));
    q.poll(1, 10, (e) => results.push(e));
    q.push(1, ev(7));
    assert.deepEqual(results, [[ev(7)], null]);
  });

  it('closing a session answers its parked polls; unknown sessions have no queue', () => {
    const q = new LongPollQueues(10_000);
    q.open(1);
    let got: JanusMessage[] | null | undefined;
    q.poll(1, 1, (e) => (got = e));
    q.close(1);
    assert.equal(got, null);
    assert.equal(q.poll(1, 1, () => {}), undefined);
    assert.equal(q.push(1, ev(1)), false);
  });

  it('a cancelled poll (client went away) is not answered', async () => {
    const q = new LongPollQueues(30);
    q.open(1);
    let called = false;
    const cancel = q.poll(1, 1, () => (called = true));
    cancel!();
    q.push(1, ev(1));
    // a poll parked later on another session times out after the same 30 ms: once it has, the
    // cancelled poll's timer would have fired too
    q.open(2);
    await new Promise<void>((r) => q.poll(2, 1, () => r()));
    assert.equal(called, false);
    let later: JanusMessage[] | null = null;
    q.poll(1, 1, (e) => (later = e));
    assert.deepEqual(later, [ev(1)]);
  });
});
