/**
 * Where a `--cpu-prof` profile's time went: self time per function (top K) and per area, an area
 * being the first rule in AREAS that matches the function's file or name. Several profiles (the
 * main thread and the media workers of one run) can be given at once; each is printed, then the
 * sum. Optionally only a time slice of each profile (--from/--to, seconds from its start).
 *
 *   node dist/bench/cpuprofile-top.js [--top 25] [--from S] [--to S] FILE.cpuprofile...
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Areas of a janus-ts / werift process, first match wins (file path, then function name). */
const AREAS: Array<[string, RegExp]> = [
  ['idle', /^\(idle\)$/],
  ['GC', /^\(garbage collector\)$/],
  ['program (native, unattributed)', /^\(program\)$/],
  ['DTLS handshake (werift dtls: flights, records, crypto)', /werift\/lib\/dtls\//],
  ['ICE / STUN (werift ice)', /werift\/lib\/(ice|ice-server)\//],
  ['SCTP / data channels', /werift\/lib\/sctp\//],
  ['SDP (werift sdp, our sdp-*.ts, jsep)', /werift\/lib\/webrtc\/src\/sdp|core\/media\/(sdp-|jsep-)/],
  ['werift RTP/RTCP/SRTP objects', /werift\/lib\/(rtp|common)\//],
  ['werift PeerConnection, transceivers, other', /werift\/lib\//],
  ['our relay path (rtp-out, peer, stream, rings)', /core\/media\/(rtp-out|peer|stream|twcc|rtcp-build|link-quality)|core\/media-workers\//],
  ['our media adapter / guards', /core\/media\//],
  ['VideoRoom plugin', /plugins\/videoroom\//],
  ['Janus API, sessions, transports', /core\/|transports\//],
  ['bench client code', /dist\/bench\//],
  ['node: dgram / net / streams', /node:(dgram|net|internal\/dgram|internal\/stream|internal\/net)|^(send|onMessage)$/],
  ['node: crypto', /node:(internal\/)?crypto|Cipher|Hmac|Decipher/],
  ['node: other internals', /^node:/],
  ['other', /.*/],
];

function areaOf(n: Node): string {
  const f = n.callFrame;
  for (const [name, re] of AREAS) if (re.test(f.url) || (f.url === '' && re.test(f.functionName))) return name;
  return 'other';
}

function analyse(p: Profile, from: number, to: number): { byFn: Map<string, number>; byArea: Map<string, number>; total: number } {
  const byId = new Map<number, Node>();
  for (const n of p.nodes) byId.set(n.id, n);
  const byFn = new Map<string, number>();
  const byArea = new Map<string, number>();
  let t = 0;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    const s = t / 1e6;
    if (s < from || s > to) continue;
    const dt = p.timeDeltas[i + 1] ?? 0;
    const n = byId.get(p.samples[i])!;
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url ? path.basename(f.url) + ':' + (f.lineNumber + 1) : ''}`;
    byFn.set(key, (byFn.get(key) ?? 0) + dt);
    const a = areaOf(n);
    byArea.set(a, (byArea.get(a) ?? 0) + dt);
    total += dt;
  }
  return { byFn, byArea, total };
}

function print(title: string, byArea: Map<string, number>, byFn: Map<string, number>, total: number, top: number): void {
  const idle = byArea.get('idle') ?? 0;
  const busy = total - idle;
  console.log(`\n## ${title}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (${((busy / Math.max(1, total)) * 100).toFixed(0)} %)\n`);
  console.log('| area | busy s | share of busy |');
  console.log('|---|---|---|');
  for (const [a, v] of [...byArea].filter(([a]) => a !== 'idle').sort((x, y) => y[1] - x[1])) {
    console.log(`| ${a} | ${(v / 1e6).toFixed(2)} | ${((v / Math.max(1, busy)) * 100).toFixed(1)} % |`);
  }
  console.log(`\n| top functions (self) | ms | share of busy |\n|---|---|---|`);
  for (const [k, v] of [...byFn].filter(([k]) => !k.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, top)) {
    console.log(`| \`${k.trim()}\` | ${(v / 1e3).toFixed(0)} | ${((v / Math.max(1, busy)) * 100).toFixed(1)} % |`);
  }
}

function main(): void {
  const argv = process.argv.slice(2);
  let top = 25;
  let from = 0;
  let to = Infinity;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--top') top = Number(argv[++i]);
    else if (argv[i] === '--from') from = Number(argv[++i]);
    else if (argv[i] === '--to') to = Number(argv[++i]);
    else files.push(argv[i]);
  }
  if (files.length === 0) throw new Error('usage: cpuprofile-top.js [--top K] [--from S] [--to S] FILE.cpuprofile...');
  const sumFn = new Map<string, number>();
  const sumArea = new Map<string, number>();
  let sumTotal = 0;
  for (const f of files) {
    const r = analyse(JSON.parse(fs.readFileSync(f, 'utf8')) as Profile, from, to);
    if (files.length > 1) print(path.basename(f), r.byArea, r.byFn, r.total, Math.min(top, 10));
    for (const [k, v] of r.byFn) sumFn.set(k, (sumFn.get(k) ?? 0) + v);
    for (const [k, v] of r.byArea) sumArea.set(k, (sumArea.get(k) ?? 0) + v);
    sumTotal += r.total;
  }
  print(files.length > 1 ? `all ${files.length} profiles` : path.basename(files[0]), sumArea, sumFn, sumTotal, top);
}

main();
