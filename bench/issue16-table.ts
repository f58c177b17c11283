/**
 * Prints the issue-16 tables from the JSON lines `videoroom-fanout.js --json FILE` wrote during
 * `bench/run-issue16.sh`: the join storm (N=100, every repetition, each server), and the capacity
 * sweeps with the largest N that kept >= 99.9 % delivery and p99 <= 100 ms, per configuration.
 *
 *   node dist/bench/issue16-table.js FILE.jsonl
 */
import * as fs from 'node:fs';

interface Row {
  label: string;
  client: string;
  n: number;
  joined: number;
  joinSecs: number;
  mainUtil: number | null;
  workerUtil: number | null;
  maxDelay: number | null;
  failed: number;
  silent: number;
  cpuPerPkt: number | null;
  kernelPerPkt?: number | null;
  clientCpuPerPkt: number | null;
  delivery: number;
  p50: number | null;
  p99: number | null;
  rss: number;
  cpuPct: number;
  busy: number;
}

const DELIVERY_MIN = 0.999;
const P99_MAX_MS = 100;

const f = (x: number | null | undefined, d = 1) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '-');
const pct = (x: number | null | undefined, d = 0) => (typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(d)} %` : '-');
const range = (xs: Array<number | null>, d = 1, scale = 1) => {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).map((x) => x * scale);
  if (v.length === 0) return '-';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo === hi ? lo.toFixed(d) : `${lo.toFixed(d)}-${hi.toFixed(d)}`;
};

function main(): void {
  const file = process.argv[2];
  if (!file) throw new Error('usage: issue16-table.js FILE.jsonl');
  const rows = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row & { phase?: string });
  const storm = rows.filter((r) => r.label.includes('[storm'));
  const sweep = rows.filter((r) => r.label.includes('[capacity]'));
  const labels = (rs: Row[]) => [...new Set(rs.map((r) => r.label))];

  if (storm.length) {
    console.log('\n### Join storm: N subscribers (4 at a time) joined and receiving, then a measuring window\n');
    console.log('| server | N | join s (joined + first packet) | failed / silent | server µs / delivered pkt (kernel) | delivery | p50 / p99 ms | main loop util | worker loop util | max loop delay ms | client µs / pkt | machine busy |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const r of storm) {
      console.log(
        `| ${r.label.replace(' [storm]', '').replace(' [storm, quiet]', ', publisher paused while joining').replace(' [storm, quiet]', ', publisher paused while joining')} | ${r.n} | ${f(r.joinSecs)} | ${r.failed} / ${r.silent} | ${f(r.cpuPerPkt)} (${f(r.kernelPerPkt ?? null)}) | ${pct(r.delivery, 2)} | ${f(r.p50)} / ${f(r.p99)} | ${pct(r.mainUtil)} | ${pct(r.workerUtil)} | ${f(r.maxDelay, 0)} | ${f(r.clientCpuPerPkt)} | ${pct(r.busy)} |`,
      );
    }
    console.log('\nSummary (range over the repetitions):\n');
    console.log('| server | N | runs | join s | server µs / pkt (kernel) | delivery % | p99 ms | main loop util % | max loop delay ms | machine busy % |');
    console.log('|---|---|---|---|---|---|---|---|---|---|');
    for (const l of labels(storm)) {
      for (const n of [...new Set(storm.filter((r) => r.label === l).map((r) => r.n))]) {
        const rs = storm.filter((r) => r.label === l && r.n === n);
        console.log(
          `| ${l.replace(' [storm]', '').replace(' [storm, quiet]', ', publisher paused while joining')} | ${n} | ${rs.length} | ${range(rs.map((r) => r.joinSecs))} | ${range(rs.map((r) => r.cpuPerPkt))} (${range(rs.map((r) => r.kernelPerPkt ?? null))}) | ${range(rs.map((r) => r.delivery), 2, 100)} | ${range(rs.map((r) => r.p99))} | ${range(rs.map((r) => r.mainUtil), 0, 100)} | ${range(rs.map((r) => r.maxDelay), 0)} | ${range(rs.map((r) => r.busy), 0, 100)} |`,
        );
      }
    }
  }

  if (sweep.length) {
    console.log(`\n### Capacity: subscribers added step by step; a step passes with >= ${DELIVERY_MIN * 100} % delivery and p99 <= ${P99_MAX_MS} ms\n`);
    console.log('| server | N | joined in step | join s | failed / silent | server µs / pkt | server CPU % | delivery | p50 / p99 ms | main / worker loop util | max loop delay ms | client µs / pkt | machine busy | pass |');
    console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    const best = new Map<string, { n: number; busy: number } | undefined>();
    for (const l of labels(sweep)) {
      let ok: { n: number; busy: number } | undefined;
      let broken = false;
      for (const r of sweep.filter((x) => x.label === l)) {
        const pass = r.delivery >= DELIVERY_MIN && typeof r.p99 === 'number' && r.p99 <= P99_MAX_MS && r.failed === 0;
        // the largest N of the unbroken run of passing steps from the start
        if (pass && !broken) ok = { n: r.n, busy: r.busy };
        if (!pass) broken = true;
        console.log(
          `| ${l.replace(' [capacity]', '')} | ${r.n} | ${r.joined} | ${f(r.joinSecs)} | ${r.failed} / ${r.silent} | ${f(r.cpuPerPkt)} | ${f(r.cpuPct, 0)} | ${pct(r.delivery, 2)} | ${f(r.p50)} / ${f(r.p99)} | ${pct(r.mainUtil)} / ${pct(r.workerUtil)} | ${f(r.maxDelay, 0)} | ${f(r.clientCpuPerPkt)} | ${pct(r.busy)} | ${pass ? 'yes' : 'no'} |`,
        );
      }
      best.set(l, ok);
    }
    console.log('\n| server | largest N passing | machine busy at that N | largest N joined, failed subscribers there |');
    console.log('|---|---|---|---|');
    for (const [l, ok] of best) {
      const last = sweep.filter((x) => x.label === l).at(-1)!;
      console.log(`| ${l.replace(' [capacity]', '')} | ${ok ? ok.n : '< first step'} | ${ok ? pct(ok.busy) : '-'} | ${last.n}, ${last.failed} failed |`);
    }
  }
}

main();
