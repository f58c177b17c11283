/**
 * Event bus + sample HTTP handler against a real HTTP sink: exact envelopes and their order for a
 * scripted session, grouping, compression, retransmission, the queue cap, Admin tweak.
 */
import 'reflect-metadata';
import * as assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { EventBus } from '../core/events/event-bus';
import type { JanusServer } from '../core/server';
import { EventType } from '../core/plugin-api';
import { freePorts } from './support/ports';
import { ANSWER_SDP } from './support/evh-test-plugin';
import { api, removeConfigs, HttpSink, makeConfigs, startServer, waitUntil } from './support/evh-harness';

// ports from the allocator, once for the file (each test's server and sink reuse them in turn)
let SINK = 0;
let WS = 0;
const PORTS = { http: 0, admin: 0 };
let BASE = '';
let ADMIN = '';
const OFFER = 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=mid:0\r\na=sendrecv\r\na=rtpmap:111 opus/48000/2\r\n';

function sampleConf(keys: string): string {
  return `general: {\n\tenabled = true\n\tbackend = "http://127.0.0.1:${SINK}/evh"\n${keys}\n}\n`;
}

type Ev = Record<string, any>;
/** The envelope's keys in order, as Janus writes them. */
function keysOf(e: Ev): string[] {
  return Object.keys(e);
}
const handleKeys = ['emitter', 'type', 'timestamp', 'session_id', 'handle_id', 'opaque_id', 'event'];
const handleKeysNoOpaque = ['emitter', 'type', 'timestamp', 'session_id', 'handle_id', 'event'];
const sessionKeys = ['emitter', 'type', 'timestamp', 'session_id', 'event'];

async function admin(body: Record<string, unknown>) {
  return api(ADMIN, { admin_secret: 'janusoverlord', transaction: 'a', ...body });
}
async function query(request: unknown) {
  const r = await admin({ janus: 'query_eventhandler', handler: 'janus.eventhandler.sampleevh', request });
  return r.response as Ev;
}

