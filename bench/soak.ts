/**
 * Soak bench: does the server give back what it takes? Our server (dist/core/main.js, conf/,
 * ports by --set) runs in a child process under the inspector (for GC and heap figures; nothing
 * is added to the server's code). Two phases:
 *  (a) session cycles, `--concurrency` in flight: create → attach EchoTest → message → (every 4th
 *      cycle: attach VideoRoom, join room 1234 as publisher without media, leave, detach) →
 *      detach → destroy; 4 in 13 over HTTP (event by long poll), 3 in 13 on a new WebSocket per
 *      cycle, 3 in 13 on shared WebSockets; 1 in 13 each: HTTP with a long poll pending at destroy,
 *      WebSocket closed with no detach/destroy, HTTP session abandoned (left to the session
 *      timeout). `--warmup` cycles first, then the warm baseline.
 *  (b) `--ws` concurrent WebSocket sessions, each with an EchoTest handle (`--media` of them with a
 *      real werift PeerConnection echoing video), kept alive by keepalives for `--hold` s with a
 *      session timeout shorter than the hold, then closed (half by destroy, half by just closing).
 * It prints RSS, V8 heap, open fds and sessions (Admin list_sessions) at each point, and exits 1
 * if RSS after the cycles is > `--rss-limit` % above the warm baseline, sessions don't go back
 * to 0, fds leak, or any cycle/session failed.
 *
 *   npm run build && unshare -n sh -c 'ip link set lo up && node dist/bench/soak.js'
 * Options: --cycles 10000 --warmup 500 --concurrency 20 --cycle-time 900 (s, bound of phase a)
 *          --ws 1000 --media 20 --hold 45 --b-rounds 2 --session-timeout 20 --rss-limit 10 --heap (snapshots
 *          at baseline and after the cycles, with the 20 object kinds that grew most) --log-level 3
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RtpHeader, RtpPacket } from 'werift';
import { onTracks, openVideoEcho } from '../test/media-support';
import {
  heapCensus, HttpSession, httpJson, procFigures, resetHttpAgent, sleep, startSoakServer, WsConn,
  type Msg, type SoakServer,
} from './soak-support';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) continue;
  const next = process.argv[i + 1];
  if (next === undefined || next.startsWith('--')) args.set(a.slice(2), 'true');
  else args.set(a.slice(2), (i++, next));
}
const num = (k: string, d: number) => Number(args.get(k) ?? d);
const CYCLES = num('cycles', 10000);
const WARMUP = num('warmup', 500);
const CONCURRENCY = num('concurrency', 20);
const CYCLE_TIME_S = num('cycle-time', 900);
const WS_SESSIONS = num('ws', 1000);
const MEDIA = num('media', 20);
const HOLD_S = num('hold', 45);
const B_ROUNDS = num('b-rounds', 2);
const SESSION_TIMEOUT = num('session-timeout', 20);
const RSS_LIMIT_PCT = num('rss-limit', 10);
const HEAP = args.has('heap');
// cycle kinds by index: 0-3 HTTP, 4-6 new WebSocket, 7-9 shared WebSocket, 10 HTTP with a long
// poll pending at destroy, 11 new WebSocket closed without detach/destroy, 12 HTTP abandoned after
// the message (session timeout) (`--kinds 4,5,6` for WS only)
const KINDS = (args.get('kinds') ?? '0,1,2,3,4,5,6,7,8,9,10,11,12').split(',').map(Number);
const FD_SLACK = 2;

let srv: SoakServer;
const failures: string[] = [];
const fail = (what: string) => {
  failures.push(what);
  if (failures.length <= 10) process.stderr.write(`FAIL ${what}\n`);
};

// ---- figures -------------------------------------------------------------------------------------

interface Point { label: string; rssMb: number; heapMb: number; heapTotalMb?: number; externalMb?: number; fds: number; sessions: number | string }
const points: Point[] = [];
let peak = { rssMb: 0, fds: 0 };
const sampler = setInterval(() => {
  if (!srv || srv.exited()) return;
  const f = procFigures(srv.pid);
  peak = { rssMb: Math.max(peak.rssMb, f.rssMb), fds: Math.max(peak.fds, f.fds) };
}, 250);

async function sessionCount(): Promise<number> {
  const r = await httpJson('POST', srv.adminUrl, { janus: 'list_sessions', admin_secret: 'janusoverlord', transaction: 'ls' });
  return (r.sessions as number[]).length;
}

async function until(pred: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) return false;
    await sleep(250);
  }
  return true;
}

/** Quiet point: sessions gone, client sockets gone, fds settled, two full GCs, RSS settled. */
async function settledPoint(label: string, fdTarget?: number): Promise<Point> {
  resetHttpAgent();
  await until(async () => (await sessionCount()) === 0, 30000);
  if (fdTarget !== undefined) await until(() => procFigures(srv.pid).fds <= fdTarget, 10000);
  await srv.inspector.gc();
  // RSS follows the GC with a delay (pages handed back by the allocator): wait until it stops falling
  let last = procFigures(srv.pid).rssMb;
  for (let i = 0; i < 10; i++) {
    await sleep(500);
    const now = procFigures(srv.pid).rssMb;
    if (last - now < 0.5) break;
    last = now;
  }
  return record(label);
}

