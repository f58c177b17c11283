import type { Registry } from 'prom-client';

type Labels = Record<string, string>;
type Value = { labels: Labels; value: number; metricName?: string };

/**
 * Counters and histograms for hot paths. prom-client's `inc({labels})` hashes the label object on
 * every call (a string and an object per increment); here a label set is resolved once to a slot
 * number and an increment is one typed-array add (see bench/metrics-hotpath.ts). Label strings
 * are only formatted at scrape time. Registered into a prom-client registry as custom metrics.
 */
abstract class HotMetric {
  protected readonly labelSets: Labels[] = [];
  private readonly index = new Map<string, number>();
  /** Called at scrape time, before the values are read (to fill snapshot metrics). */
  collect?: () => void | Promise<void>;
  readonly aggregator = 'sum';

  constructor(
    registry: Registry,
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {
    registry.registerMetric(this as never);
  }

  /** The slot of one label-value set (values in `labelNames` order). Set-up time, not per packet. */
  slot(...values: string[]): number {
    const key = values.join('\u0000');
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.labelSets.length;
      const labels: Labels = {};
      this.labelNames.forEach((n, j) => (labels[n] = values[j] ?? ''));
      this.labelSets.push(labels);
      this.index.set(key, i);
      this.grow(this.labelSets.length);
    }
    return i;
  }

  protected abstract grow(slots: number): void;
  protected abstract values(): Value[];

  async get(): Promise<{ name: string; help: string; type: string; values: Value[]; aggregator: string }> {
    if (this.collect) await this.collect();
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }
}

/** A counter (or gauge) whose label sets are slots: `inc(slot)` allocates nothing. */
export class HotCounter extends HotMetric {
  private v = new Float64Array(8);

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[] = [], type: 'counter' | 'gauge' = 'counter') {
    super(registry, name, help, labelNames, type);
    if (labelNames.length === 0) this.slot();
  }

  inc(slot: number, n = 1): void {
    this.v[slot] += n;
  }

  /** Gauges, and counters mirrored from a cumulative source at scrape time. */
  set(slot: number, n: number): void {
    this.v[slot] = n;
  }

  value(slot: number): number {
    return this.v[slot];
  }

  protected grow(slots: number): void {
    if (slots <= this.v.length) return;
    const n = new Float64Array(this.v.length * 2);
    n.set(this.v);
    this.v = n;
  }

  protected values(): Value[] {
    return this.labelSets.map((labels, i) => ({ labels, value: this.v[i] }));
  }
}

/** A histogram with fixed buckets; `observe(slot, x)` allocates nothing. */
export class HotHistogram extends HotMetric {
  private counts = new Float64Array(0);
  private sums = new Float64Array(0);
  private readonly width: number;

  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[], readonly buckets: readonly number[]) {
    super(registry, name, help, labelNames, 'histogram');
    this.width = buckets.length + 1; // + the +Inf bucket
    if (labelNames.length === 0) this.slot();
  }

  observe(slot: number, x: number): void {
    const b = this.buckets;
    let i = 0;
    while (i < b.length && x > b[i]) i++;
    this.counts[slot * this.width + i]++;
    this.sums[slot] += x;
  }

  /** Snapshot histograms: emptied before each scrape's `collect` refills them. */
  reset(): void {
    this.counts.fill(0);
    this.sums.fill(0);
  }

  protected grow(slots: number): void {
    if (slots * this.width <= this.counts.length) return;
    const cap = Math.max(8, slots * 2);
    const c = new Float64Array(cap * this.width);
    c.set(this.counts);
    const s = new Float64Array(cap);
    s.set(this.sums);
    this.counts = c;
    this.sums = s;
  }

  protected values(): Value[] {
    const out: Value[] = [];
    this.labelSets.forEach((labels, slot) => {
      let acc = 0;
      for (let i = 0; i < this.width; i++) {
        acc += this.counts[slot * this.width + i];
        const le = i < this.buckets.length ? String(this.buckets[i]) : '+Inf';
        out.push({ labels: { ...labels, le }, value: acc, metricName: `${this.name}_bucket` });
      }
      out.push({ labels, value: this.sums[slot], metricName: `${this.name}_sum` });
      out.push({ labels, value: acc, metricName: `${this.name}_count` });
    });
    return out;
  }
}
