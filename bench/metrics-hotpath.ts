/**
 * Hot-path cost of metrics: what one increment costs per packet/request, and whether it
 * allocates (garbage collections observed during the loop; a scavenge means allocation).
 *
 *   npx tsc -p . && node dist/bench/metrics-hotpath.js [iterations]
 *
 * Compared: a plain field `++` (what the media stack's stream counters do; the metrics endpoint
 * reads them at scrape time, so this is all a packet pays), our HotCounter/HotHistogram slots,
 * JanusMetrics.requestDone (per API request), and prom-client's own label-object API.
 */
import 'reflect-metadata';
import { PerformanceObserver } from 'node:perf_hooks';
import { Counter, Histogram, Registry } from 'prom-client';
import { HotCounter, HotHistogram } from '../core/metrics/hot';
import { JanusMetrics } from '../core/metrics/janus-metrics';
import { emptySnapshot } from '../core/metrics/media-snapshot';

const N = Number(process.argv[2] ?? 5_000_000);
let gcs = 0;
new PerformanceObserver((list) => (gcs += list.getEntries().length)).observe({ entryTypes: ['gc'] });

/** `loop(n)` runs the operation n times in its own loop (so each row has its own monomorphic call site). */
async function measure(name: string, loop: (n: number) => void): Promise<{ name: string; ns: number; gcs: number }> {
  loop(200_000); // warm-up (JIT, slots created)
  await new Promise((r) => setTimeout(r, 20)); // let pending GC entries be delivered
  const before = gcs;
  const t = process.hrtime.bigint();
  loop(N);
  const ns = Number(process.hrtime.bigint() - t) / N;
  await new Promise((r) => setTimeout(r, 20));
  return { name, ns, gcs: gcs - before };
}

async function main(): Promise<void> {
  const reg = new Registry();
  const stream = { out: { packets: 0, bytes: 0, bytesSec: 0 } };
  const hot = new HotCounter(reg, 'bench_hot_total', 'x', ['kind', 'direction']);
  const slot = hot.slot('video', 'out');
  const hist = new HotHistogram(reg, 'bench_hot_seconds', 'x', ['verb'], [0.001, 0.01, 0.1, 1]);
  const hslot = hist.slot('message');
  const prom = new Counter({ name: 'bench_prom_total', help: 'x', labelNames: ['kind', 'direction'], registers: [reg] });
  const promChild = prom.labels('video', 'out');
  const labels = { kind: 'video', direction: 'out' };
  const promHist = new Histogram({ name: 'bench_prom_seconds', help: 'x', labelNames: ['verb'], buckets: [0.001, 0.01, 0.1, 1], registers: [reg] });
  const media = { metrics: () => emptySnapshot() };
  const sessions = { size: 0, ids: () => [], get: () => undefined };
  const modules = { transports: new Map(), plugins: new Map(), eventHandlers: new Map(), plugin: () => undefined };
  const jm = new JanusMetrics(sessions as never, modules as never, media as never);

  const rows = [
    await measure('plain field ++ x3 (media stream counters, read at scrape)', (n) => {
      for (let i = 0; i < n; i++) {
        stream.out.packets++;
        stream.out.bytes += 1200;
        stream.out.bytesSec += 1200;
      }
    }),
    await measure('HotCounter.inc(slot)', (n) => {
      for (let i = 0; i < n; i++) hot.inc(slot);
    }),
    await measure('HotHistogram.observe(slot, x)', (n) => {
      for (let i = 0; i < n; i++) hist.observe(hslot, (i & 1023) / 10000);
    }),
    await measure('JanusMetrics.requestDone (counter + latency histogram, per API request)', (n) => {
      for (let i = 0; i < n; i++) jm.requestDone(false, 'janus.transport.websockets', 'message', i & 1 ? 'ack' : 'success', 0.0004);
    }),
    await measure('prom-client counter.labels(...) child .inc()', (n) => {
      for (let i = 0; i < n; i++) promChild.inc();
    }),
    await measure('prom-client counter.inc({labels})', (n) => {
      for (let i = 0; i < n; i++) prom.inc(labels);
    }),
    await measure('prom-client histogram.observe({labels}, x)', (n) => {
      for (let i = 0; i < n; i++) promHist.observe({ verb: 'message' }, (i & 1023) / 10000);
    }),
  ];
  const t = process.hrtime.bigint();
  const scrapes = 200;
  for (let i = 0; i < scrapes; i++) await jm.render();
  const scrapeMs = Number(process.hrtime.bigint() - t) / 1e6 / scrapes;
  jm.stop();

  console.log(`iterations per row: ${N}; Node ${process.version}`);
  console.log('| operation | ns per call | GCs during the loop |');
  console.log('|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.ns.toFixed(1)} | ${r.gcs} |`);
  console.log(`\nscrape (JanusMetrics.render, no live peers, no default metrics): ${scrapeMs.toFixed(2)} ms`);
  const worst = rows.slice(1, 3).reduce((a, r) => Math.max(a, r.ns), 0);
  console.log(`per-packet-capable operations (HotCounter, HotHistogram): worst ${worst.toFixed(1)} ns (limit 100 ns)`);
  process.exitCode = worst <= 100 ? 0 : 1;
}

void main();
