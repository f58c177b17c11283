import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import {
  PLUGIN_API_VERSION,
  newTransportInstanceId,
  formatJsonChecked,
  isJsonObject,
  parseJsonStyle,
  parseRequestJson,
  parsePathId,
  boundedInt,
  type JanusMessage,
  type JsonObject,
  type JsonStyle,
  type ModuleInfo,
  type Transport,
  type TransportClient,
  type TransportContext,
  type TransportGateway,
} from '../../core/plugin-api';
import { aclAllows, bindAddress, closeServer, listen } from '../common/listen';
import { loadTls } from '../common/tls';
import { LongPollQueues } from './long-poll';
import { StaticFiles } from './static-files';

const known = {
  general: ['events', 'json', 'base_path', 'http', 'port', 'interface', 'ip', 'https', 'secure_port', 'secure_interface',
    'secure_ip', 'acl', 'acl_forwarded', 'admin_acl_forwarded', 'mhd_connection_limit', 'mhd_debug', 'max_body_size', 'demos_folder'],
  admin: ['admin_base_path', 'admin_http', 'admin_port', 'admin_interface', 'admin_ip', 'admin_https', 'admin_secure_port',
    'admin_secure_interface', 'admin_secure_ip', 'admin_acl', 'admin_acl_forwarded'],
  cors: ['allow_origin', 'enforce_cors'],
  certificates: ['cert_pem', 'cert_key', 'cert_pwd', 'ciphers'],
};

/** After a 413, how long the half-closed socket stays before it is dropped (nothing more is read). */
const LINGER_MS = 2000;

/** Most events one long poll returns (`maxev`), whatever the client asks. */
const MAX_EVENTS_PER_POLL = 1000;

/** A POST whose reply takes longer than this gets its connection closed with no body (as Janus). */
const REPLY_TIMEOUT_MS = 10_000;

interface Listener {
  server: http.Server;
  sockets: Set<net.Socket>;
  admin: boolean;
  secure: boolean;
}

/** Janus REST API over HTTP(S): REST paths, long-poll GETs, CORS, and the Admin API on its own port. */
export default class HttpTransport implements Transport {
  readonly kind = 'transport' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info: ModuleInfo = {
    package: 'janus.transport.http',
    name: 'JANUS REST (HTTP/HTTPS) transport plugin',
    author: 'janus-ts',
    description: 'This transport plugin adds REST (HTTP/HTTPS) support to the Janus API.',
    version: 2,
    versionString: '0.0.2',
  };

  private gateway!: TransportGateway;
  private log!: TransportContext['logger'];
  private json: JsonStyle = 'indented';
  private events = true;
  private basePath = '/janus';
  /** `demos_folder`: static demo pages on the Janus API listener (off unless configured). */
  private demos?: StaticFiles;
  private adminBasePath = '/admin';
  private acl: string[] = [];
  private adminAcl: string[] = [];
  private allowOrigin?: string;
  private enforceCors = false;
  private maxBody = 16 * 1024 * 1024;
  private readonly listeners: Listener[] = [];
  private readonly queues = new LongPollQueues();
  /** Owner of every session created over HTTP (events go to its per-session queues). */
  private readonly client: TransportClient;
  private readonly adminClient: TransportClient;
  /**
   * Transport instance id per HTTP request (Janus has one transport session per request): the
   * `id` of its `request` event and of the sessions it creates. Sessions stay owned by `client`.
   */
  private readonly requestIds = new WeakMap<http.IncomingMessage, string>();

  constructor() {
    const queues = this.queues;
    this.client = {
      transport: this,
      sendEvent: (m) => {
        if (typeof m.session_id === 'number' && !queues.push(m.session_id, m)) {
          this.log?.debug({ session: m.session_id }, 'Event for a session without a queue dropped');
        }
      },
      sessionCreated: (id) => queues.open(id),
      sessionClaimed: (id) => queues.open(id),
      sessionOver: (id) => queues.close(id),
    };
    this.adminClient = { transport: this, sendEvent: () => {} };
  }

  private instanceOf(req: http.IncomingMessage): string {
    let id = this.requestIds.get(req);
    if (!id) this.requestIds.set(req, (id = newTransportInstanceId()));
    return id;
  }

  isJanusApiEnabled(): boolean {
    return this.listeners.some((l) => !l.admin);
  }

