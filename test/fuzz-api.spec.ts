/**
 * API fuzz suite (issue 10): structure-aware Janus and Admin API requests over HTTP and
 * WebSockets, and broker payloads over MQTT (a real mosquitto), against a server in a child
 * process. Deterministic (seeded); bounded to about a minute and a half in CI. `FUZZ_LONG=1` runs
 * ten times longer, `FUZZ_SEED=n` picks another seed.
 *
 * After every batch: the process is alive and `info` answers within 1 s. Every reply is a Janus
 * reply whose errors carry Janus codes (no 500), and the server logged no contained failure.
 */
import * as assert from 'node:assert/strict';
import * as mqtt from 'mqtt';
import { WebSocket } from 'ws';
import { startMosquitto, type RunningBroker } from './support/brokers';
import { freePort } from './support/ports';
import { adminRequest, anyString, anyValue, badReply, janusRequest, mutateText, Rng, type Generated, type Targets } from './support/fuzz-gen';
import { Gateway } from '../core/gateway';
import { parseRequestJson, type TransportClient } from '../core/plugin-api';
import RabbitMqTransport from '../transports/rabbitmq';
import { startTestServer } from './support/server';
import { rawRequest } from './support/fuzz-http';
import { startChildServer, type ChildServer } from './support/fuzz-server';

const LONG = process.env.FUZZ_LONG === '1';
const SEED = Number(process.env.FUZZ_SEED ?? 20261203);
const SECRET = 'janusoverlord';
/** Per transport, seconds. */
const BUDGET = { http: LONG ? 300 : 30, ws: LONG ? 200 : 22, mqtt: LONG ? 100 : 14, rabbit: LONG ? 60 : 6 };
const BATCH = 40;
const LEAK = { adminKey: 'fuzz-admin-key-7c1f', secret: 'fuzz-room-secret-93ab', pin: 'fuzz-room-pin-55d2' };
/** Replies seen, by kind (`success`, `error 454`, ...), for the summary line. */
const seen = new Map<string, number>();

/** `badReply`, plus: no reply shows a room secret, pin or the admin key. */
function check(m: unknown, text: string): string | undefined {
  const bad = badReply(m);
  if (bad) return bad;
  for (const v of Object.values(LEAK)) if (text.includes(v)) return `a reply leaks a secret: ${text.slice(0, 300)}`;
  const o = m as { janus: string; error?: { code: number } };
  const k = o.janus === 'error' ? `error ${o.error?.code}` : o.janus;
  seen.set(k, (seen.get(k) ?? 0) + 1);
  return undefined;
}