async function record(label: string, sessions?: number): Promise<Point> {
  const f = procFigures(srv.pid);
  const mem = await srv.inspector.memoryUsage();
  resetHttpAgent();
  const p: Point = { label, rssMb: f.rssMb, heapMb: mem.heapUsed / 2 ** 20, heapTotalMb: mem.heapTotal / 2 ** 20, externalMb: mem.external / 2 ** 20, fds: f.fds, sessions: sessions ?? (await sessionCount()) };
  resetHttpAgent(); // the Admin request's socket must not count in the next fd figure
  points.push(p);
  if (args.has('smaps')) fs.copyFileSync(`/proc/${srv.pid}/smaps`, path.join(os.tmpdir(), `soak-smaps-${points.length}.txt`));
  process.stderr.write(`${label}: ${JSON.stringify(p)}\n`);
  return p;
}

// ---- phase (a): session cycles -------------------------------------------------------------------

/** One transport-neutral session: a request on the session or a handle, and a plugin message → its event. */
interface Api { id?: number; call(body: Msg, handle?: number): Promise<Msg>; message(handle: number, body: Msg): Promise<Msg>; end(): Promise<void> }

async function httpApi(): Promise<Api> {
  const s = new HttpSession(srv.httpUrl);
  await s.create();
  return { id: s.id, call: (b, h) => s.call(b, h), message: (h, b) => s.message(h, b), end: async () => undefined };
}

async function wsApi(conn: WsConn, own: boolean): Promise<Api> {
  const r = await conn.call({ janus: 'create' });
  if (r.janus !== 'success') throw new Error(`create: ${JSON.stringify(r)}`);
  const session_id = r.data.id as number;
  return {
    call: (b, h) => conn.call({ ...b, session_id, ...(h ? { handle_id: h } : {}) }),
    message: (h, body) => conn.call({ janus: 'message', session_id, handle_id: h, body }),
    end: () => (own ? conn.close() : Promise.resolve()),
  };
}

function expect(ok: boolean, what: string, m: Msg): void {
  if (!ok) throw new Error(`${what}: ${JSON.stringify(m).slice(0, 300)}`);
}

let shared: WsConn[] = [];
async function cycle(i: number): Promise<void> {
  const kind = KINDS[i % KINDS.length];
  const api = kind < 4 || kind === 10 || kind === 12 ? await httpApi() : kind < 7 || kind === 11 ? await wsApi(await WsConn.open(srv.wsUrl), true) : await wsApi(shared[i % shared.length], false);
  try {
    const a = await api.call({ janus: 'attach', plugin: 'janus.plugin.echotest' });
    expect(a.janus === 'success', 'attach echotest', a);
    const h = a.data.id as number;
    const ev = await api.message(h, { audio: true, video: true });
    expect(ev.janus === 'event' && ev.plugindata?.data?.result === 'ok', 'echotest message', ev);
    // the client goes away without detach or destroy: the socket closes (11), or nothing more is
    // heard of it and the session timeout reaps it (12)
    if (kind === 11 || kind === 12) return;
    if (i % 4 === 0) {
      const v = await api.call({ janus: 'attach', plugin: 'janus.plugin.videoroom' });
      expect(v.janus === 'success', 'attach videoroom', v);
      const vh = v.data.id as number;
      const j = await api.message(vh, { request: 'join', ptype: 'publisher', room: 1234, display: `soak ${i}` });
      expect(j.plugindata?.data?.videoroom === 'joined', 'videoroom join', j);
      const l = await api.message(vh, { request: 'leave' });
      expect(l.plugindata?.data?.leaving === 'ok', 'videoroom leave', l);
      const d = await api.call({ janus: 'detach' }, vh);
      expect(d.janus === 'success', 'detach videoroom', d);
    }
    // 10: a long poll is waiting when the session goes
    const poll = kind === 10 ? httpJson('GET', `${srv.httpUrl}/${api.id}`, undefined, 40000) : undefined;
    const d = await api.call({ janus: 'detach' }, h);
    expect(d.janus === 'success', 'detach echotest', d);
    const x = await api.call({ janus: 'destroy' });
    expect(x.janus === 'success', 'destroy', x);
    if (poll) await poll;
  } finally {
    await api.end();
  }
}