  isAdminApiEnabled(): boolean {
    return this.listeners.some((l) => l.admin);
  }

  async init(ctx: TransportContext): Promise<boolean> {
    const cfg = ctx.config;
    this.gateway = ctx.gateway;
    this.log = ctx.logger;
    for (const [cat, keys] of Object.entries(known)) cfg.warnUnknown(cat, keys);
    this.json = parseJsonStyle(cfg.getString('general', 'json'));
    this.events = cfg.getBool('general', 'events', true);
    this.basePath = normalizeBase(cfg.getString('general', 'base_path') ?? '/janus');
    this.adminBasePath = normalizeBase(cfg.getString('admin', 'admin_base_path') ?? '/admin');
    this.acl = cfg.getList('general', 'acl');
    this.adminAcl = cfg.getList('admin', 'admin_acl');
    this.allowOrigin = cfg.getString('cors', 'allow_origin');
    this.enforceCors = cfg.getBool('cors', 'enforce_cors', false);
    this.maxBody = cfg.getInt('general', 'max_body_size') ?? this.maxBody;
    const demos = cfg.getString('general', 'demos_folder');
    if (demos) {
      this.demos = new StaticFiles(demos);
      this.log.info({ folder: this.demos.root }, 'Serving the demo pages');
    }

    const wanted: Array<{ admin: boolean; secure: boolean; port: number; host?: string }> = [];
    if (cfg.getBool('general', 'http', true)) {
      wanted.push({ admin: false, secure: false, port: cfg.getInt('general', 'port') ?? 8088, host: bindAddress(cfg.getString('general', 'ip'), cfg.getString('general', 'interface')) });
    }
    if (cfg.getBool('general', 'https', false)) {
      wanted.push({ admin: false, secure: true, port: cfg.getInt('general', 'secure_port') ?? 8089, host: bindAddress(cfg.getString('general', 'secure_ip'), cfg.getString('general', 'secure_interface')) });
    }
    if (cfg.getBool('admin', 'admin_http', false)) {
      wanted.push({ admin: true, secure: false, port: cfg.getInt('admin', 'admin_port') ?? 7088, host: bindAddress(cfg.getString('admin', 'admin_ip'), cfg.getString('admin', 'admin_interface')) });
    }
    if (cfg.getBool('admin', 'admin_https', false)) {
      wanted.push({ admin: true, secure: true, port: cfg.getInt('admin', 'admin_secure_port') ?? 7889, host: bindAddress(cfg.getString('admin', 'admin_secure_ip'), cfg.getString('admin', 'admin_secure_interface')) });
    }
    if (wanted.length === 0) {
      this.log.warn('No HTTP/HTTPS server enabled, not loading');
      return false;
    }
    const tls = wanted.some((w) => w.secure) ? loadTls(cfg, 'HTTPS') : undefined;
    try {
      for (const w of wanted) {
        const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.onRequest(req, res, w.admin);
        const server = w.secure ? https.createServer(tls!, handler) : http.createServer(handler);
        const sockets = new Set<net.Socket>();
        server.on('connection', (s: net.Socket) => {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
        });
        // a long poll lasts 30 s: keep sockets longer than that
        server.keepAliveTimeout = 5_000;
        server.requestTimeout = 0;
        await listen(server, w.port, w.host, `${w.admin ? 'Admin ' : ''}HTTP${w.secure ? 'S' : ''}`);
        this.listeners.push({ server, sockets, admin: w.admin, secure: w.secure });
        this.log.info({ port: w.port, host: w.host ?? '*', admin: w.admin, secure: w.secure }, `${w.admin ? 'Admin' : 'Janus'} API on HTTP${w.secure ? 'S' : ''} ready`);
      }
    } catch (err) {
      await this.destroy();
      throw err;
    }
    return true;
  }

  async destroy(): Promise<void> {
    this.queues.closeAll();
    await Promise.all(this.listeners.splice(0).map((l) => closeServer(l.server, l.sockets)));
  }

