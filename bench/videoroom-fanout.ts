/**
 * VideoRoom fan-out benchmark: 1 publisher (~1 Mbit/s video in 90 packets/s + 50 audio packets/s)
 * and N subscribers in separate client processes, against any Janus-API server reachable over
 * WebSocket (ours, or the real Janus 1.1.2 for comparison).
 *
 * For each N it prints: server CPU µs per delivered packet (/proc utime+stime of the server PID over
 * the measuring window), delivery ratio (packets sent in the window × subscribers vs received),
 * one-way delay p50/p99 (send time is stamped in every payload), server RSS.
 *
 *   node dist/bench/videoroom-fanout.js --ours                         # starts dist/core/main.js itself
 *   node dist/bench/videoroom-fanout.js --url ws://10.77.0.1:23510 --pid <janus pid> --ip 10.77.0.1
 * Options: --n 1,10,50,100,200  --seconds 10  --label name
 *          --client lite|werift (subscriber client, default lite: see srtp-peek.ts)
 *          --per-proc K (subscribers per client process; default 25 lite, 10 werift)
 *          --incremental (keep the subscribers of one N for the next: N list must grow; each
 *            step joins only the new ones; for capacity sweeps)
 *          --idle-secs S (then the publisher pauses S s: server CPU per subscriber with no media)
 *          --quiet-join (the publisher pauses while subscribers join: the join's own cost
 *            without the fan-out to the ones already in; join time then ends at the last webrtcup)
 *          --json FILE (append each row as one JSON line, for issue16-table.ts)
 *          --max-secs S (whole run bounded: exits non-zero after S seconds; default 900)
 *          --media-workers K (ours: janus.jcfg media.media_workers; default one per core)
 * Ours also reports its event loops (Admin `loop_health`, polled each second): main-thread
 * utilisation (mean over the window) and the largest event-loop delay of any thread in the run.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Row } from './fanout-row';
import { JanusClient } from './janus-client';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) continue;
  const next = process.argv[i + 1];
  if (next === undefined || (next.startsWith('--') && a !== '--server-node-args' && a !== '--client-node-args')) args.set(a.slice(2), 'true');
  else args.set(a.slice(2), (i++, next));
}
const NS = (args.get('n') ?? '1,10,50,100,200').split(',').map(Number);
const SECONDS = Number(args.get('seconds') ?? 10);
const CLIENT = args.get('client') === 'werift' ? 'werift' : 'lite';
const PER_PROC = Number(args.get('per-proc') ?? (CLIENT === 'lite' ? 25 : 10));
const INCREMENTAL = args.has('incremental');
const QUIET_JOIN = args.has('quiet-join');
/** After the window: the publisher pauses this long, and the server's CPU then is per-subscriber background work. */
const IDLE_SECS = Number(args.get('idle-secs') ?? 0);
const MAX_SECS = Number(args.get('max-secs') ?? 900);
// client ports (server RTP ports are 43000-43499)
const CLIENT_PORTS: [number, number] = [44000, 47999];
const IP = args.get('ip') ?? '127.0.0.1';
const ROOM = Number(args.get('room') ?? 5555);
const FEED = 4242;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HZ = 100; // USER_HZ on Linux

/** CPU µs of a process so far: [user + kernel, kernel]. */
function cpuMicros(pid: number): [number, number] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [((Number(f[11]) + Number(f[12])) / HZ) * 1e6, (Number(f[12]) / HZ) * 1e6]; // utime + stime, stime
}

/** Whole-machine CPU ticks (busy, total) from /proc/stat: how busy the shared machine was. */
function machineTicks(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - (f[4] ?? 0), total }; // minus idle and iowait
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : 0;
}

/** Every process this run started, killed if the run overruns --max-secs. */
const children = new Set<ChildProcess>();

interface Worker {
  child: ChildProcess;
  next(pred?: (m: any) => boolean): Promise<any>;
}

