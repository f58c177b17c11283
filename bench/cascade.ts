/**
 * Cascade benchmarks (bench/README.md, "Cascading"). Run inside a private network namespace:
 *
 *   unshare -n sh -c 'ip link set lo up && node dist/bench/cascade.js cpu --remotes 0,1,2,4 --seconds 8'
 *   unshare -n sh -c 'ip link set lo up && node dist/bench/cascade.js e2e --instances 3 --subs 20 --seconds 10'
 *
 * cpu: one source instance (ours, or Janus 1.1.2 with --janus), one simulcast publisher at a raised frame
 *      rate, and k `publish_remotely` forwarders to plain UDP sinks. Prints the source's CPU per second
 *      and the extra CPU per remote instance per forwarded packet (slope over k).
 * e2e: RabbitMQ, a source and `instances` target instances (ours), the cascade backend, one publisher on
 *      the source, `subs` counting subscribers on each target. Prints delivery, CPU per process, machine busy %.
 */
import 'reflect-metadata';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { startBackend } from '../examples/cascade-backend';
import { CountingSubscriber, keepAlive, publishSimulcast, VR } from '../test/cascade-clients';
import { MEDIA_IP, startJanus, vethUp, type RunningJanus } from '../test/cascade-janus';
import { startOurs } from '../test/cascade-ours';
import { JanusWs } from '../test/media-support';
import { startRabbitmq, stopEpmd, type RunningBroker } from '../test/support/brokers';
import { freePort, rtpPortRange } from '../test/support/ports';