  queryTransport(request: unknown): JsonObject {
    if (!isJsonObject(request) || typeof request.request !== 'string') return { error_code: 411, error: 'Missing mandatory element (request)' };
    if (request.request === 'configure') {
      if (request.events !== undefined) this.events = request.events === true;
      if (typeof request.json === 'string') this.json = parseJsonStyle(request.json, this.json);
      return { result: 200 };
    }
    if (request.request === 'connections') {
      const count = (admin: boolean, secure: boolean) =>
        this.listeners.filter((l) => l.admin === admin && l.secure === secure).reduce((n, l) => n + l.sockets.size, 0);
      return { result: 200, connections: { http: count(false, false), https: count(false, true), admin_http: count(true, false), admin_https: count(true, true) } };
    }
    return { error_code: 412, error: `Unsupported request ${request.request}` };
  }

  // --- request handling ---

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse, admin: boolean): void {
    try {
      this.route(req, res, admin);
    } catch (err) {
      this.log.error({ err }, 'HTTP request handling failed');
      if (!res.headersSent) this.empty(res, 500);
    }
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse, admin: boolean): void {
    const ip = req.socket.remoteAddress;
    if (!aclAllows(admin ? this.adminAcl : this.acl, ip)) {
      this.empty(res, 403);
      return;
    }
    this.cors(res);
    if (this.enforceCors && this.allowOrigin) {
      const origin = req.headers.origin ?? req.headers.referer;
      if (!origin || !origin.startsWith(this.allowOrigin)) {
        this.empty(res, 403);
        return;
      }
    }
    if (this.events && this.gateway.eventsEnabled()) {
      // the request's client, so the event's `id` matches the `transport.id` of a session it creates (as in Janus)
      this.gateway.notifyEvent(this, admin ? this.adminClient : this.client, { event: 'request', admin_api: admin, ip: ip ?? '', port: req.socket.remotePort ?? 0 }, this.instanceOf(req));
    }
    // route on the raw path as Janus does: no WHATWG normalisation (`/janus/../admin` is not `/admin`)
    const target = splitTarget(req.url ?? '/');
    const parts = splitPath(target.path, admin ? this.adminBasePath : this.basePath);
    const method = req.method ?? 'GET';
    if (!parts && !admin && this.demos && (method === 'GET' || method === 'HEAD') && this.demos.serve(req, res, target.rawPath)) return;
    if (!parts || parts.length > 2) {
      // Janus answers 404 here (and drops a few odd cases, e.g. a POST with three path parts):
      // we always answer 404, never reset a connection for a path
      this.empty(res, 404);
      return;
    }
    if (method === 'OPTIONS') {
      const acrm = req.headers['access-control-request-method'];
      const acrh = req.headers['access-control-request-headers'];
      if (acrm) res.setHeader('Access-Control-Allow-Methods', acrm);
      if (acrh) res.setHeader('Access-Control-Allow-Headers', acrh);
      this.empty(res, 200);
      return;
    }
    if (method === 'GET' || method === 'HEAD') {
      this.get(req, res, target.query, parts, admin);
      return;
    }
    if (method !== 'POST') {
      // as Janus: an unsupported method with a body is dropped, without one it gets 450
      if (Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding']) res.destroy();
      else this.sendJson(res, errorJson(450, `Unsupported method ${method}`));
      return;
    }
    if (parts.length === 1 && parts[0] === 'info') {
      if (admin) this.sendJson(res, errorJson(450, 'Use GET for the info endpoint'));
      else this.empty(res, 400);
      return;
    }
    this.readBody(req, res, (body) => this.post(req, res, body, parts, admin));
  }

  private get(req: http.IncomingMessage, res: http.ServerResponse, q: URLSearchParams, parts: string[], admin: boolean): void {
    if (parts.length === 1 && parts[0] === 'info') {
      this.forward(req, res, { janus: 'info', transaction: randomTransaction() }, admin);
      return;
    }
    if (admin) {
      this.sendJson(res, errorJson(454, 'Request payload missing'));
      return;
    }
    const sessionId = parts.length ? parsePathId(parts[0]) : 0;
    if (sessionId === 0) {
      this.empty(res, 404);
      return;
    }
    const secretNeeded = this.gateway.isApiSecretNeeded();
    const tokenNeeded = this.gateway.isAuthTokenNeeded();
    if ((secretNeeded || tokenNeeded) &&
      !((secretNeeded && this.gateway.isApiSecretValid(q.get('apisecret') ?? undefined)) ||
        (tokenNeeded && this.gateway.isAuthTokenValid(q.get('token') ?? undefined)))) {
      this.empty(res, 403);
      return;
    }
    // every GET counts as activity on the session, like a keepalive
    const keepalive: JsonObject = { janus: 'keepalive', session_id: sessionId, transaction: randomTransaction() };
    if (secretNeeded) keepalive.apisecret = q.get('apisecret') ?? undefined;
    if (tokenNeeded) keepalive.token = q.get('token') ?? undefined;
    this.gateway.incomingRequest({ client: this.client, instanceId: this.instanceOf(req), admin: false, message: keepalive, reply: () => {} });
    if (parts.length === 2) {
      res.setHeader('Location', `${this.basePath === '/' ? '' : this.basePath}/${parts[0]}`);
      this.empty(res, 302);
      return;
    }
    // bounded: a client asking for 10^12 events gets at most what a queue can hold anyway
    const maxev = boundedInt(q.get('maxev') ?? undefined, 1, MAX_EVENTS_PER_POLL, 1);
    const cancel = this.queues.poll(sessionId, maxev, (events) => {
      const list = events ?? [{ janus: 'keepalive' }];
      this.sendJson(res, maxev > 1 ? list : list[0]);
    });
    if (!cancel) {
      this.empty(res, 404);
      return;
    }
    res.on('close', cancel);
  }

  private post(req: http.IncomingMessage, res: http.ServerResponse, body: string, parts: string[], admin: boolean): void {
    const parsed = parseRequestJson(body);
    if (!parsed.ok) {
      this.sendJson(res, errorJson(454, `JSON error: on line ${parsed.line}: ${parsed.text}`));
      return;
    }
    if (!isJsonObject(parsed.value)) {
      this.sendJson(res, errorJson(455, 'JSON error: not an object'));
      return;
    }
    const message = parsed.value;
    const sessionId = parts.length > 0 ? parsePathId(parts[0]) : 0;
    const handleId = parts.length > 1 ? parsePathId(parts[1]) : 0;
    if (sessionId !== 0) {
      if (message.session_id !== undefined && message.session_id !== sessionId) {
        this.sendJson(res, errorJson(457, 'Conflicting session ID (payload and path)'));
        return;
      }
      message.session_id = sessionId;
      if (handleId !== 0) {
        if (message.handle_id !== undefined && message.handle_id !== handleId) {
          this.sendJson(res, errorJson(457, 'Conflicting handle ID (payload and path)'));
          return;
        }
        message.handle_id = handleId;
      }
    }
    this.forward(req, res, message, admin);
  }

  /** Hand a request to the core and answer with its reply (or close after 10 s, as Janus). */
  private forward(req: http.IncomingMessage, res: http.ServerResponse, message: JsonObject, admin: boolean): void {
    let answered = false;
    const timer = setTimeout(() => {
      if (answered) return;
      answered = true;
      res.destroy();
    }, REPLY_TIMEOUT_MS);
    this.gateway.incomingRequest({
      client: admin ? this.adminClient : this.client,
      instanceId: this.instanceOf(req),
      admin,
      message,
      reply: (m: JanusMessage) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        this.sendJson(res, m);
      },
    });
  }

  private readBody(req: http.IncomingMessage, res: http.ServerResponse, done: (body: string) => void): void {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    // past the limit: answer 413 and close the connection, never read (or buffer) the rest. The
    // answer goes straight on the socket: Node would otherwise read and discard the remaining body
    // to keep the connection alive. We stop reading and half-close at once, so the client sees
    // the 413 and our FIN, and drop the socket shortly after (a reset now could lose the answer).
    const reject = () => {
      tooBig = true;
      chunks.length = 0;
      const sock = req.socket;
      sock.pause();
      const text = formatJsonChecked(errorJson(454, `JSON error: request payload too large (more than ${this.maxBody} bytes)`), this.json).text;
      const extra = Object.entries(res.getHeaders()).map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}\r\n`).join('');
      sock.end(`HTTP/1.1 413 Payload Too Large\r\n${extra}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
      setTimeout(() => sock.destroy(), LINGER_MS).unref();
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.maxBody) {
      reject();
      return;
    }
    req.on('data', (c: Buffer) => {
      if (tooBig) return;
      size += c.length;
      if (size > this.maxBody) {
        reject();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (tooBig) return;
      if (size === 0) {
        // Janus drops a POST without a payload: no response at all
        res.destroy();
        return;
      }
      const buf = Buffer.concat(chunks);
      // Janus's parser refuses bytes that are not UTF-8; a lenient decode would hide them
      if (!isUtf8(buf)) {
        this.sendJson(res, errorJson(454, `JSON error: on line 1: unable to decode byte 0x${firstBadByte(buf)}`));
        return;
      }
      try {
        done(buf.toString('utf8'));
      } catch (err) {
        // nothing a request carries may escape this handler: log, answer, keep serving
        this.log.error({ err }, 'HTTP request handling failed');
        this.sendJson(res, errorJson(500, 'Internal error handling the request'), 500);
      }
    });
    req.on('error', () => res.destroy());
  }

  private cors(res: http.ServerResponse): void {
    res.setHeader('Access-Control-Allow-Origin', this.allowOrigin ?? '*');
    res.setHeader('Access-Control-Max-Age', '86400');
    if (this.allowOrigin) {
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
  }

  private sendJson(res: http.ServerResponse, body: unknown, status = 200): void {
    if (res.headersSent || res.destroyed) return;
    const out = formatJsonChecked(body, this.json);
    if (out.error) {
      this.log.error({ err: out.error }, 'A reply could not be serialised: answered 500 instead');
      status = 500;
    }
    const text = out.text;
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(res.req.method === 'HEAD' ? undefined : text);
  }

  private empty(res: http.ServerResponse, status: number): void {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, { 'Content-Length': 0 });
    res.end();
  }
}