function worker(start: Record<string, unknown>): Worker {
  // --client-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the client processes
  const execArgv = (args.get('client-node-args') ?? '').split(' ').filter((a) => a.length > 0);
  const child = fork(path.join(__dirname, 'fanout-worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
  children.add(child);
  const queue: any[] = [];
  const waiters: Array<(m: any) => void> = [];
  child.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  child.send(start);
  return {
    child,
    next: () =>
      new Promise((res, rej) => {
        const q = queue.shift();
        if (q) return res(q);
        // a client process joins 4 at a time, each join bounded by ~40 s of Janus timeouts
        const t = setTimeout(() => rej(new Error('worker did not answer')), 60000 + Math.ceil(Number(start.count) / 4) * 45000);
        waiters.push((m) => {
          clearTimeout(t);
          if (m.error) rej(new Error(m.error));
          else res(m);
        });
      }),
  };
}

async function startOurs(port: number): Promise<{ url: string; pid: number; admin: string; stop(): Promise<void> }> {
  const root = path.resolve(__dirname, '..', '..');
  // --server-node-args "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile our server
  const nodeArgs = (args.get('server-node-args') ?? '').split(' ').filter((a) => a.length > 0);
  const child = spawn(process.execPath, [
    ...nodeArgs,
    path.join(root, 'dist', 'core', 'main.js'), '-F', path.join(root, 'conf'), '-N',
    ...(args.has('server-log') ? ['-L', args.get('server-log')!, '-d', args.get('server-level') ?? '5'] : ['-d', '2']),
    '-r', '43000-43499', '-E', IP,
    '--set', `janus.transport.websockets:general.ws_port=${port}`, '--set', `janus.transport.websockets:general.ws_ip=${IP}`,
    '--set', 'janus.transport.websockets:admin.admin_ws=false',
    '--set', 'janus.transport.http:general.http=false',
    '--set', `janus.transport.http:admin.admin_port=${port + 1}`, '--set', `janus.transport.http:admin.admin_ip=${IP}`,
    '--set', 'janus:general.admin_secret=bench',
    // the same modules as the Janus side of run-fanout.sh: VideoRoom and WebSocket only (an idle
    // AudioBridge room's mixer alone ticks 50 times a second)
    '--set', 'janus:plugins.disable=libjanus_audiobridge.so,libjanus_echotest.so,libjanus_recordplay.so',
    ...(args.has('media-workers') ? ['--set', `janus:media.media_workers=${args.get('media-workers')}`] : []),
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  children.add(child);
  const url = `ws://${IP}:${port}`;
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    try {
      const c = await JanusClient.connect(url);
      c.close();
      break;
    } catch {
      if (child.exitCode !== null) throw new Error('server exited');
    }
  }
  return {
    url,
    pid: child.pid!,
    admin: `http://${IP}:${port + 1}/admin`,
    stop: async () => {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Event-loop figures of our server, from Admin `loop_health` polled once a second. */
class LoopWatch {
  private timer?: NodeJS.Timeout;
  mainUtil: number[] = [];
  maxDelay = 0;
  workerUtil: number[] = [];
  /** Largest backlog seen in a packet ring (KB), to the workers and to the main thread. */
  maxQueuedToWorker = 0;
  maxQueuedToMain = 0;
  constructor(private readonly admin: string) {}
  start(): void {
    this.mainUtil = [];
    this.workerUtil = [];
    this.timer = setInterval(() => void this.poll(), 1000);
  }
  private async poll(): Promise<void> {
    try {
      const r = (await (await fetch(this.admin, { method: 'POST', body: JSON.stringify({ janus: 'loop_health', admin_secret: 'bench', transaction: 'l' }) })).json()) as any;
      const h = r.health;
      if (!h?.main) return;
      // LOOP_TRACE=1: each thread's second, for finding which one stalls and when
      if (process.env.LOOP_TRACE) {
        const t = (l: any) => (l ? `${Math.round(l.utilization * 100)}%/${Math.round(l.delay_max_ms)}ms` : '-');
        console.error(`loop ${new Date().toISOString().slice(11, 19)} main ${t(h.main)} ${(h.workers ?? []).map((w: any) => `w${w.index} ${t(w.loop)} h${w.handles} rec→main ${w.ring_records?.toMain}/${w.ring_records?.toMainWakeups} rec→w ${w.ring_records?.toWorker}/${w.ring_records?.toWorkerWakeups}`).join(' ')}`);
      }
      this.mainUtil.push(h.main.utilization);
      this.maxDelay = Math.max(this.maxDelay, h.main.delay_max_ms);
      for (const w of h.workers ?? []) {
        if (!w.loop) continue;
        this.workerUtil.push(w.loop.utilization);
        this.maxDelay = Math.max(this.maxDelay, w.loop.delay_max_ms);
        this.maxQueuedToWorker = Math.max(this.maxQueuedToWorker, Math.round((w.ring_queued_to_worker ?? 0) / 1024));
        this.maxQueuedToMain = Math.max(this.maxQueuedToMain, Math.round((w.ring_queued_to_main ?? 0) / 1024));
      }
    } catch {
      /* the server is busy or gone: skip this sample */
    }
  }
  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

const mean = (a: number[]) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : NaN);

function percentile(hist: Map<number, number>, total: number, q: number): number {
  let acc = 0;
  const keys = [...hist.keys()].sort((a, b) => a - b);
  for (const k of keys) {
    acc += hist.get(k)!;
    if (acc >= total * q) return k / 10;
  }
  return NaN;
}

// backstop: whatever ends this process (error, overrun) ends what it started
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function main(): Promise<void> {
  // bounded: a stuck run must not hold the shared machine
  setTimeout(() => {
    console.error(`run exceeded --max-secs ${MAX_SECS}: giving up`);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    process.exit(2);
  }, MAX_SECS * 1000).unref();
  const ours = args.has('ours') ? await startOurs(Number(args.get('port') ?? 23500)) : undefined;
  const url = ours?.url ?? args.get('url');
  const pid = ours?.pid ?? Number(args.get('pid'));
  if (!url || !pid) throw new Error('give --ours, or --url and --pid of the server');
  const label = args.get('label') ?? (ours ? 'janus-ts' : url);
  const rows: Row[] = [];
  const pub = worker({ cmd: 'start', role: 'pub', url, room: ROOM, feed: FEED, count: 1, ip: IP, ports: [43500, 43503] });
  await pub.next();
  let subs: Worker[] = [];
  let joinedSoFar = 0;
  const stopSubs = async (list: Worker[]) => {
    for (const s of list) if (s.child.connected) s.child.send({ cmd: 'stop' });
    await Promise.all(list.map((s) => new Promise((r) => (s.child.exitCode !== null ? r(0) : s.child.once('exit', r)))));
  };
  // each client process gets its own slice of the client port range, for the largest N
  const maxProcs = INCREMENTAL ? NS.reduce((a, n, i) => a + Math.ceil((n - (i ? NS[i - 1] : 0)) / PER_PROC), 0) : Math.ceil(Math.max(...NS) / PER_PROC);
  const portSpan = Math.floor((CLIENT_PORTS[1] - CLIENT_PORTS[0] + 1) / Math.max(1, maxProcs));
  let procIndex = 0;
  try {
    for (const n of NS) {
      if (!INCREMENTAL) {
        subs = [];
        joinedSoFar = 0;
        procIndex = 0;
      }
      const toJoin = n - joinedSoFar;
      if (toJoin < 0) throw new Error('--incremental needs a growing N list');
      const procs = Math.ceil(toJoin / PER_PROC);
      // client processes join one after the other: a burst of hundreds of DTLS handshakes at
      // once measures set-up, not forwarding (and starves every event loop on 2 cores)
      const ready: Array<{ failed?: number; silent?: number; receivingAt?: number; phases?: Record<string, number> }> = [];
      const watch = ours ? new LoopWatch(ours.admin) : undefined;
      if (watch) watch.maxDelay = 0;
      watch?.start();
      if (QUIET_JOIN) pub.child.send({ cmd: 'pause' });
      const j0 = now();
      for (let p = 0; p < procs; p++) {
        const count = Math.min(PER_PROC, toJoin - p * PER_PROC);
        const lo = CLIENT_PORTS[0] + procIndex++ * portSpan;
        const w = worker({ cmd: 'start', role: 'sub', url, room: ROOM, feed: FEED, count, ip: IP, ports: [lo, lo + portSpan - 1], client: CLIENT, waitMedia: !QUIET_JOIN });
        subs.push(w);
        ready.push(await w.next());
      }
      joinedSoFar = n;
      // joined and receiving: the last new subscriber's first packet (or its webrtcup if later)
      const joinSecs = (Math.max(now(), ...ready.map((r) => r.receivingAt ?? 0)) - j0) / 1000;
      if (QUIET_JOIN) pub.child.send({ cmd: 'resume' });
      const ph = ready.reduce<Record<string, number>>((a, r) => (Object.entries(r.phases ?? {}).forEach(([k, v]) => (a[k] = (a[k] ?? 0) + v)), a), {});
      if (ph.n) process.stderr.write(`join phases, mean ms per subscriber: ${['attach', 'offer', 'clientSdp', 'start', 'webrtcup'].map((k) => `${k} ${(ph[k] / ph.n).toFixed(0)}`).join(', ')}\n`);
      const failed = ready.reduce((a, r) => a + (r.failed ?? 0), 0);
      const silent = ready.reduce((a, r) => a + (r.silent ?? 0), 0);
      await sleep(2000);
      if (watch) {
        watch.mainUtil = [];
        watch.workerUtil = [];
      }
      const t0 = now() + 200;
      const t1 = t0 + SECONDS * 1000;
      for (const w of [pub, ...subs]) w.child.send({ cmd: 'window', t0, t1 });
      await sleep(t0 - now());
      const [c0, k0] = cpuMicros(pid);
      const m0 = machineTicks();
      await sleep(t1 - now());
      const [c1, k1] = cpuMicros(pid);
      const m1 = machineTicks();
      const rss = rssMb(pid);
      watch?.stop();
      let idleCpuPerSub = NaN;
      if (IDLE_SECS > 0) {
        // connected subscribers, no media: timers, RTCP, consent (what each PeerConnection costs by itself)
        pub.child.send({ cmd: 'pause' });
        await sleep(1000);
        const i0 = cpuMicros(pid)[0];
        await sleep(IDLE_SECS * 1000);
        idleCpuPerSub = (cpuMicros(pid)[0] - i0) / IDLE_SECS / n;
        pub.child.send({ cmd: 'resume' });
      }
      await sleep(1000); // packets in flight
      pub.child.send({ cmd: 'report' });
      const { sentInWindow } = await pub.next();
      for (const s of subs) s.child.send({ cmd: 'report' });
      const reports = await Promise.all(subs.map((s) => s.next()));
      const received = reports.reduce((a, r) => a + r.received, 0);
      const clientCpu = reports.reduce((a, r) => a + (r.cpuMicros ?? 0), 0);
      const hist = new Map<number, number>();
      for (const r of reports) for (const [k, v] of r.hist as Array<[number, number]>) hist.set(k, (hist.get(k) ?? 0) + v);
      const row: Row = {
        label,
        client: CLIENT,
        quietJoin: QUIET_JOIN,
        n,
        joined: toJoin,
        joinSecs,
        mainUtil: watch ? mean(watch.mainUtil) : NaN,
        workerUtil: watch ? mean(watch.workerUtil) : NaN,
        maxDelay: watch ? watch.maxDelay : NaN,
        ringKB: watch ? [watch.maxQueuedToWorker, watch.maxQueuedToMain] : [],
        failed,
        silent,
        cpuPerPkt: received ? (c1 - c0) / received : NaN,
        kernelPerPkt: received ? (k1 - k0) / received : NaN,
        idleCpuPerSub,
        clientCpuPerPkt: received ? clientCpu / received : NaN,
        delivery: sentInWindow ? received / (sentInWindow * n) : 0,
        p50: percentile(hist, received, 0.5),
        p99: percentile(hist, received, 0.99),
        rss,
        cpuPct: ((c1 - c0) / ((t1 - t0) * 1000)) * 100,
        load: os.loadavg()[0],
        busy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total),
      };
      rows.push(row);
      process.stderr.write(`${label} N=${n}: ${JSON.stringify(row)}\n`);
      if (args.has('json')) fs.appendFileSync(args.get('json')!, JSON.stringify(row) + '\n');
      if (!INCREMENTAL) {
        await stopSubs(subs);
        await sleep(1500);
      } else if (failed === toJoin) {
        // every new subscriber failed (typically the publisher is gone): more steps measure nothing
        process.stderr.write(`${label}: all ${toJoin} new subscribers failed at N=${n}, sweep stopped\n`);
        break;
      }
    }
  } finally {
    if (INCREMENTAL) await stopSubs(subs);
    if (pub.child.connected) pub.child.send({ cmd: 'stop' });
    await sleep(500);
    await ours?.stop();
  }
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  console.log(`\n${label}: 1 publisher (90 video + 50 audio pkt/s, ~1 Mbit/s), ${CLIENT} subscribers, ${SECONDS} s per N${INCREMENTAL ? ', incremental' : ''}\n`);
  console.log('| N | joined | join s | server CPU µs / delivered pkt (kernel) | server CPU % of one core | delivery | delay p50 ms | delay p99 ms | server RSS MB | failed / silent subs | client µs / pkt | main loop util | worker loop util | max loop delay ms | load avg | machine busy |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(`| ${r.n} | ${r.joined} | ${f(r.joinSecs)} | ${f(r.cpuPerPkt)} (${f(r.kernelPerPkt)}) | ${f(r.cpuPct, 0)} | ${f(r.delivery * 100, 2)} % | ${f(r.p50)} | ${f(r.p99)} | ${r.rss} | ${r.failed} / ${r.silent} | ${f(r.clientCpuPerPkt)} | ${f(r.mainUtil * 100, 0)} % | ${f(r.workerUtil * 100, 0)} % | ${f(r.maxDelay, 0)} | ${f(r.load)} | ${f(r.busy * 100, 0)} % |`);
  }
  for (const r of rows) if (Number.isFinite(r.idleCpuPerSub)) console.log(`N=${r.n}, publisher paused: ${f(r.idleCpuPerSub)} µs of server CPU per second per connected subscriber`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
