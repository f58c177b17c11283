import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { startBackend, type Backend } from '../examples/cascade-backend';
import { CountingSubscriber, publishSimulcast, VR } from './cascade-clients';
import { haveJanus, MEDIA_IP, startJanus, vethUp, type RunningJanus } from './cascade-janus';
import { JanusWs } from './media-support';
import { freePort, haveRabbitmq, startRabbitmq, stopEpmd, type RunningBroker } from './support/brokers';
import { until } from './support/mq-harness';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const ROOM = 4242;
const RMQ = { port: 0, nodeName: `rabbit-cj-${process.pid}@localhost`, dir: `/tmp/cascade-rmq-${process.pid}`, epmdPort: 21369, distPort: 0 };

/** What a client saw of one handle: plugin event data (and whether a jsep came with it). */
const seen = (j: JanusWs, handle: number) => j.events.filter((m) => m.sender === handle && m.janus === 'event').map((m) => ({ ...m.plugindata.data, ...(m.jsep ? { jsep: m.jsep.type } : {}) }));

/**
 * The cascade backend driving two real Janus 1.1.2 instances over RabbitMQ: this is where the events
 * Janus sends on the receiving instance when the source publisher leaves were observed
 * (docs/cascading.md), and what our instances are held to in cascade-videoroom.spec.ts.
 */
describe('cascade backend with two Janus 1.1.2 instances over RabbitMQ', function () {
  this.timeout(90_000);
  let broker: RunningBroker;
  let a: RunningJanus;
  let b: RunningJanus;
  let backend: Backend;

  before(async function () {
    if (!haveJanus() || !haveRabbitmq()) this.skip();
    vethUp();
    RMQ.port = await freePort(21300, 21399);
    RMQ.distPort = await freePort(21300, 21399, [RMQ.port]);
    broker = await startRabbitmq(RMQ);
    const wsA = await freePort(21300, 21399, [RMQ.port, RMQ.distPort]);
    const wsB = await freePort(21300, 21399, [RMQ.port, RMQ.distPort, wsA]);
    [a, b] = await Promise.all([
      startJanus({ name: 'a', rmqPort: RMQ.port, wsPort: wsA, rtpPortRange: '46000-46199' }),
      startJanus({ name: 'b', rmqPort: RMQ.port, wsPort: wsB, rtpPortRange: '46200-46399' }),
    ]);
    backend = await startBackend({
      amqp: `amqp://guest:guest@127.0.0.1:${RMQ.port}`,
      instances: [a, b].map((j) => ({ name: j.name, toJanus: j.toJanus, fromJanus: j.fromJanus, mediaHost: MEDIA_IP, keepaliveMs: 1000, keepaliveTimeoutMs: 1500 })),
      checkEveryMs: 1000,
    });
  });

  after(async () => {
    await backend?.stop();
    await a?.stop();
    await b?.stop();
    await broker?.stop();
    stopEpmd(RMQ.epmdPort);
    fs.rmSync(RMQ.dir, { recursive: true, force: true });
  });

  it('cascades a publisher on A to a subscriber on B on demand, and tears it down when it leaves', async () => {
    // the room exists on A only; the backend creates it on B
    const ja = await JanusWs.connect(a.wsUrl);
    await ja.createSession();
    const ah = await ja.attach(VR);
    const created = await ja.message(ah, { request: 'create', room: ROOM, publishers: 10 });
    void created;
    const pub = await publishSimulcast(a.wsUrl, MEDIA_IP, ROOM, 777);

    const link = await backend.cascade.feedOn(ROOM, 777, 'b');
    assert.ok(link && link.port > 0 && link.rtcpPort > 0, JSON.stringify(link));
    // Janus lists the forwarder under the remote_id the backend gave it
    const jb = await JanusWs.connect(b.wsUrl);
    await jb.createSession();
    // a participant on B (sees the remote publisher), and a subscriber on B
    const ph = await jb.attach(VR);
    const pj = await jb.message(ph, { request: 'join', ptype: 'publisher', room: ROOM, display: 'watcher' });
    const joined = await jb.waitFor((m) => m.transaction === pj.transaction && m.janus === 'event', 10_000, 'joined');
    const listed = (joined.plugindata.data.publishers as Msg[]).find((p) => p.id === 777);
    console.log('      B participant joined, remote publisher listed as', JSON.stringify(listed));
    const sub = new CountingSubscriber(jb, MEDIA_IP);
    const attached = await sub.subscribe(ROOM, 777, 2);
    console.log('      B subscriber attached', JSON.stringify(attached));
    await until('media on B', () => sub.packets > 100, 15_000).catch((e) => {
      console.log('      publisher PLIs', pub.pub.plis, 'sub packets', sub.packets, sub.perSubstream);
      throw e;
    });
    console.log('      per substream', sub.perSubstream);

    // the publisher leaves A: record what B's participant and subscriber get
    await pub.leave();
    await until('cascade torn down', () => backend.cascade.list().length === 0, 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    console.log('      B participant events:', JSON.stringify(seen(jb, ph)));
    console.log('      B subscriber events:', JSON.stringify(seen(jb, sub.handle)));
    console.log('      B other:', JSON.stringify(jb.events.filter((m) => m.janus !== 'event').map((m) => ({ janus: m.janus, sender: m.sender }))));
    await sub.close();
    jb.close();
    ja.close();
  });
});