describe('fuzz: Janus and Admin API (HTTP, WebSockets, MQTT)', function () {
  this.timeout((BUDGET.http + BUDGET.ws + BUDGET.mqtt + BUDGET.rabbit) * 1000 + 120_000);
  let broker: RunningBroker;
  let srv: ChildServer;
  const problems: string[] = [];
  let sent = 0;

  before(async () => {
    const mqttPort = await freePort();
    broker = await startMosquitto({ port: mqttPort, dir: `/tmp/janus-ts-fuzz-mosquitto-${process.pid}` });
    srv = await startChildServer({
      files: {
        'janus.transport.mqtt.jcfg':
          `general: { enabled = true, json = "plain", url = "tcp://127.0.0.1:${mqttPort}", client_id = "fuzz-${process.pid}", subscribe_topic = "to-janus", publish_topic = "from-janus" }\n` +
          `admin: { subscribe_topic = "to-janus-admin", publish_topic = "from-janus-admin" }\n`,
        // secrets no reply may ever show (issue 10, item 4)
        'janus.plugin.videoroom.jcfg': `general: { admin_key = "${LEAK.adminKey}" }\nroom-1234: { description = "Demo", secret = "${LEAK.secret}", pin = "${LEAK.pin}", publishers = 6 }\n`,
        'janus.plugin.audiobridge.jcfg': `general: { admin_key = "${LEAK.adminKey}" }\nroom-1234: { description = "Demo", secret = "${LEAK.secret}", pin = "${LEAK.pin}", sampling_rate = 16000 }\n`,
      },
    });
  });

  after(async () => {
    await srv?.stop();
    await broker?.stop();
  });

  /** The process lives and answers `info` within a second. */
  async function checkAlive(where: string): Promise<void> {
    if (!srv.alive()) throw new Error(`server died (${where}, seed ${SEED}, ${sent} sent):\n${srv.output().slice(-5000)}`);
    const t0 = Date.now();
    const r = await fetch(`${srv.url}/janus`, { method: 'POST', body: '{"janus":"info","transaction":"alive"}', signal: AbortSignal.timeout(1000) })
      .then((x) => x.json() as Promise<{ janus?: string }>)
      .catch((e: Error) => ({ janus: `no answer: ${e.message}` }));
    assert.equal(r.janus, 'server_info', `info within 1 s after ${where} (took ${Date.now() - t0} ms, seed ${SEED})`);
  }

  /** Fresh live targets: a session with an EchoTest and a VideoRoom handle, and the demo room. */
  async function refresh(t: Targets): Promise<void> {
    const post = async (path: string, body: object) => (await rawRequest(srv.ports.http, path, JSON.stringify(body))).json;
    // undo what fuzzed Admin requests may have switched off, so the next batch still reaches plugins
    for (const m of [{ janus: 'accept_new_sessions', accept: true }, { janus: 'set_session_timeout', timeout: 60 }, { janus: 'set_log_level', level: 4 }]) {
      await rawRequest(srv.ports.admin, '/admin', JSON.stringify({ ...m, transaction: 'reset', admin_secret: SECRET }));
    }
    const s = (await post('/janus', { janus: 'create', transaction: 'r' }))?.data?.id as number;
    if (!s) return;
    const e = (await post(`/janus/${s}`, { janus: 'attach', plugin: 'janus.plugin.echotest', transaction: 'r' }))?.data?.id as number;
    const v = (await post(`/janus/${s}`, { janus: 'attach', plugin: 'janus.plugin.videoroom', transaction: 'r' }))?.data?.id as number;
    const a = (await post(`/janus/${s}`, { janus: 'attach', plugin: 'janus.plugin.audiobridge', transaction: 'r' }))?.data?.id as number;
    if (a) t.bridgeHandles = [...(t.bridgeHandles ?? []).slice(-4), [s, a]];
    t.sessions = [...t.sessions.slice(-4), s];
    if (e) t.echoHandles = [...t.echoHandles.slice(-4), [s, e]];
    if (v) t.roomHandles = [...t.roomHandles.slice(-4), [s, v]];
  }

  beforeEach(() => {
    problems.length = 0;
  });

  function note(where: string, g: Generated, why: string): void {
    if (problems.length < 50) problems.push(`${where}: ${why}\n    sent ${g.path}: ${g.text.slice(0, 300)}`);
  }

  function generate(r: Rng, t: Targets): Generated {
    return r.chance(0.75) ? janusRequest(r, t) : adminRequest(r, t, SECRET);
  }

  it('HTTP: generated requests get Janus replies, the server keeps serving', async () => {
    const r = new Rng(SEED);
    const t: Targets = { sessions: [], echoHandles: [], roomHandles: [], rooms: [1234, 4321, 0, -1] };
    const end = Date.now() + BUDGET.http * 1000;
    let batches = 0;
    while (Date.now() < end) {
      await refresh(t);
      const batch = Array.from({ length: BATCH }, () => generate(r, t));
      // a few at a time, as concurrent clients would
      for (let i = 0; i < batch.length; i += 8) {
        await Promise.all(batch.slice(i, i + 8).map(async (g) => {
          sent++;
          const port = g.admin ? srv.ports.admin : srv.ports.http;
          const res = await rawRequest(port, g.path, g.text, { timeoutMs: 12_000 });
          if (res.end === 'timeout') return note('http', g, 'no answer within 12 s (hang)');
          // an empty POST is dropped without an answer, as Janus does
          if (g.text === '' && res.status === 0) return;
          if (res.end === 'reset' && res.status === 0) return note('http', g, 'connection reset without an answer');
          if (res.status === 404 && /\/\.\.|%|\/$/.test(g.path)) return;
          if (res.status !== 200) return note('http', g, `HTTP ${res.status}: ${res.body.slice(0, 200)}`);
          const bad = check(res.json, res.body);
          if (bad) note('http', g, bad);
        }));
      }
      batches++;
      await checkAlive(`HTTP batch ${batches}`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  it('WebSockets: generated frames (Janus and Admin) get Janus replies', async () => {
    const r = new Rng(SEED + 1);
    const t: Targets = { sessions: [], echoHandles: [], roomHandles: [], rooms: [1234, 4321] };
    const end = Date.now() + BUDGET.ws * 1000;
    const open = (port: number, proto: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/`, proto, { maxPayload: 64 * 1024 * 1024 });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    let batches = 0;
    while (Date.now() < end) {
      await refresh(t);
      const janus = await open(srv.ports.ws, 'janus-protocol');
      const admin = await open(srv.ports.adminWs, 'janus-admin-protocol');
      const replies: unknown[] = [];
      const texts: string[] = [];
      for (const ws of [janus, admin]) ws.on('message', (d) => {
        texts.push(d.toString());
        try {
          replies.push(JSON.parse(d.toString()));
        } catch {
          replies.push(`unparsable: ${d.toString().slice(0, 200)}`);
        }
      });
      const last: Generated[] = [];
      for (let i = 0; i < BATCH; i++) {
        const g = generate(r, t);
        sent++;
        last.push(g);
        (g.admin ? admin : janus).send(g.text);
      }
      // a marker request on each socket: everything before it has been answered once it is
      const marker = (ws: WebSocket, tx: string) =>
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 12_000);
          const on = (d: Buffer) => {
            if (d.toString().includes(`"${tx}"`)) {
              clearTimeout(timer);
              ws.off('message', on);
              resolve(true);
            }
          };
          ws.on('message', on);
          ws.send(JSON.stringify({ janus: 'ping', transaction: tx, admin_secret: SECRET }));
        });
      const [a, b] = await Promise.all([marker(janus, `m${batches}j`), marker(admin, `m${batches}a`)]);
      if (!a || !b) note('ws', last[last.length - 1], `socket stopped answering (janus ${a}, admin ${b})`);
      replies.forEach((m, i) => {
        const bad = check(m, texts[i] ?? '');
        if (bad) note('ws', last[0], `${bad} (in batch ${batches})`);
      });
      janus.close();
      admin.close();
      batches++;
      await checkAlive(`WS batch ${batches}`);
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  it('MQTT: generated payloads (including non-UTF-8 bytes) get Janus replies', async () => {
    const r = new Rng(SEED + 2);
    const t: Targets = { sessions: [], echoHandles: [], roomHandles: [], rooms: [1234] };
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { clientId: `fuzz-client-${process.pid}` });
    const replies: string[] = [];
    client.on('message', (_topic, payload) => replies.push(payload.toString('utf8')));
    await client.subscribeAsync(['from-janus', 'from-janus-admin']);
    const end = Date.now() + BUDGET.mqtt * 1000;
    let batches = 0;
    try {
      while (Date.now() < end) {
        await refresh(t);
        const before = replies.length;
        for (let i = 0; i < BATCH; i++) {
          const g = generate(r, t);
          sent++;
          let payload: Buffer = Buffer.from(g.text, 'utf8');
          if (r.chance(0.05)) payload = Buffer.concat([payload.subarray(0, r.int(payload.length + 1)), Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), payload.subarray(r.int(payload.length + 1))]);
          await client.publishAsync(g.admin ? 'to-janus-admin' : 'to-janus', payload);
        }
        const tx = `mq${batches}`;
        await client.publishAsync('to-janus', JSON.stringify({ janus: 'ping', transaction: tx }));
        const deadline = Date.now() + 12_000;
        while (!replies.slice(before).some((x) => x.includes(`"${tx}"`)) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
        if (!replies.slice(before).some((x) => x.includes(`"${tx}"`))) problems.push(`mqtt: no answer to the marker of batch ${batches}`);
        for (const text of replies.slice(before)) {
          let m: unknown;
          try {
            m = JSON.parse(text);
          } catch {
            problems.push(`mqtt: unparsable reply ${text.slice(0, 200)}`);
            continue;
          }
          const bad = check(m, text);
          if (bad && problems.length < 50) problems.push(`mqtt: ${bad}`);
        }
        batches++;
        await checkAlive(`MQTT batch ${batches}`);
      }
    } finally {
      await client.endAsync();
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  it('RabbitMQ: deliveries with generated payloads and properties, fed to the transport handler (in-process core)', async () => {
    const ts = await startTestServer();
    const r = new Rng(SEED + 3);
    const t: Targets = { sessions: [], echoHandles: [], roomHandles: [], rooms: [1234] };
    const published: string[] = [];
    const rabbit = new RabbitMqTransport();
    const owner: TransportClient = { transport: rabbit, sendEvent: (m) => published.push(JSON.stringify(m)) };
    // the transport as init() leaves it, with the broker link replaced by a recorder
    Object.assign(rabbit, {
      cfg: { admin: { toJanus: 'to-janus-admin' }, replyToRouting: true, json: 'plain', exchange: 'janus-exchange', janus: { fromJanus: 'from-janus' } },
      gateway: ts.server.container.resolve(Gateway),
      log: ts.server.logger.child('fuzz-rabbitmq'),
      client: owner,
      link: { send: (m: { body: Buffer }) => published.push(m.body.toString('utf8')) },
    });
    const deliver = (rabbit as unknown as { onDelivery(api: unknown, msg: unknown): void }).onDelivery.bind(rabbit);
    const end = Date.now() + BUDGET.rabbit * 1000;
    let n = 0;
    try {
      while (Date.now() < end) {
        for (let i = 0; i < BATCH; i++, n++) {
          const g = generate(r, t);
          let content = Buffer.from(g.text, 'utf8');
          if (r.chance(0.05)) content = Buffer.concat([content, Buffer.from([0xff, 0xfe, 0xc0])]);
          const props = { correlationId: r.chance(0.7) ? anyValue(r) : undefined, replyTo: r.chance(0.3) ? anyValue(r) : undefined };
          const routingKey = r.chance(0.9) ? (g.admin ? 'to-janus-admin' : 'to-janus') : anyString(r);
          deliver({ admin: g.admin && r.chance(0.5), queue: 'q', toJanus: 'to-janus', fromJanus: 'from-janus' }, { content, properties: props, fields: { routingKey } });
        }
        await new Promise((res) => setTimeout(res, 20));
      }
      const deadline = Date.now() + 5000;
      while (published.length < n && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      for (const text of published) {
        let m: unknown;
        try {
          m = JSON.parse(text);
        } catch {
          problems.push(`rabbitmq: unparsable reply ${text.slice(0, 200)}`);
          continue;
        }
        const bad = check(m, text);
        if (bad && problems.length < 50) problems.push(`rabbitmq: ${bad}`);
      }
      sent += n;
      assert.ok(published.length >= n * 0.9, `replies: ${published.length} for ${n} deliveries`);
    } finally {
      await ts.stop();
    }
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  it('parser: never laxer than JSON.parse, same values when it accepts, stricter only where Janus is', () => {
    const r = new Rng(SEED + 4);
    const strict = /maximum parsing depth|\\u0000 is not allowed|invalid Unicode|unable to decode|too big (negative )?integer|real number overflow|control character/;
    const n = LONG ? 50_000 : 5_000;
    let accepted = 0;
    for (let i = 0; i < n; i++) {
      const v = anyValue(r);
      const base = r.chance(0.5) ? JSON.stringify({ janus: 'x', v }) : JSON.stringify([v]);
      const text = r.chance(0.5) ? mutateText(r, base) : base;
      let native: unknown;
      let nativeOk = true;
      try {
        native = JSON.parse(text);
      } catch {
        nativeOk = false;
      }
      const ours = parseRequestJson(text);
      const top = text.trimStart()[0];
      if (ours.ok) {
        accepted++;
        assert.ok(nativeOk, `accepted what JSON.parse refuses: ${text.slice(0, 200)}`);
        // compared as text: values may be 2000 levels deep, too deep for deepEqual's recursion
        assert.equal(JSON.stringify(ours.value), JSON.stringify(native), text.slice(0, 200));
      } else if (nativeOk && (top === '{' || top === '[')) {
        assert.match(ours.text, strict, `refused valid JSON for a reason Janus does not have: ${ours.text} in ${text.slice(0, 200)}`);
      }
    }
    assert.ok(accepted > n / 4, `accepted ${accepted} of ${n}`);
  });

  it('no failure was contained along the way (nothing reached the fault policy)', () => {
    const out = srv.output();
    const lines = out.split('\n').filter((l) => /Contained a failure|Unexpected failure processing|Request processing failed|could not be serialised|handling failed/.test(l));
    assert.deepEqual(lines.slice(0, 10), [], `${lines.length} contained failures in ${sent} requests (seed ${SEED})`);
    const summary = [...seen.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join(', ');
    console.log(`      fuzz: ${sent} requests (seed ${SEED}${LONG ? ', long' : ''}); replies ${summary}`);
  });
});