describe('evh: event bus and sample HTTP handler (real sink)', function () {
  this.timeout(20_000);
  let sink: HttpSink;
  let server: JanusServer | undefined;

  before(async () => {
    ({ sink: SINK, ws: WS, http: PORTS.http, admin: PORTS.admin } = await freePorts('sink', 'ws', 'http', 'admin'));
    BASE = `http://127.0.0.1:${PORTS.http}/janus`;
    ADMIN = `http://127.0.0.1:${PORTS.admin}/admin`;
  });
  beforeEach(async () => {
    sink = new HttpSink(SINK);
    await sink.start();
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await sink.stop();
    removeConfigs();
  });

  it('sends exact envelopes in Janus order for create, attach, message, detach, destroy and timeout', async function () {
    const conf = makeConfigs(
      { 'janus.eventhandler.sampleevh': sampleConf('\tgrouping = false\n\tjson = "compact"\n\tevents = "sessions,handles,jsep,plugins,external,core"') },
      'session_timeout = 1',
    );
    const t0 = Date.now() * 1000;
    server = await startServer(conf, PORTS);
    await sink.waitFor(() => sink.events().length >= 1, 5000, 'core startup');

    // 1. full life of a session
    const sid = (await api(BASE, { janus: 'create', transaction: 't1' })).data.id as number;
    const hid = (await api(`${BASE}/${sid}`, { janus: 'attach', plugin: 'janus.plugin.evhtest', opaque_id: 'op-1', transaction: 't2' })).data.id as number;
    const ack = await api(`${BASE}/${sid}/${hid}`, { janus: 'message', body: { audio: true }, jsep: { type: 'offer', sdp: OFFER }, transaction: 't3' });
    assert.equal(ack.janus, 'ack');
    await sink.waitFor(() => sink.events().some((e) => e.type === 64), 5000, 'plugin event');
    await api(`${BASE}/${sid}/${hid}`, { janus: 'detach', transaction: 't4' });
    await api(`${BASE}/${sid}`, { janus: 'destroy', transaction: 't5' });
    // 2. destroyed with a handle still attached: Janus sends "destroyed" before "detached"
    const sid2 = (await api(BASE, { janus: 'create', transaction: 't6' })).data.id as number;
    const hid2 = (await api(`${BASE}/${sid2}`, { janus: 'attach', plugin: 'janus.plugin.evhtest', transaction: 't7' })).data.id as number;
    await api(`${BASE}/${sid2}`, { janus: 'destroy', transaction: 't8' });
    // 3. custom event from the Admin API
    await admin({ janus: 'custom_event', schema: 'my.schema', data: { a: 1 } });
    // 4. timeout with a handle: "detached" then "timeout"
    const sid3 = (await api(BASE, { janus: 'create', transaction: 't9' })).data.id as number;
    const hid3 = (await api(`${BASE}/${sid3}`, { janus: 'attach', plugin: 'janus.plugin.evhtest', opaque_id: 'op-3', transaction: 't10' })).data.id as number;
    await sink.waitFor(() => (sink.events() as Ev[]).some((e) => e.type === 1 && e.event.name === 'timeout'), 8000, 'session timeout event');

    const evs = sink.events() as Ev[];
    // grouping = false: every POST is one object, compact JSON
    for (const p of sink.posts) {
      assert.ok(!Array.isArray(p.body));
      assert.equal(p.headers['content-type'], 'application/json');
      assert.ok(!p.raw.includes(': '), 'compact JSON has no spaces');
    }
    const [start, ...rest] = evs;
    assert.deepEqual(keysOf(start), ['emitter', 'type', 'subtype', 'timestamp', 'event']);
    assert.equal(start.emitter, 'MyJanusInstance');
    assert.equal(start.type, 256);
    assert.equal(start.subtype, 1);
    assert.equal(start.event.status, 'started');
    assert.equal(start.event.info.janus, 'server_info');
    assert.ok(!('transaction' in start.event.info), 'startup info has no transaction');
    assert.ok(start.event.info.plugins['janus.plugin.evhtest']);
    assert.ok(start.event.info.events['janus.eventhandler.sampleevh']);

    const tid = rest[0].event.transport?.id;
    assert.match(String(tid), /^\d+$/);
    const expected: Ev[] = [
      { type: 1, session_id: sid, event: { name: 'created', transport: { transport: 'janus.transport.http', id: tid } } },
      { type: 2, session_id: sid, handle_id: hid, opaque_id: 'op-1', event: { name: 'attached', plugin: 'janus.plugin.evhtest', opaque_id: 'op-1' } },
      { type: 8, session_id: sid, handle_id: hid, opaque_id: 'op-1', event: { owner: 'remote', jsep: { type: 'offer', sdp: OFFER } } },
      { type: 8, session_id: sid, handle_id: hid, opaque_id: 'op-1', event: { owner: 'local', jsep: { type: 'answer', sdp: ANSWER_SDP } } },
      { type: 64, session_id: sid, handle_id: hid, opaque_id: 'op-1', event: { plugin: 'janus.plugin.evhtest', data: { audio_active: true, bitrate: 0 } } },
      { type: 2, session_id: sid, handle_id: hid, opaque_id: 'op-1', event: { name: 'detached', plugin: 'janus.plugin.evhtest', opaque_id: 'op-1' } },
      { type: 1, session_id: sid, event: { name: 'destroyed' } },
      { type: 1, session_id: sid2, event: { name: 'created', transport: { transport: 'janus.transport.http', id: rest[7].event.transport?.id } } },
      { type: 2, session_id: sid2, handle_id: hid2, event: { name: 'attached', plugin: 'janus.plugin.evhtest' } },
      { type: 1, session_id: sid2, event: { name: 'destroyed' } },
      { type: 2, session_id: sid2, handle_id: hid2, event: { name: 'detached', plugin: 'janus.plugin.evhtest' } },
      { type: 4, event: { schema: 'my.schema', data: { a: 1 } } },
      { type: 1, session_id: sid3, event: { name: 'created', transport: { transport: 'janus.transport.http', id: rest[12].event.transport?.id } } },
      { type: 2, session_id: sid3, handle_id: hid3, opaque_id: 'op-3', event: { name: 'attached', plugin: 'janus.plugin.evhtest', opaque_id: 'op-3' } },
      { type: 2, session_id: sid3, handle_id: hid3, opaque_id: 'op-3', event: { name: 'detached', plugin: 'janus.plugin.evhtest', opaque_id: 'op-3' } },
      { type: 1, session_id: sid3, event: { name: 'timeout' } },
    ];
    assert.equal(rest.length, expected.length, `got ${rest.map((e) => `${e.type}:${e.event.name ?? e.event.owner ?? ''}`).join(',')}`);
    let last = start.timestamp as number;
    rest.forEach((e, i) => {
      const { emitter, timestamp, ...content } = e;
      assert.equal(emitter, 'MyJanusInstance');
      assert.ok(Number.isInteger(timestamp) && timestamp >= last, `timestamps never go back (#${i})`);
      last = timestamp;
      assert.deepEqual(content, expected[i], `event #${i}`);
      const want = e.type === 4 ? ['emitter', 'type', 'timestamp', 'event']
        : e.type === 1 ? sessionKeys : e.opaque_id ? handleKeys : handleKeysNoOpaque;
      assert.deepEqual(keysOf(e), want, `key order of event #${i}`);
    });
    assert.ok(start.timestamp >= t0 - 1_000_000 && last <= Date.now() * 1000 + 1000, 'wall-clock microseconds');

    // shutdown: the core shutdown event is the last thing sent
    const before = sink.events().length;
    await server.stop();
    server = undefined;
    const after = sink.events().slice(before) as Ev[];
    assert.deepEqual(after.map((e) => [e.type, e.subtype, e.event.status]), [[256, 2, 'shutdown']]);
    assert.deepEqual(after[0].event, { status: 'shutdown', signum: 0 });
  });

  async function wsSessionThenClose(port: number): Promise<{ sid: number; hid: number }> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, 'janus-protocol');
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const ask = (m: Record<string, unknown>) =>
      new Promise<Ev>((r) => {
        ws.once('message', (d) => r(JSON.parse(d.toString())));
        ws.send(JSON.stringify(m));
      });
    const sid = (await ask({ janus: 'create', transaction: 'w1' })).data.id as number;
    const hid = (await ask({ janus: 'attach', session_id: sid, plugin: 'janus.plugin.evhtest', transaction: 'w2' })).data.id as number;
    ws.close();
    return { sid, hid };
  }
  const wsOn = (port: number) => ({ 'janus.transport.websockets': { 'general.ws': true, 'general.ws_port': port, 'general.ws_ip': '127.0.0.1', 'admin.admin_ws': false } });

  it('transport gone: only the handles are "detached" (no session event), as Janus', async () => {
    const conf = makeConfigs({ 'janus.eventhandler.sampleevh': sampleConf('\tevents = "sessions,handles"\n\tjson = "compact"\n\tgrouping = false') });
    server = await startServer(conf, PORTS, wsOn(WS));
    const { sid, hid } = await wsSessionThenClose(WS);
    await sink.waitFor(() => sink.events().length >= 3, 5000, 'detached');
    // a new session's "created" comes after anything the closed one could still emit
    const later = (await api(BASE, { janus: 'create', transaction: 'later' })).data.id as number;
    await sink.waitFor(() => sink.events().some((e) => (e as Ev).session_id === later), 5000, 'the later session');
    assert.deepEqual((sink.events() as Ev[]).map((e) => [e.type, e.session_id, e.handle_id, e.event.name]), [
      [1, sid, undefined, 'created'], [2, sid, hid, 'attached'], [2, sid, hid, 'detached'], [1, later, undefined, 'created'],
    ]);
  });

  it('reclaim window over: session "timeout" then the handles "detached", as Janus', async () => {
    const conf = makeConfigs({ 'janus.eventhandler.sampleevh': sampleConf('\tevents = "sessions,handles"\n\tjson = "compact"\n\tgrouping = false') }, 'reclaim_session_timeout = 1');
    server = await startServer(conf, PORTS, wsOn(WS));
    const { sid, hid } = await wsSessionThenClose(WS);
    await sink.waitFor(() => sink.events().length >= 4, 8000, 'timeout and detached');
    assert.deepEqual((sink.events() as Ev[]).map((e) => [e.type, e.session_id, e.handle_id, e.event.name]), [
      [1, sid, undefined, 'created'], [2, sid, hid, 'attached'], [1, sid, undefined, 'timeout'], [2, sid, hid, 'detached'],
    ]);
  });

  it('sends transport events with the transport, an id and the request origin', async () => {
    const conf = makeConfigs({ 'janus.eventhandler.sampleevh': sampleConf('\tevents = "transports,sessions"\n\tjson = "plain"') });
    server = await startServer(conf, PORTS);
    await api(BASE, { janus: 'info', transaction: 'x' });
    await sink.waitFor(() => sink.events().length >= 1, 5000, 'transport event');
    const e = sink.events()[0] as Ev;
    assert.deepEqual(keysOf(e), ['emitter', 'type', 'timestamp', 'event']);
    assert.equal(e.type, 128);
    assert.deepEqual(Object.keys(e.event), ['transport', 'id', 'data']);
    assert.equal(e.event.transport, 'janus.transport.http');
    assert.match(e.event.id, /^\d+$/);
    assert.equal(e.event.data.event, 'request');
    assert.equal(e.event.data.admin_api, false);
    assert.ok(typeof e.event.data.port === 'number');
    // the id is the one a session created by such a request carries
    const sid = (await api(BASE, { janus: 'create', transaction: 'c' })).data.id;
    await sink.waitFor(() => sink.events().length >= 3, 5000, 'second transport event and session event');
    const [, req2, created] = sink.events() as Ev[];
    assert.equal(req2.type, 128);
    assert.deepEqual([created.type, created.session_id, created.event.name], [1, sid, 'created']);
    assert.equal(created.event.transport.id, req2.event.id);
    // as Janus: one transport instance per HTTP request, while the session stays the HTTP client's
    assert.notEqual(req2.event.id, e.event.id, 'each request has its own instance id');
    const ka = await api(`${BASE}/${sid}`, { janus: 'keepalive', transaction: 'k' });
    assert.equal(ka.janus, 'ack', JSON.stringify(ka));
    await sink.waitFor(() => sink.events().length >= 4, 5000, 'third transport event');
    const req3 = (sink.events() as Ev[])[3];
    assert.equal(req3.type, 128);
    assert.ok(![e.event.id, req2.event.id].includes(req3.event.id), 'a third id for the third request');
    // json = "plain": one line with ": " and ", "
    assert.ok(sink.posts[0].raw.startsWith('[{"emitter": "MyJanusInstance", "type": 128'));
  });

  it('groups events (arrays of up to 100, in order), indents and gzips as configured', async () => {
    const conf = makeConfigs({ 'janus.eventhandler.sampleevh': sampleConf('\tevents = "external"\n\tcompress = true\n\tcompression = 9') });
    server = await startServer(conf, PORTS);
    const bus = server.container.resolve(EventBus);
    for (let i = 0; i < 250; i++) bus.emit({ type: EventType.EXTERNAL, event: { schema: 's', data: { i } } });
    await sink.waitFor(() => sink.events().length >= 250, 5000, '250 events');
    assert.deepEqual(sink.posts.map((p) => (p.body as unknown[]).length), [100, 100, 50]);
    assert.deepEqual(sink.events().map((e) => (e as Ev).event.data.i), [...Array(250).keys()]);
    for (const p of sink.posts) {
      assert.equal(p.headers['content-encoding'], 'gzip');
      assert.ok(p.raw.startsWith('[\n   {\n      "emitter": "MyJanusInstance",'), 'indented with 3 spaces');
    }
  });

  it('retransmits after the sink fails for a while, keeping order and losing nothing', async () => {
    const conf = makeConfigs({ 'janus.eventhandler.sampleevh': sampleConf('\tevents = "external"\n\tjson = "compact"\n\tmax_retransmissions = 5\n\tretransmissions_backoff = 20') });
    server = await startServer(conf, PORTS);
    const bus = server.container.resolve(EventBus);
    sink.failNext(3);
    for (let i = 0; i < 30; i++) {
      bus.emit({ type: EventType.EXTERNAL, event: { schema: 's', data: { i } } });
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
    }
    await sink.waitFor(() => sink.events().length >= 30, 5000, 'all 30 events');
    assert.equal(sink.failed, 3);
    assert.deepEqual(sink.events().map((e) => (e as Ev).event.data.i), [...Array(30).keys()]);
    const stats = (await query({ request: 'stats' })).stats as Ev;
    assert.equal(stats.retries, 3);
    assert.equal(stats.failures, 3);
    assert.equal(stats.dropped_retries, 0);
    assert.equal(stats.dropped_overflow, 0);
  });

  it('drops (and counts) a batch after max_retransmissions, then goes on', async () => {
    const conf = makeConfigs({ 'janus.eventhandler.sampleevh': sampleConf('\tevents = "external"\n\tjson = "compact"\n\tmax_retransmissions = 2\n\tretransmissions_backoff = 10') });
    server = await startServer(conf, PORTS);
    const bus = server.container.resolve(EventBus);
    sink.down = true;
    for (let i = 0; i < 5; i++) bus.emit({ type: EventType.EXTERNAL, event: { schema: 's', data: { i } } });
    // 1 try + 2 retries (10 + 20 ms)
    await waitUntil(() => sink.failed >= 3, 3000, 'three failed tries');
    sink.down = false;
    bus.emit({ type: EventType.EXTERNAL, event: { schema: 's', data: { i: 99 } } });
    await sink.waitFor(() => sink.events().length >= 1, 3000, 'event after the drop');
    // delivery is one batch at a time: a fourth try of the dropped batch would have come before 99
    assert.equal(sink.failed, 3);
    assert.deepEqual(sink.events().map((e) => (e as Ev).event.data.i), [99]);
    const stats = (await query({ request: 'stats' })).stats as Ev;
    assert.equal(stats.dropped_retries, 5);
    assert.equal(stats.sent, 1);
  });

  it('never holds more than events_cap: a dead backend costs bounded memory, drops are counted', async () => {
    const conf = makeConfigs({ 'janus.eventhandler.sampleevh': sampleConf('\tevents = "external"\n\tevents_cap = 50\n\tmax_retransmissions = 1000\n\tretransmissions_backoff = 1000') });
    server = await startServer(conf, PORTS);
    const bus = server.container.resolve(EventBus);
    sink.down = true;
    for (let i = 0; i < 200; i++) bus.emit({ type: EventType.EXTERNAL, event: { schema: 's', data: { i } } });
    await waitUntil(() => sink.failed >= 1, 3000, 'first failed POST');
    for (let i = 200; i < 1000; i++) bus.emit({ type: EventType.EXTERNAL, event: { schema: 's', data: { i } } });
    await new Promise((r) => setImmediate(r));
    const stats = (await query({ request: 'stats' })).stats as Ev;
    assert.equal(stats.received, 1000);
    // at most one batch (here 50: the queue held only 50 when it was taken) in flight + 50 queued
    assert.ok(stats.queued <= 100, `queued ${stats.queued}`);
    assert.equal(stats.dropped_overflow + stats.queued, 1000);
    // the newest events are the ones kept
    sink.down = false;
    const h = server.modules.eventHandlers.get('janus.eventhandler.sampleevh') as unknown as { delivery: { wake(): void } };
    h.delivery.wake();
    await sink.waitFor(() => sink.events().length >= stats.queued, 5000, 'queued events');
    const got = sink.events().map((e) => (e as Ev).event.data.i as number);
    assert.deepEqual(got.slice(-50), [...Array(50).keys()].map((k) => 950 + k));
  });

  it('Admin query_eventhandler tweak: validates like Janus and applies live', async () => {
    const conf = makeConfigs({ 'janus.eventhandler.sampleevh': sampleConf('\tevents = "external"\n\tjson = "compact"') });
    server = await startServer(conf, PORTS);
    assert.deepEqual(await query({}), { error_code: 412, error: 'Missing mandatory element (request)' });
    assert.deepEqual(await query({ request: 'foo' }), { error_code: 411, error: "Unknown request 'foo'" });
    assert.deepEqual(await query({ request: 'tweak', grouping: 'x' }), { error_code: 413, error: 'Invalid element type (grouping should be a boolean)' });
    assert.deepEqual(await query({ request: 'tweak', backend: 'ftp://x' }), { error_code: 413, error: "Invalid HTTP URI 'ftp://x'" });
    assert.deepEqual(await query({ request: 'tweak', grouping: false, events: 'sessions,external' }), { result: 200 });
    await admin({ janus: 'custom_event', schema: 'x', data: {} });
    await api(BASE, { janus: 'create', transaction: 'c' });
    await sink.waitFor(() => sink.events().length >= 2, 3000, 'two events');
    assert.ok(sink.posts.every((p) => !Array.isArray(p.body)), 'grouping off');
    assert.deepEqual(sink.events().map((e) => (e as Ev).type), [4, 1]);
    // basic auth set live
    assert.deepEqual(await query({ request: 'tweak', backend_user: 'u', backend_pwd: 'p' }), { result: 200 });
    await admin({ janus: 'custom_event', schema: 'y', data: {} });
    await sink.waitFor(() => sink.events().length >= 3, 3000, 'third event');
    assert.equal(sink.posts.at(-1)!.headers.authorization, `Basic ${Buffer.from('u:p').toString('base64')}`);
  });

  it('mask and broadcast: nothing reaches a handler that did not ask for it', async () => {
    const conf = makeConfigs({ 'janus.eventhandler.sampleevh': sampleConf('\tevents = "none"') });
    server = await startServer(conf, PORTS);
    const bus = server.container.resolve(EventBus);
    assert.equal(bus.wants(EventType.SESSION), false);
    await api(BASE, { janus: 'create', transaction: 'c' });
    await admin({ janus: 'custom_event', schema: 'x', data: {} });
    // no envelope was even built, so nothing can be on its way to the sink
    assert.equal(bus.stats.emitted, 0, 'no envelope was even built');
    assert.equal(sink.posts.length, 0);
  });
});
