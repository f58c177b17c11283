import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { safeEqual } from '../auth';
import type { MetricsSettings } from '../config/settings';
import type { JanusMetrics } from './janus-metrics';

/**
 * The operations listener: `path` (Prometheus text), `/healthz` (the process answers) and
 * `/readyz` (200 when ready for new users, 503 with the reasons otherwise), optionally behind
 * basic auth. Only GET/HEAD; nothing here changes state.
 */
export class MetricsEndpoint {
  private server?: http.Server;

  constructor(
    private readonly cfg: MetricsSettings,
    private readonly metrics: JanusMetrics,
    private readonly log: { error(o: unknown, m?: string): void; info(o: unknown, m?: string): void },
  ) {}

  async start(): Promise<number> {
    const server = http.createServer((req, res) => {
      this.serve(req, res).catch((err) => {
        this.log.error({ err }, 'Metrics request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    server.keepAliveTimeout = 65_000; // longer than Prometheus's idle connection reuse
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.cfg.port, this.cfg.ip, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const port = (server.address() as AddressInfo).port;
    this.log.info({ ip: this.cfg.ip, port, path: this.cfg.path }, 'Metrics endpoint listening');
    return port;
  }

  private authorised(req: http.IncomingMessage): boolean {
    const { username, password } = this.cfg;
    if (!username && !password) return true;
    const m = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return false;
    const text = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return false;
    return safeEqual(text.slice(0, colon), username ?? '') && safeEqual(text.slice(colon + 1), password ?? '');
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!this.authorised(req)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="janus-ts metrics"' }).end();
      return;
    }
    if (path === this.cfg.path) {
      const body = await this.metrics.render();
      res.writeHead(200, { 'content-type': this.metrics.contentType }).end(req.method === 'HEAD' ? undefined : body);
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const r = await this.metrics.readiness();
      res.writeHead(r.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready: r.ready, problems: r.problems }));
    } else {
      res.writeHead(404).end();
    }
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