function normalizeBase(p: string): string {
  let b = p.trim();
  if (!b.startsWith('/')) b = `/${b}`;
  while (b.length > 1 && b.endsWith('/')) b = b.slice(0, -1);
  return b;
}

/**
 * The request target as Janus's web server hands it over: the path before `?`, percent-decoded
 * (invalid escapes kept as they are) and cut at a decoded NUL; `#` is an ordinary character.
 */
export function splitTarget(target: string): { path: string; rawPath: string; query: URLSearchParams } {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  let query: URLSearchParams;
  try {
    query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
  } catch {
    query = new URLSearchParams();
  }
  const bytes: number[] = [];
  for (let i = 0; i < rawPath.length; i++) {
    const c = rawPath.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(rawPath.slice(i + 1, i + 3))) {
      bytes.push(parseInt(rawPath.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c & 0xff);
  }
  const nul = bytes.indexOf(0);
  const path = Buffer.from(nul < 0 ? bytes : bytes.slice(0, nul)).toString('latin1');
  return { path, rawPath, query };
}

/**
 * Path components after the base path; undefined when the path is not under it. As Janus: the
 * base itself matches case-insensitively, anything below it must start with `<base>/` exactly;
 * components are split on `/` and kept even when empty (an empty one reads as id 0).
 */
export function splitPath(path: string, base: string): string[] | undefined {
  if (base === '/') return path.startsWith('/') ? (path === '/' ? [] : path.slice(1).split('/')) : undefined;
  if (path.toLowerCase() === base.toLowerCase()) return [];
  if (!path.startsWith(`${base}/`)) return undefined;
  const rest = path.slice(base.length + 1);
  return rest === '' ? [] : rest.split('/');
}

/** The first byte that breaks UTF-8 decoding, in hex (for the error text). */
function firstBadByte(buf: Buffer): string {
  const dec = new TextDecoder('utf-8', { fatal: true });
  let lo = 0;
  let hi = buf.length;
  // the longest valid prefix, by bisection (at most ~log2(n) decodes)
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      dec.decode(buf.subarray(0, mid));
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  let i = lo;
  // a truncated multi-byte sequence at the end of a valid prefix: the byte after it is the culprit
  while (i > 0 && (buf[i - 1] & 0xc0) === 0x80) i--;
  if (i > 0 && buf[i - 1] >= 0xc0) i--;
  return (buf[i] ?? buf[lo] ?? 0).toString(16);
}

function errorJson(code: number, reason: string): JanusMessage {
  return { janus: 'error', error: { code, reason } };
}

function randomTransaction(): string {
  return randomBytes(12).toString('base64').replace(/[+/]/g, 'x').slice(0, 11);
}
