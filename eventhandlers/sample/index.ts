import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';
import type { ConfigView, JanusEvent, JsonObject, ModuleInfo, ParamSpec } from '../../core/plugin-api';
import { QueuedEventHandler, queryError } from '../common/queued-handler';

/** Janus's libcurl timeout for one POST. */
const REQUEST_TIMEOUT_MS = 10_000;
/** Ceiling of the retry delay (Janus has none; 100 ms × 2^n grows past a minute after 10 tries). */
const BACKOFF_MAX_MS = 60_000;

/**
 * Janus's sample event handler: every event (or group of up to 100) as an HTTP POST of JSON to
 * `backend`. As Janus, only a transport failure (refused, reset, timeout) counts as a failure and
 * is retried `max_retransmissions` times with `retransmissions_backoff × 2^n` ms between tries,
 * holding back newer events meanwhile; the HTTP status is not checked, but non-2xx answers are
 * counted and logged so they are not lost silently.
 */
export default class SampleEventHandler extends QueuedEventHandler {
  readonly info: ModuleInfo = {
    package: 'janus.eventhandler.sampleevh',
    name: 'JANUS SampleEventHandler plugin',
    author: 'janus-ts',
    description: 'Forwards events to a web server as HTTP POST requests with a JSON body.',
    version: 1,
    versionString: '0.0.1',
  };
  protected readonly ownKeys = ['compress', 'compression', 'backend', 'backend_user', 'backend_pwd', 'max_retransmissions', 'retransmissions_backoff'];
  private backend!: URL;
  private auth?: string;
  private compress = false;
  private compression = 6;
  private readonly agents = { http: new http.Agent({ keepAlive: true, maxSockets: 1 }), https: new https.Agent({ keepAlive: true, maxSockets: 1 }) };
  /** Answers that were not 2xx: Janus ignores the status; we count and log them. */
  private httpErrors = 0;

  protected configure(c: ConfigView): boolean {
    const backend = c.getString('general', 'backend');
    const url = backend ? parseBackend(backend) : undefined;
    if (!url) {
      this.log.error({ backend }, 'Missing or invalid backend (an http:// or https:// URL), sample event handler disabled');
      return false;
    }
    this.backend = url;
    this.setAuth(c.getString('general', 'backend_user'), c.getString('general', 'backend_pwd'));
    this.compress = c.getBool('general', 'compress', false);
    this.compression = clampLevel(c.getInt('general', 'compression') ?? 6);
    return true;
  }

  protected retryPolicy(c: ConfigView) {
    let max = c.getInt('general', 'max_retransmissions') ?? 5;
    if (max < 0) max = 0;
    let step = c.getInt('general', 'retransmissions_backoff') ?? 100;
    if (step <= 0) {
      this.log.warn({ retransmissions_backoff: step }, 'retransmissions_backoff must be > 0, using 100');
      step = 100;
    }
    return { maxRetransmissions: max, backoffMs: step, backoffMaxMs: BACKOFF_MAX_MS };
  }

  protected start(): void {}

  protected stop(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  protected sendBatch(batch: JanusEvent[]): Promise<void> {
    let body: Buffer = Buffer.from(this.format(batch));
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': 'application/json', Accept: '*/*' };
    if (this.compress) {
      body = zlib.gzipSync(body, { level: this.compression });
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = body.length;
    if (this.auth) headers.Authorization = this.auth;
    const url = this.backend;
    const secure = url.protocol === 'https:';
    return new Promise<void>((resolve, reject) => {
      const req = (secure ? https : http).request(url, {
        method: 'POST',
        headers,
        agent: secure ? this.agents.https : this.agents.http,
        timeout: REQUEST_TIMEOUT_MS,
      }, (res) => {
        res.resume(); // body ignored, as Janus
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) {
            const n = ++this.httpErrors;
            if (n % 100 === 1) this.log.warn({ status, count: n }, 'Backend answered with an error status (not retried, as Janus)');
          }
          resolve();
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('backend request timed out')));
      req.on('error', reject);
      req.end(body);
    });
  }

  override handleRequest(request: unknown): JsonObject {
    const r = super.handleRequest(request);
    if (r.stats) (r.stats as JsonObject).http_errors = this.httpErrors;
    return r;
  }

  protected override tweakParams(): ParamSpec[] {
    return [
      { name: 'compress', type: 'boolean' },
      { name: 'compression', type: 'positiveInteger' },
      { name: 'backend', type: 'string' },
      { name: 'backend_user', type: 'string' },
      { name: 'backend_pwd', type: 'string' },
      { name: 'max_retransmissions', type: 'positiveInteger' },
      { name: 'retransmissions_backoff', type: 'positiveInteger' },
    ];
  }

  protected override checkTweak(req: JsonObject): JsonObject | undefined {
    if (typeof req.backend === 'string' && !parseBackend(req.backend)) return queryError(413, `Invalid HTTP URI '${req.backend}'`);
    if (req.retransmissions_backoff === 0) return queryError(413, 'Invalid retransmissions_backoff (must be > 0)');
    return undefined;
  }

  protected override applyTweak(req: JsonObject): void {
    if (typeof req.compress === 'boolean') this.compress = req.compress;
    if (typeof req.compression === 'number') this.compression = clampLevel(req.compression);
    if (typeof req.backend === 'string') this.backend = parseBackend(req.backend)!;
    if (typeof req.backend_user === 'string' || typeof req.backend_pwd === 'string') {
      this.setAuth(
        typeof req.backend_user === 'string' ? req.backend_user : this.user,
        typeof req.backend_pwd === 'string' ? req.backend_pwd : this.pwd,
      );
    }
    if (typeof req.max_retransmissions === 'number') this.delivery.tune({ maxRetransmissions: req.max_retransmissions });
    if (typeof req.retransmissions_backoff === 'number') this.delivery.tune({ backoffMs: req.retransmissions_backoff });
  }

  private user?: string;
  private pwd?: string;
  private setAuth(user: string | undefined, pwd: string | undefined): void {
    this.user = user;
    this.pwd = pwd;
    this.auth = user !== undefined && pwd !== undefined ? `Basic ${Buffer.from(`${user}:${pwd}`).toString('base64')}` : undefined;
  }
}

/** Janus accepts any backend that starts with "http" (http:// or https://). */
function parseBackend(s: string): URL | undefined {
  if (!s.startsWith('http')) return undefined;
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

function clampLevel(n: number): number {
  return Math.max(1, Math.min(9, Math.trunc(n)));
}
