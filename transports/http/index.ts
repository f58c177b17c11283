import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { randomBytes } from 'node:crypto';
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
import { errorJson, readBody } from './body';
import { httpKnownKeys } from './config';
import { LongPollQueues } from './long-poll';
import { normalizeBase, splitPath, splitTarget } from './paths';
import { StaticFiles } from './static-files';

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
    for (const [cat, keys] of Object.entries(httpKnownKeys)) cfg.warnUnknown(cat, keys);
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
        this.log.info({ api: w.admin ? 'admin' : 'janus', port: w.port, host: w.host ?? '*', secure: w.secure }, 'HTTP listener ready');
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
    const opts = { maxBody: this.maxBody, json: this.json, log: this.log, sendJson: this.sendJson.bind(this) };
    readBody(req, res, opts, (body) => this.post(req, res, body, parts, admin));
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

function randomTransaction(): string {
  return randomBytes(12).toString('base64').replace(/[+/]/g, 'x').slice(0, 11);
}
