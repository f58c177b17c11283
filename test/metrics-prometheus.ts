import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from './support/ports';
import { sleep } from './support/wait';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

type Sample = { metric: Record<string, string>; value: [number, string] };

/**
 * A real Prometheus server (Debian's `prometheus`) for a test: loopback only, a temporary TSDB,
 * scraping one janus-ts metrics endpoint every second. Stopped by its PID.
 */
export class TestPrometheus {
  private constructor(
    private readonly proc: ChildProcess,
    private readonly folder: string,
    readonly url: string,
    readonly output: string[],
  ) {}

  static async start(target: { port: number; path?: string; basicAuth?: { username: string; password: string } }): Promise<TestPrometheus> {
    const webPort = await freePort();
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-prom-'));
    const auth = target.basicAuth
      ? `    basic_auth:\n      username: ${target.basicAuth.username}\n      password: ${target.basicAuth.password}\n`
      : '';
    fs.writeFileSync(
      path.join(folder, 'prometheus.yml'),
      'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n' +
        'scrape_configs:\n  - job_name: janus\n    scrape_interval: 1s\n    scrape_timeout: 900ms\n' +
        `    metrics_path: ${target.path ?? '/metrics'}\n${auth}` +
        `    static_configs:\n      - targets: ['127.0.0.1:${target.port}']\n`,
    );
    const proc = spawn(PROMETHEUS_BIN, [
      `--config.file=${path.join(folder, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(folder, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    proc.stdout!.on('data', (d) => output.push(String(d)));
    proc.stderr!.on('data', (d) => output.push(String(d)));
    const p = new TestPrometheus(proc, folder, `http://127.0.0.1:${webPort}`, output);
    const end = Date.now() + 20000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`prometheus exited: ${output.join('')}`);
      try {
        if ((await fetch(`${p.url}/-/ready`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > end) throw new Error(`prometheus not ready: ${output.join('')}`);
      await sleep(200);
    }
    return p;
  }

  /** An instant PromQL query: the result vector. */
  async query(promql: string): Promise<Sample[]> {
    const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await res.json()) as { status: string; data?: { resultType: string; result: Sample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
    return body.data!.result;
  }

  /** The single value of a query (sum it in PromQL when there are several series); NaN when empty. */
  async value(promql: string): Promise<number> {
    const r = await this.query(promql);
    return r.length ? Number(r[0].value[1]) : NaN;
  }

  /** Poll a query until `pred` holds on its value (Prometheus scrapes every second). */
  async until(promql: string, pred: (v: number) => boolean, ms = 20000): Promise<number> {
    const end = Date.now() + ms;
    let v = NaN;
    while (Date.now() < end) {
      v = await this.value(promql);
      if (pred(v)) return v;
      await sleep(500);
    }
    return v;
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode === null && this.proc.pid) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      process.kill(this.proc.pid, 'SIGTERM');
      await Promise.race([exited, sleep(10000)]);
      if (this.proc.exitCode === null) process.kill(this.proc.pid, 'SIGKILL');
    }
    fs.rmSync(this.folder, { recursive: true, force: true });
  }
}

export function hasPrometheus(): boolean {
  return fs.existsSync(PROMETHEUS_BIN);
}