/** `count` cycles, `CONCURRENCY` in flight, stopping (as a failure) at the deadline. */
async function runCycles(first: number, count: number, deadline: number): Promise<{ done: number; ms: number }> {
  shared = await Promise.all(Array.from({ length: 10 }, () => WsConn.open(srv.wsUrl)));
  const t0 = Date.now();
  let next = first;
  let done = 0;
  let failed = 0;
  const worker = async () => {
    while (next < first + count) {
      if (Date.now() > deadline || srv.exited()) return;
      const i = next++;
      try {
        await cycle(i);
        done++;
      } catch (err) {
        failed++;
        fail(`cycle ${i}: ${(err as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  if (done + failed < count) fail(`time bound: only ${done} of ${count} cycles done`);
  await Promise.all(shared.map((c) => c.close()));
  return { done, ms: Date.now() - t0 };
}

// ---- phase (b): concurrent WebSocket sessions ----------------------------------------------------

interface Held { conn: WsConn; session: number; ka: NodeJS.Timeout }
// keepalives every session_timeout/3 s, from the moment the session exists (set-up may take longer
// than the session timeout on a busy machine)
const KA_EVERY_MS = (SESSION_TIMEOUT * 1000) / 3;

async function openHeld(): Promise<Held> {
  const conn = await WsConn.open(srv.wsUrl);
  const r = await conn.call({ janus: 'create' });
  expect(r.janus === 'success', 'create', r);
  const session = r.data.id as number;
  const ka = setInterval(() => !conn.closed && conn.ws.send(JSON.stringify({ janus: 'keepalive', session_id: session, transaction: 'ka' })), KA_EVERY_MS);
  const a = await conn.call({ janus: 'attach', plugin: 'janus.plugin.echotest', session_id: session });
  expect(a.janus === 'success', 'attach', a);
  const ev = await conn.call({ janus: 'message', session_id: session, handle_id: a.data.id, body: { audio: true } });
  expect(ev.plugindata?.data?.result === 'ok', 'message', ev);
  return { conn, session, ka };
}

async function phaseB(baselineFds: number, round: number): Promise<Record<string, unknown> & { after: Point }> {
  const held: Held[] = [];
  const t0 = Date.now();
  let opened = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (opened < WS_SESSIONS) {
        opened++;
        try {
          held.push(await openHeld());
        } catch (err) {
          fail(`ws session: ${(err as Error).message}`);
        }
      }
    }),
  );
  const setupMs = Date.now() - t0;
  // media subset: werift peers echoing video at 25 packets/s each, opened one after the other
  const media: Array<Awaited<ReturnType<typeof openVideoEcho>> & { rx: number; tx: number }> = [];
  const mediaKa = setInterval(() => media.forEach((e) => void e.janus.request({ janus: 'keepalive' })), KA_EVERY_MS);
  for (let m = 0; m < MEDIA; m++) {
    try {
      const e = Object.assign(await openVideoEcho(srv.wsUrl, 30000), { rx: 0, tx: 0 });
      onTracks(e.video, () => e.rx++);
      media.push(e);
    } catch (err) {
      fail(`media session ${m}: ${(err as Error).message}`);
    }
  }
  const payload = Buffer.alloc(1000, 0xab);
  payload[0] = 0x10;
  let seq = 0;
  const pump = setInterval(() => {
    for (const e of media) {
      const h = new RtpHeader({ payloadType: e.video.codecs[0].payloadType!, sequenceNumber: seq & 0xffff, timestamp: (seq * 3600) >>> 0, marker: true });
      e.video.sender.sendRtp(new RtpPacket(h, payload)).catch(() => undefined);
      e.tx++;
    }
    seq++;
  }, 40);
  await sleep(HOLD_S * 1000);
  const up = await record(`b${round}: ${held.length} WS + ${media.length} media sessions after ${HOLD_S} s (timeout ${SESSION_TIMEOUT} s)`);
  if (up.sessions !== held.length + media.length) fail(`only ${up.sessions} of ${held.length + media.length} sessions alive at the end of the hold`);
  clearInterval(pump);
  clearInterval(mediaKa);
  held.forEach((h) => clearInterval(h.ka));
  const echoed = media.map((e) => e.rx);
  const sent = media.map((e) => e.tx);
  media.forEach((e, k) => e.rx === 0 && fail(`media session ${k} got no echo`));
  // close: half destroy their session first, half just drop the socket (the server must clean up)
  await Promise.all(
    held.map(async (h, i) => {
      if (i % 2 === 0) await h.conn.call({ janus: 'destroy', session_id: h.session }, 20000).catch(() => undefined);
      await h.conn.close();
    }),
  );
  for (const e of media) {
    await e.pc.close();
    e.janus.close();
  }
  const after = await settledPoint(`b${round}: after closing them (GC)`, baselineFds);
  if (after.sessions !== 0) fail(`${after.sessions} sessions left after phase b`);
  if (after.fds > baselineFds + FD_SLACK) fail(`fds: ${after.fds} after phase b vs ${baselineFds} at baseline`);
  return { after, setupMs, held: held.length, media: media.length, sent: sent.reduce((a, b) => a + b, 0), echoed: echoed.reduce((a, b) => a + b, 0), minEchoedPerPeer: Math.min(...echoed) };
}

// ---- main -----------------------------------------------------------------------------------------

async function snapshot(name: string): Promise<string> {
  const file = path.join(os.tmpdir(), `soak-${process.pid}-${name}.heapsnapshot`);
  await srv.inspector.snapshot(file);
  return file;
}

function printCensusDiff(a: string, b: string, title: string): void {
  const before = heapCensus(a);
  const after = heapCensus(b);
  for (const k of before.keys()) if (!after.has(k)) after.set(k, { count: 0, bytes: 0 });
  const rows = [...after].map(([k, v]) => ({ k, dn: v.count - (before.get(k)?.count ?? 0), dBytes: v.bytes - (before.get(k)?.bytes ?? 0), n: v.count }));
  rows.sort((x, y) => y.dBytes - x.dBytes);
  console.log(`\nHeap: what grew most in bytes (${title})\n| kind | count after | Δcount | Δself bytes |\n|---|---:|---:|---:|`);
  for (const r of rows.slice(0, 12)) console.log(`| ${r.k} | ${r.n} | ${r.dn} | ${r.dBytes} |`);
  // a per-session leftover shows as an object or closure kind growing by about the number of sessions
  const objs = rows.filter((r) => /^(object|closure):/.test(r.k) && r.dn >= 10).sort((x, y) => y.dn - x.dn);
  console.log(objs.length ? `Object/closure kinds up by >= 10: ${objs.slice(0, 12).map((r) => `${r.k} +${r.dn}`).join(', ')}` : 'No object/closure kind grew by 10 or more');
}

async function main(): Promise<number> {
  const logFile = path.join(os.tmpdir(), `soak-server-${process.pid}.log`);
  srv = await startSoakServer({ sessionTimeout: SESSION_TIMEOUT, logFile, debugLevel: num('log-level', 3), env: args.get('server-env')?.split(',') });
  const start = await record('started');
  try {
    await runCycles(0, WARMUP, Date.now() + CYCLE_TIME_S * 1000);
    const base0 = await settledPoint(`warm baseline (after ${WARMUP} cycles, GC)`, start.fds);
    const snapA = HEAP ? await snapshot('baseline') : '';
    // a heap snapshot leaves tens of MB of native memory in the server's RSS: measure the baseline again
    const base = HEAP ? await settledPoint('warm baseline again, after the heap snapshot', start.fds) : base0;
    peak = { rssMb: 0, fds: 0 };
    const run = await runCycles(WARMUP, CYCLES, Date.now() + CYCLE_TIME_S * 1000);
    points.push({ label: `peak during ${CYCLES} cycles`, rssMb: peak.rssMb, heapMb: NaN, fds: peak.fds, sessions: '-' });
    const after = await settledPoint(`after ${CYCLES} cycles (GC)`, base.fds);
    const snapB = HEAP ? await snapshot('after') : '';
    if (HEAP) printCensusDiff(snapA, snapB, 'warm baseline → after the cycles');
    const growth = (100 * (after.rssMb - base.rssMb)) / base.rssMb;
    if (growth > RSS_LIMIT_PCT) fail(`RSS after the cycles ${after.rssMb.toFixed(1)} MB is ${growth.toFixed(1)} % above the warm baseline ${base.rssMb.toFixed(1)} MB`);
    if (after.sessions !== 0) fail(`${after.sessions} sessions left after the cycles`);
    if (after.fds > base.fds + FD_SLACK) fail(`fds: ${after.fds} after the cycles vs ${base.fds} at baseline`);
    // phase b in rounds: the first one also compiles the media path (V8 code, not a leak), so
    // later rounds are compared with the first
    const bs: Array<Awaited<ReturnType<typeof phaseB>>> = [];
    let snapPrev = snapB;
    for (let round = 1; WS_SESSIONS > 0 && round <= B_ROUNDS; round++) {
      peak = { rssMb: 0, fds: 0 };
      const b = await phaseB(base.fds, round);
      points.splice(points.length - 1, 0, { label: `b${round}: peak`, rssMb: peak.rssMb, heapMb: NaN, fds: peak.fds, sessions: '-' });
      if (HEAP) {
        const snap = await snapshot(`after-b${round}`);
        printCensusDiff(snapPrev, snap, `before → after phase b round ${round}`);
        snapPrev = snap;
      }
      bs.push(b);
    }
    const bGrowth = bs.length > 1 ? (100 * (bs[bs.length - 1].after.rssMb - bs[0].after.rssMb)) / bs[0].after.rssMb : NaN;
    if (bGrowth > RSS_LIMIT_PCT) fail(`RSS after phase b round ${bs.length} is ${bGrowth.toFixed(1)} % above round 1`);
    console.log(`\nSoak: ${run.done}/${CYCLES} cycles in ${(run.ms / 1000).toFixed(1)} s (${Math.round((run.done * 1000) / run.ms)} cycles/s, ${CONCURRENCY} in flight), node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    console.log('\n| point | RSS MB | V8 heap used / total MB | external MB | open fds | sessions |\n|---|---:|---:|---:|---:|---:|');
    for (const p of points) console.log(`| ${p.label} | ${p.rssMb.toFixed(1)} | ${Number.isNaN(p.heapMb) ? '-' : `${p.heapMb.toFixed(1)} / ${p.heapTotalMb!.toFixed(1)}`} | ${p.externalMb?.toFixed(1) ?? '-'} | ${p.fds} | ${p.sessions} |`);
    console.log(`\nRSS after the cycles vs warm baseline: ${growth >= 0 ? '+' : ''}${growth.toFixed(1)} % (limit ${RSS_LIMIT_PCT} %)`);
    if (bs.length > 1) console.log(`RSS after the last phase b round vs the first: ${bGrowth >= 0 ? '+' : ''}${bGrowth.toFixed(1)} % (limit ${RSS_LIMIT_PCT} %)`);
    bs.forEach((b, k) => console.log(`Phase b round ${k + 1}: ${JSON.stringify({ ...b, after: undefined })}`));
  } finally {
    clearInterval(sampler);
    await srv.stop();
  }
  // at the default level 3 the log holds only warnings and errors
  const lines = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').filter((l) => l.trim()).length : 0;
  console.log(`Server log ${logFile} (level ${num('log-level', 3)}): ${lines} lines`);
  console.log(failures.length ? `\nFAILED (${failures.length}):\n${failures.slice(0, 20).join('\n')}` : '\nPASSED');
  return failures.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