const args = process.argv.slice(2);
const mode = args[0] ?? 'cpu';
const opt = (name: string, def: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const flag = (name: string) => args.includes(`--${name}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ (clock ticks per second in /proc/<pid>/stat) on Linux

/** CPU seconds (user + system) a process used so far. */
function cpuOf(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / TICK;
}

/** Whole-machine busy fraction between two samples of /proc/stat. */
function machine(): { busy: number; total: number } {
  const l = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = l[3] + (l[4] ?? 0);
  const total = l.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

const ROOM = 4321;

async function cpuMode(): Promise<void> {
  const remotes = opt('remotes', '0,1,2,4').split(',').map(Number);
  const seconds = Number(opt('seconds', '8'));
  const fps = Number(opt('fps', '150'));
  const useJanus = flag('janus');
  vethUp();
  const wsPort = await freePort();
  const rmqPort = await freePort(); // nothing listens: the source needs no broker here
  const src: RunningJanus = await (useJanus ? startJanus : startOurs)({ name: 'src', rmqPort, wsPort, rtpPortRange: rtpPortRange(200) });
  try {
    const j = await JanusWs.connect(src.wsUrl);
    await j.createSession();
    const h = await j.attach(VR);
    await j.message(h, { request: 'create', room: ROOM, publishers: 10 });
    const pub = await publishSimulcast(src.wsUrl, MEDIA_IP, ROOM, 1);
    // raise the frame rate: the synthetic encoder sends 2 packets per frame on each of 3 encodings
    pub.pub.stop();
    const tick = (pub.pub as unknown as { tick(): void }).tick.bind(pub.pub);
    const timer = setInterval(() => {
      for (let i = 0; i < fps / 100; i++) tick();
    }, 10);
    const sinks: Array<{ sock: dgram.Socket; n: number; port: number }> = [];
    const maxK = Math.max(...remotes);
    for (let i = 0; i < maxK; i++) {
      const sock = dgram.createSocket('udp4');
      const sink = { sock, n: 0, port: 0 };
      sock.on('message', () => sink.n++);
      await new Promise<void>((r) => sock.bind(0, MEDIA_IP, r));
      sink.port = sock.address().port;
      sinks.push(sink);
    }
    let active = 0;
    const rows: Array<{ k: number; cpuPerSec: number; inPps: number; outPps: number }> = [];
    console.log(`source: ${useJanus ? 'Janus 1.1.2' : 'janus-ts'}, publisher ${fps} fps × 3 encodings × 2 packets, ${seconds} s per step`);
    for (const k of remotes) {
      while (active < k) {
        const r = await j.request({ janus: 'message', handle_id: h, body: { request: 'publish_remotely', room: ROOM, publisher_id: 1, remote_id: `sink-${active}`, host: MEDIA_IP, port: sinks[active].port } });
        if (r.plugindata?.data?.videoroom !== 'success') throw new Error(JSON.stringify(r));
        active++;
      }
      while (active > k) {
        active--;
        await j.request({ janus: 'message', handle_id: h, body: { request: 'unpublish_remotely', room: ROOM, publisher_id: 1, remote_id: `sink-${active}` } });
      }
      await sleep(1500);
      const c0 = cpuOf(src.pid);
      const s0 = sinks.reduce((n, s) => n + s.n, 0);
      const t0 = Date.now();
      const sent0 = sentPackets(pub.pub);
      await sleep(seconds * 1000);
      const dt = (Date.now() - t0) / 1000;
      const row = { k, cpuPerSec: (cpuOf(src.pid) - c0) / dt, inPps: (sentPackets(pub.pub) - sent0) / dt, outPps: (sinks.reduce((n, s) => n + s.n, 0) - s0) / dt };
      rows.push(row);
      console.log(`  k=${k}: source CPU ${(row.cpuPerSec * 100).toFixed(1)} %, in ${row.inPps.toFixed(0)} pkt/s, forwarded ${row.outPps.toFixed(0)} pkt/s`);
    }
    // per incoming packet, averaged over repetitions of each k (steps like 0,4,0,4 cancel drift on a busy machine)
    const perIn = new Map<number, number[]>();
    for (const r of rows) perIn.set(r.k, [...(perIn.get(r.k) ?? []), (r.cpuPerSec / r.inPps) * 1e6]);
    const avg = (k: number) => perIn.get(k)!.reduce((a, b) => a + b, 0) / perIn.get(k)!.length;
    const base = avg(0);
    const inPps = rows.reduce((a, r) => a + r.inPps, 0) / rows.length;
    for (const k of [...perIn.keys()].sort((a, b) => a - b)) {
      const extra = k > 0 ? (avg(k) - base) / k : 0;
      console.log(`  k=${k}: ${avg(k).toFixed(1)} µs source CPU per incoming packet (${perIn.get(k)!.length} run(s))${k > 0 ? `; extra per remote instance per packet ${extra.toFixed(2)} µs = ${((extra * inPps) / 1e4).toFixed(2)} % of a core at ${inPps.toFixed(0)} pkt/s` : ''}`);
    }
    clearInterval(timer);
    for (const s of sinks) s.sock.close();
    await pub.pc.close();
    pub.janus.close();
    j.close();
  } finally {
    await src.stop();
  }
}

function sentPackets(p: { enc: Array<{ seq: number }> }): number {
  // each encoding's sequence number advances by one per packet sent (wraps at 65536: steps are short)
  const now = p.enc.map((e) => e.seq);
  const prev = (p as unknown as { _last?: number[]; _total?: number })._last ?? now;
  let total = (p as unknown as { _total?: number })._total ?? 0;
  for (let i = 0; i < now.length; i++) total += (now[i] - prev[i]) & 0xffff;
  Object.assign(p, { _last: now, _total: total });
  return total;
}

async function e2eMode(): Promise<void> {
  const targets = Number(opt('instances', '3'));
  const perTarget = Number(opt('subs', '20'));
  const seconds = Number(opt('seconds', '10'));
  vethUp();
  const RMQ = { port: await freePort(), nodeName: `rabbit-bench-${process.pid}@localhost`, dir: `/tmp/cascade-bench-rmq-${process.pid}`, epmdPort: 21769, distPort: await freePort() };
  let broker: RunningBroker | undefined;
  const instances: RunningJanus[] = [];
  const subs: CountingSubscriber[][] = [];
  const clients: JanusWs[] = [];
  const stops: Array<() => void> = [];
  try {
    broker = await startRabbitmq(RMQ);
    for (let i = 0; i <= targets; i++) {
      instances.push(await startOurs({ name: i === 0 ? 'src' : `t${i}`, rmqPort: RMQ.port, wsPort: await freePort(), rtpPortRange: rtpPortRange(400) }));
    }
    const backend = await startBackend({
      amqp: `amqp://guest:guest@127.0.0.1:${RMQ.port}`,
      // the backend shares this process with hundreds of peers: be patient before calling an instance dead
      instances: instances.map((x) => ({ name: x.name, toJanus: x.toJanus, fromJanus: x.fromJanus, mediaHost: MEDIA_IP, keepaliveTimeoutMs: 15_000, keepaliveMisses: 3 })),
      log: (l) => console.log(`  backend: ${l}`),
    });
    const j = await JanusWs.connect(instances[0].wsUrl);
    clients.push(j);
    await j.createSession();
    stops.push(keepAlive(j));
    await j.message(await j.attach(VR), { request: 'create', room: ROOM, publishers: 10 });
    const pub = await publishSimulcast(instances[0].wsUrl, MEDIA_IP, ROOM, 1);
    const setup0 = Date.now();
    for (const t of instances.slice(1)) {
      await backend.cascade.feedOn(ROOM, 1, t.name);
      const jt = await JanusWs.connect(t.wsUrl);
      clients.push(jt);
      await jt.createSession();
      stops.push(keepAlive(jt));
      const list: CountingSubscriber[] = [];
      subs.push(list);
      for (let i = 0; i < perTarget; i += 10) {
        const batch = Array.from({ length: Math.min(10, perTarget - i) }, () => new CountingSubscriber(jt, MEDIA_IP));
        list.push(...batch);
        await Promise.all(batch.map((s) => s.subscribe(ROOM, 1, 0)));
      }
    }
    console.log(`set up ${targets} × ${perTarget} subscribers in ${((Date.now() - setup0) / 1000).toFixed(1)} s`);
    await sleep(2000);
    const all = subs.flat();
    const m0 = all.map((s) => ({ n: s.packets, e: s.expected }));
    const c0 = instances.map((x) => cpuOf(x.pid));
    const self0 = process.cpuUsage();
    const mc0 = machine();
    const t0 = Date.now();
    await sleep(seconds * 1000);
    const dt = (Date.now() - t0) / 1000;
    const mc1 = machine();
    const got = all.reduce((n, s, i) => n + s.packets - m0[i].n, 0);
    const exp = all.reduce((n, s, i) => n + s.expected - m0[i].e, 0);
    // a subscriber that got nothing has nothing "expected" either: judge each against the busiest one
    const most = Math.max(...all.map((s, i) => s.expected - m0[i].e));
    const silent = all.filter((s, i) => s.packets === m0[i].n).length;
    const worst = Math.min(...all.map((s, i) => (s.packets - m0[i].n) / Math.max(1, s.expected - m0[i].e, most * 0.5)));
    const selfCpu = process.cpuUsage(self0);
    console.log(`1 publisher → ${targets} instances × ${perTarget} subscribers, ${dt.toFixed(1)} s:`);
    console.log(`  delivery ${got}/${exp} (${((100 * got) / Math.max(1, exp)).toFixed(3)} %), worst subscriber ${(100 * worst).toFixed(2)} %, ${silent} silent, ${(got / dt).toFixed(0)} pkt/s delivered`);
    subs.forEach((list, t) => console.log(`  t${t + 1}: ${list.map((s) => s.packets - m0[all.indexOf(s)].n).join(' ')}`.slice(0, 300)));
    instances.forEach((x, i) => console.log(`  ${x.name}: CPU ${((100 * (cpuOf(x.pid) - c0[i])) / dt).toFixed(1)} % of a core`));
    console.log(`  clients (this process): ${((100 * (selfCpu.user + selfCpu.system)) / 1e6 / dt).toFixed(1)} % of a core`);
    console.log(`  machine busy ${((100 * (mc1.busy - mc0.busy)) / (mc1.total - mc0.total)).toFixed(1)} % (all processes, 2 cores), load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    await pub.leave();
    await Promise.all(all.map((s) => s.close()));
    await backend.stop();
  } finally {
    for (const s of stops) s();
    for (const c of clients) c.close();
    for (const x of instances) await x.stop();
    await broker?.stop();
    stopEpmd(RMQ.epmdPort);
    fs.rmSync(RMQ.dir, { recursive: true, force: true });
  }
}

const run = mode === 'e2e' ? e2eMode : cpuMode;
const guard = setTimeout(() => {
  console.error('bench took too long: giving up');
  process.exit(2);
}, Number(opt('max-secs', '300')) * 1000);
run()
  .then(() => {
    clearTimeout(guard);
    process.exit(0);
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
