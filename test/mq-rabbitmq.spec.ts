import * as assert from 'node:assert/strict';
import * as amqp from 'amqplib';
import type { JanusServer } from '../core/server';
import type { Transport } from '../core/plugin-api';
import * as fs from 'node:fs';
import { startRabbitmq, stopEpmd, type RunningBroker } from './support/brokers';
import { freePort } from './support/ports';
import { RabbitBackend, tx, type Received } from './support/mq-clients';
import { ADMIN_SECRET, runExample, startServer, until } from './support/mq-harness';

// ports in our range (20600-20699), picked free at start: several worktrees may run this suite at once
const RMQ = { port: 0, nodeName: `rabbit-mq-${process.pid}@localhost`, dir: `/tmp/mq-rmq-${process.pid}`, epmdPort: 0, distPort: 0 };

const rabbitConf = (extra = '', admin = true) => `general: {
  enabled = true
  host = "127.0.0.1"
  port = ${RMQ.port}
  json = "compact"
  ${extra.includes('max_buffered') ? '' : 'max_buffered = 500'}
  ${extra}
}
admin: {
  admin_enabled = ${admin}
}
`;

function data(r: Received): Record<string, unknown> {
  return (r.json.data ?? {}) as Record<string, unknown>;
}

describe('mq: RabbitMQ transport (real rabbitmq-server)', function () {
  this.timeout(60_000);
  let broker: RunningBroker;
  let server: JanusServer;
  let backend: RabbitBackend;

  before(async () => {
    RMQ.port = await freePort();
    RMQ.distPort = await freePort();
    RMQ.epmdPort = await freePort();
    broker = await startRabbitmq(RMQ);
    ({ server } = await startServer({ 'janus.transport.rabbitmq': rabbitConf() }));
    backend = await RabbitBackend.connect({ port: RMQ.port });
  });

  after(async () => {
    await backend?.close();
    await server?.stop();
    await broker?.stop();
    stopEpmd(RMQ.epmdPort);
    fs.rmSync(RMQ.dir, { recursive: true, force: true });
  });

  const transport = () => server.modules.transports.get('janus.transport.rabbitmq') as Transport;

  it('is listed by info and answers ping with the request correlation_id', async () => {
    const info = await backend.request({ janus: 'info' });
    assert.equal(info.json.janus, 'server_info');
    assert.ok((info.json.transports as Record<string, unknown>)['janus.transport.rabbitmq']);
    const pong = await backend.request({ janus: 'ping' });
    assert.equal(pong.json.janus, 'pong');
    assert.equal(pong.routingKey, 'from-janus');
  });

  it('runs a session: create, attach, sync message, async plugin event, detach, destroy', async () => {
    const created = await backend.request({ janus: 'create' });
    assert.equal(created.json.janus, 'success');
    const session_id = data(created).id as number;
    const attached = await backend.request({ janus: 'attach', session_id, plugin: 'janus.plugin.mqtest' });
    const handle_id = data(attached).id as number;
    assert.ok(handle_id > 0);

    const echo = await backend.request({ janus: 'message', session_id, handle_id, body: { request: 'echo', x: 1 } });
    assert.equal(echo.json.janus, 'success');
    assert.deepEqual((echo.json.plugindata as { data: unknown }).data, { echo: { request: 'echo', x: 1 } });

    const transaction = tx();
    const ack = await backend.request({ janus: 'message', session_id, handle_id, transaction, body: { request: 'later', delay: 50, n: 7 } });
    assert.equal(ack.json.janus, 'ack');
    const ev = await backend.waitFor((r) => r.json.janus === 'event' && r.json.transaction === transaction, 'plugin event');
    assert.equal(ev.correlation, undefined, 'events carry no correlation_id');
    assert.equal(ev.json.session_id, session_id);
    assert.equal(ev.json.sender, handle_id);
    assert.deepEqual((ev.json.plugindata as { data: unknown }).data, { result: 'later', n: 7 });

    assert.equal((await backend.request({ janus: 'detach', session_id, handle_id })).json.janus, 'success');
    assert.equal((await backend.request({ janus: 'destroy', session_id })).json.janus, 'success');
  });

  it('serves the Admin API on its own queues', async () => {
    const denied = await backend.request({ janus: 'list_sessions' }, { admin: true });
    assert.equal(denied.json.janus, 'error');
    assert.equal(denied.routingKey, 'from-janus-admin');
    const created = await backend.request({ janus: 'create' });
    const sid = data(created).id as number;
    const list = await backend.request({ janus: 'list_sessions', admin_secret: ADMIN_SECRET }, { admin: true });
    assert.equal(list.json.janus, 'success');
    assert.ok((list.json.sessions as number[]).includes(sid));
    const q = await backend.request({ janus: 'query_transport', admin_secret: ADMIN_SECRET, transport: 'janus.transport.rabbitmq', request: { request: 'status' } }, { admin: true });
    assert.equal(q.json.janus, 'success', JSON.stringify(q.json));
    const status = (q.json.response as { status: Record<string, unknown> }).status;
    assert.equal(status.connected, true);
    await backend.request({ janus: 'destroy', session_id: sid });
  });

  it('answers malformed messages with Janus errors and keeps consuming', async () => {
    // the replies real Janus 1.1.2 gives over RabbitMQ (measured)
    const cases: Array<[string, boolean, number, string]> = [
      ['{"janus":"ping",', false, 454, "Invalid Janus API request - <buffer>(1,16): string or '}' expected near end of file"],
      ['hello', false, 454, "Invalid Janus API request - <buffer>(1,5): '[' or '{' expected near 'hello'"],
      ['{\n"janus":"ping",\n"transaction": x\n}', false, 454, "Invalid Janus API request - <buffer>(3,16): invalid token near 'x'"],
      ['', false, 454, "Invalid Janus API request - <buffer>(1,1): '[' or '{' expected near end of file"],
      ['[{"janus":"ping","transaction":"a"}]', false, 456, 'Missing mandatory element (transaction)'],
      ['{"janus":"ping"}', false, 456, 'Missing mandatory element (transaction)'],
      ['{bad', true, 456, 'Missing mandatory element (transaction)'],
    ];
    for (const [payload, admin, code, reason] of cases) {
      const correlationId = tx();
      backend.sendRaw(payload, { correlationId, admin });
      const r = await backend.waitFor((m) => m.correlation === correlationId, `error for ${payload}`);
      assert.equal(r.routingKey, admin ? 'from-janus-admin' : 'from-janus');
      assert.deepEqual(r.json, { janus: 'error', error: { code, reason } }, payload);
    }
    // binary garbage, then a good request: consumption goes on
    backend.sendRaw(Buffer.from([0xff, 0x00, 0xfe]));
    assert.equal((await backend.request({ janus: 'ping' })).json.janus, 'pong');
  });

  it('matches replies by correlation_id with many requests in flight', async () => {
    const replies = await Promise.all(Array.from({ length: 200 }, () => backend.request({ janus: 'ping' })));
    assert.ok(replies.every((r) => r.json.janus === 'pong'));
  });

  it('keeps running through a broker restart and delivers every reply and event produced meanwhile', async function () {
    const created = await backend.request({ janus: 'create' });
    const session_id = data(created).id as number;
    const handle_id = data(await backend.request({ janus: 'attach', session_id, plugin: 'janus.plugin.mqtest' })).id as number;
    const N = 30;
    const txs = Array.from({ length: N }, () => tx());
    // events that fire while the broker is down
    const acks = await Promise.all(txs.map((transaction, n) =>
      backend.request({ janus: 'message', session_id, handle_id, transaction, body: { request: 'later', delay: 1500, n } })));
    assert.ok(acks.every((a) => a.json.janus === 'ack'));
    // a direct reply produced while the broker is down keeps its correlation_id
    const slowCorr = tx();
    backend.sendRaw(JSON.stringify({ janus: 'message', session_id, handle_id, transaction: tx(), body: { request: 'slow', delay: 1500, n: 99 } }), { correlationId: slowCorr });
    await new Promise((r) => setTimeout(r, 200)); // let the server consume it
    await backend.close();
    await broker.stop();
    await until('the transport to buffer the events', () => {
      const st = (transport().queryTransport!({ request: 'status' }) as { status: { buffered: number; connected: boolean } }).status;
      return !st.connected && st.buffered >= N + 1;
    }, 10_000);
    await broker.start();
    backend = await RabbitBackend.connect({ port: RMQ.port });
    const events = await Promise.all(txs.map((transaction) =>
      backend.waitFor((r) => r.json.janus === 'event' && r.json.transaction === transaction, `event ${transaction}`, 20_000)));
    assert.deepEqual(events.map((e) => ((e.json.plugindata as { data: { n: number } }).data.n)), txs.map((_, n) => n));
    const slow = await backend.waitFor((r) => r.correlation === slowCorr, 'slow reply', 20_000);
    assert.deepEqual((slow.json.plugindata as { data: unknown }).data, { result: 'slow', n: 99 });
    const st = (transport().queryTransport!({ request: 'status' }) as { status: Record<string, number> }).status;
    assert.equal(st.dropped, 0);
    assert.ok(st.reconnects >= 1);
    // and it serves new requests, queues re-declared
    assert.equal((await backend.request({ janus: 'keepalive', session_id })).json.janus, 'ack');
    await backend.request({ janus: 'destroy', session_id });
  });

  it('counts and logs what overflows the buffer while the broker is down', async () => {
    const { server: small } = await startServer({
      'janus.transport.rabbitmq': rabbitConf('to_janus = "small-to"\nfrom_janus = "small-from"\nmax_buffered = 5', false),
    });
    try {
      const t = small.modules.transports.get('janus.transport.rabbitmq') as Transport;
      const b = await RabbitBackend.connect({ port: RMQ.port, toJanus: 'small-to', fromJanus: 'small-from' });
      const sid = data(await b.request({ janus: 'create' })).id as number;
      const hid = data(await b.request({ janus: 'attach', session_id: sid, plugin: 'janus.plugin.mqtest' })).id as number;
      const acks = await Promise.all(Array.from({ length: 8 }, (_, n) => b.request({ janus: 'message', session_id: sid, handle_id: hid, body: { request: 'later', delay: 800, n } })));
      assert.equal(acks.length, 8);
      await b.close();
      await broker.stop();
      await until('overflow counted', () => ((t.queryTransport!({ request: 'status' }) as { status: { dropped: number } }).status.dropped === 3), 10_000);
      await broker.start();
      const b2 = await RabbitBackend.connect({ port: RMQ.port, toJanus: 'small-to', fromJanus: 'small-from' });
      // the 5 newest survive
      for (const n of [3, 4, 5, 6, 7]) {
        await b2.waitFor((r) => r.json.janus === 'event' && (r.json.plugindata as { data: { n: number } }).data.n === n, `event ${n}`, 20_000);
      }
      await b2.close();
    } finally {
      await small.stop();
    }
    backend = await RabbitBackend.connect({ port: RMQ.port });
  });

  it('drives a VideoRoom from examples/mq-backend over RabbitMQ', async () => {
    await backend.close(); // the example consumes from-janus itself: no competing consumer
    try {
      const out = await runExample('rabbitmq', `amqp://guest:guest@127.0.0.1:${RMQ.port}`);
      assert.match(out, /^created: \{"videoroom":"created","room":\d+/m);
      assert.match(out, /^room \d+: Created over the broker \(0 participants\)$/m);
    } finally {
      backend = await RabbitBackend.connect({ port: RMQ.port });
    }
  });

  describe('exchanges, queue flags and reply_to', () => {
    let conn: amqp.ChannelModel;
    let ch: amqp.Channel;
    const got: Array<{ queue: string; json: Record<string, unknown>; corr?: string; routingKey: string }> = [];
    before(async () => {
      conn = await amqp.connect({ hostname: '127.0.0.1', port: RMQ.port });
      ch = await conn.createChannel();
    });
    after(async () => {
      await conn?.close().catch(() => undefined);
    });
    async function listen(queue: string): Promise<void> {
      await ch.consume(queue, (m) => m && got.push({ queue, json: JSON.parse(m.content.toString()), corr: m.properties.correlationId, routingKey: m.fields.routingKey }), { noAck: true });
    }
    async function waitGot(pred: (g: (typeof got)[number]) => boolean, what: string) {
      await until(what, () => got.some(pred), 5000);
      return got.find(pred)!;
    }
    async function withServer(conf: string, fn: () => Promise<void>) {
      const { server: s } = await startServer({ 'janus.transport.rabbitmq': conf });
      try {
        await fn();
      } finally {
        await s.stop();
      }
    }

    it('direct exchange: queue_name bound with to_janus, replies routed with from_janus; durable queue flag applied', async () => {
      await withServer(rabbitConf('janus_exchange = "mq-ex-direct"\njanus_exchange_type = "direct"\nqueue_name = "mq-gw-direct"\nto_janus = "rk-in"\nfrom_janus = "rk-out"\nqueue_durable = true', false), async () => {
        // as in Janus, the declared from_janus queue is not bound to the exchange: the backend binds its own
        const mine = (await ch.assertQueue('', { exclusive: true })).queue;
        await ch.bindQueue(mine, 'mq-ex-direct', 'rk-out');
        await listen(mine);
        await listen('rk-out');
        ch.publish('mq-ex-direct', 'rk-in', Buffer.from(JSON.stringify({ janus: 'ping', transaction: 'd1' })), { correlationId: 'corr-d1' });
        const r = await waitGot((g) => g.corr === 'corr-d1', 'direct reply');
        assert.equal(r.json.janus, 'pong');
        assert.equal(r.routingKey, 'rk-out');
        assert.equal(r.queue, mine);
        await new Promise((res) => setTimeout(res, 100));
        assert.ok(!got.some((g) => g.queue === 'rk-out'), 'nothing reaches the unbound from_janus queue');
        // the request queue was declared durable: re-declaring it non-durable is refused by the broker
        const probe = await conn.createChannel();
        probe.on('error', () => undefined);
        await assert.rejects(probe.assertQueue('mq-gw-direct', { durable: false }), /PRECONDITION_FAILED/);
      });
    });

    it('topic exchange: a backend queue bound with a pattern gets the replies', async () => {
      await withServer(rabbitConf('janus_exchange = "mq-ex-topic"\njanus_exchange_type = "topic"\nto_janus = "janus.in"\nfrom_janus = "janus.out"\ndeclare_outgoing_queue = false', false), async () => {
        const mine = (await ch.assertQueue('', { exclusive: true })).queue;
        await ch.bindQueue(mine, 'mq-ex-topic', 'janus.*');
        await listen(mine);
        ch.publish('mq-ex-topic', 'janus.in', Buffer.from(JSON.stringify({ janus: 'ping', transaction: 't1' })), { correlationId: 'corr-t1' });
        const r = await waitGot((g) => g.corr === 'corr-t1' && g.json.janus === 'pong', 'topic reply');
        assert.equal(r.queue, mine);
        assert.equal(r.routingKey, 'janus.out');
      });
    });

    it('fanout exchange: requests on the to_janus queue, replies fanned out to every bound queue', async () => {
      await withServer(rabbitConf('janus_exchange = "mq-ex-fanout"\njanus_exchange_type = "fanout"\nto_janus = "fan-to"\nfrom_janus = "fan-from"\ndeclare_outgoing_queue = false', false), async () => {
        const q1 = (await ch.assertQueue('', { exclusive: true })).queue;
        const q2 = (await ch.assertQueue('', { exclusive: true })).queue;
        for (const q of [q1, q2]) {
          await ch.bindQueue(q, 'mq-ex-fanout', '');
          await listen(q);
        }
        ch.sendToQueue('fan-to', Buffer.from(JSON.stringify({ janus: 'ping', transaction: 'f1' })), { correlationId: 'corr-f1' });
        await waitGot((g) => g.corr === 'corr-f1' && g.queue === q1, 'fanout reply 1');
        await waitGot((g) => g.corr === 'corr-f1' && g.queue === q2, 'fanout reply 2');
      });
    });

    it('reply_to: logged and ignored by default; with reply_to_routing the direct reply goes there, events still to from_janus', async () => {
      await ch.assertQueue('my-replies', { durable: false });
      await listen('my-replies');
      await withServer(rabbitConf('to_janus = "rt-to"\nfrom_janus = "rt-from"', false), async () => {
        await listen('rt-from');
        ch.sendToQueue('rt-to', Buffer.from(JSON.stringify({ janus: 'ping', transaction: 'r0' })), { correlationId: 'corr-r0', replyTo: 'my-replies' });
        const r = await waitGot((g) => g.corr === 'corr-r0', 'reply ignoring reply_to');
        assert.equal(r.queue, 'rt-from');
      });
      await withServer(rabbitConf('to_janus = "rt2-to"\nfrom_janus = "rt2-from"\nreply_to_routing = true', false), async () => {
        await listen('rt2-from');
        const send = (body: Record<string, unknown>, corr: string) =>
          ch.sendToQueue('rt2-to', Buffer.from(JSON.stringify(body)), { correlationId: corr, replyTo: 'my-replies' });
        send({ janus: 'create', transaction: 'r1' }, 'corr-r1');
        const created = await waitGot((g) => g.corr === 'corr-r1', 'create reply');
        assert.equal(created.queue, 'my-replies');
        const sid = (created.json.data as { id: number }).id;
        send({ janus: 'attach', session_id: sid, plugin: 'janus.plugin.mqtest', transaction: 'r2' }, 'corr-r2');
        const hid = ((await waitGot((g) => g.corr === 'corr-r2', 'attach reply')).json.data as { id: number }).id;
        send({ janus: 'message', session_id: sid, handle_id: hid, transaction: 'r3', body: { request: 'later', delay: 10 } }, 'corr-r3');
        assert.equal((await waitGot((g) => g.corr === 'corr-r3', 'ack')).queue, 'my-replies');
        const ev = await waitGot((g) => g.json.janus === 'event' && g.json.transaction === 'r3', 'event');
        assert.equal(ev.queue, 'rt2-from');
      });
    });
  });

  it('times sessions out like any other transport (timeout event over the broker)', async () => {
    const { server: quick } = await startServer(
      { 'janus.transport.rabbitmq': rabbitConf('to_janus = "quick-to"\nfrom_janus = "quick-from"', false) },
      { janus: { 'general.session_timeout': 1 } },
    );
    try {
      const b = await RabbitBackend.connect({ port: RMQ.port, toJanus: 'quick-to', fromJanus: 'quick-from' });
      const sid = data(await b.request({ janus: 'create' })).id as number;
      const kept = data(await b.request({ janus: 'create' })).id as number;
      const keep = setInterval(() => void b.request({ janus: 'keepalive', session_id: kept }).catch(() => undefined), 300);
      try {
        const ev = await b.waitFor((r) => r.json.janus === 'timeout', 'timeout event', 5000);
        assert.equal(ev.json.session_id, sid);
        const again = await b.request({ janus: 'keepalive', session_id: sid });
        assert.equal((again.json.error as { code: number }).code, 458);
        assert.equal((await b.request({ janus: 'keepalive', session_id: kept })).json.janus, 'ack');
      } finally {
        clearInterval(keep);
      }
      await b.close();
    } finally {
      await quick.stop();
    }
  });
});
