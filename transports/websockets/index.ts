import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import {
  PLUGIN_API_VERSION,
  formatJsonChecked,
  isJsonObject,
  parseJsonStyle,
  parseRequestStream,
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

const known = {
  general: ['events', 'json', 'pingpong_trigger', 'pingpong_timeout', 'ws', 'ws_port', 'ws_interface', 'ws_ip', 'ws_unix',
    'wss', 'wss_port', 'wss_interface', 'wss_ip', 'wss_unix', 'ws_logging', 'ws_acl', 'ws_acl_forwarded', 'admin_ws_acl_forwarded', 'max_message_size'],
  admin: ['admin_ws', 'admin_ws_port', 'admin_ws_interface', 'admin_ws_ip', 'admin_ws_unix', 'admin_wss', 'admin_wss_port',
    'admin_wss_interface', 'admin_wss_ip', 'admin_wss_unix', 'admin_ws_acl', 'admin_ws_acl_forwarded'],
  cors: ['allow_origin', 'enforce_cors'],
  certificates: ['cert_pem', 'cert_key', 'cert_pwd', 'ciphers'],
};

const FORBIDDEN = '<html><head><meta charset=utf-8 http-equiv="Content-Language" content="en"/></head><body><h1>403</h1></body></html>';

interface Listener {
  server: http.Server;
  wss: WebSocketServer;
  sockets: Set<net.Socket>;
  admin: boolean;
  secure: boolean;
}

/** One WebSocket connection: owns the sessions created on it. */
class WsClient implements TransportClient {
  lastSeen = Date.now();
  constructor(
    readonly transport: WebSocketsTransport,
    readonly ws: WebSocket,
    readonly remote: { ip: string; port?: number },
  ) {}

  sendEvent(message: JanusMessage): void {
    this.transport.send(this, message);
  }
}

/** Janus API and Admin API over WebSocket (`janus-protocol` / `janus-admin-protocol`). */
export default class WebSocketsTransport implements Transport {
  readonly kind = 'transport' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info: ModuleInfo = {
    package: 'janus.transport.websockets',
    name: 'JANUS WebSockets transport plugin',
    author: 'janus-ts',
    description: 'This transport plugin adds WebSockets support to the Janus API.',
    version: 1,
    versionString: '0.0.1',
  };

  private gateway!: TransportGateway;
  private log!: TransportContext['logger'];
  private json: JsonStyle = 'indented';
  private events = true;
  private acl: string[] = [];
  private adminAcl: string[] = [];
  private allowOrigin?: string;
  private enforceCors = false;
  private pingTrigger = 0;
  private pingTimeout = 0;
  private pingTimer?: NodeJS.Timeout;
  private maxMessage = 16 * 1024 * 1024;
  private readonly listeners: Listener[] = [];
  private readonly clients = new Set<WsClient>();

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
    this.acl = cfg.getList('general', 'ws_acl');
    this.adminAcl = cfg.getList('admin', 'admin_ws_acl');
    this.allowOrigin = cfg.getString('cors', 'allow_origin');
    this.enforceCors = cfg.getBool('cors', 'enforce_cors', false);
    this.pingTrigger = cfg.getInt('general', 'pingpong_trigger') ?? 0;
    this.pingTimeout = cfg.getInt('general', 'pingpong_timeout') ?? 0;
    this.maxMessage = cfg.getInt('general', 'max_message_size') ?? this.maxMessage;

    type Want = { admin: boolean; secure: boolean; port: number; host?: string; unix?: string };
    const wanted: Want[] = [];
    const add = (cat: string, prefix: string, admin: boolean, secure: boolean, defPort: number) => {
      if (!cfg.getBool(cat, prefix, false)) return;
      wanted.push({
        admin,
        secure,
        port: cfg.getInt(cat, `${prefix}_port`) ?? defPort,
        host: bindAddress(cfg.getString(cat, `${prefix}_ip`), cfg.getString(cat, `${prefix}_interface`)),
        unix: cfg.getString(cat, `${prefix}_unix`),
      });
    };
    if (cfg.getBool('general', 'ws', true)) {
      wanted.push({ admin: false, secure: false, port: cfg.getInt('general', 'ws_port') ?? 8188,
        host: bindAddress(cfg.getString('general', 'ws_ip'), cfg.getString('general', 'ws_interface')), unix: cfg.getString('general', 'ws_unix') });
    }
    add('general', 'wss', false, true, 8989);
    add('admin', 'admin_ws', true, false, 7188);
    add('admin', 'admin_wss', true, true, 7989);
    if (wanted.length === 0) {
      this.log.warn('No WebSockets server enabled, not loading');
      return false;
    }
    const tls = wanted.some((w) => w.secure) ? loadTls(cfg, 'Secure WebSockets') : undefined;
    try {
      for (const w of wanted) await this.start(w, tls);
    } catch (err) {
      await this.destroy();
      throw err;
    }
    if (this.pingTrigger > 0 && this.pingTimeout > 0) {
      this.pingTimer = setInterval(() => this.pingIdle(), 1000);
      this.pingTimer.unref();
    }
    return true;
  }

  private async start(w: { admin: boolean; secure: boolean; port: number; host?: string; unix?: string }, tls?: https.ServerOptions): Promise<void> {
    const protocol = w.admin ? 'janus-admin-protocol' : 'janus-protocol';
    const forbid = (_req: http.IncomingMessage, res: http.ServerResponse) => {
      res.writeHead(403, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(FORBIDDEN) });
      res.end(FORBIDDEN);
    };
    const server = w.secure ? https.createServer(tls!, forbid) : http.createServer(forbid);
    // a frame bigger than max_message_size closes that socket (1009) and nothing else
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.maxMessage, handleProtocols: (protos) => (protos.has(protocol) ? protocol : false) });
    wss.on('headers', (headers) => headers.push(`Access-Control-Allow-Origin: ${this.allowOrigin ?? '*'}`));
    server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      const origin = req.headers.origin;
      const originOk = !this.enforceCors || !this.allowOrigin || (origin !== undefined && origin.startsWith(this.allowOrigin));
      // the subprotocol is mandatory, as in Janus: without it the handshake is dropped
      if (!offered.includes(protocol) || !aclAllows(w.admin ? this.adminAcl : this.acl, req.socket.remoteAddress) || !originOk) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req, w.admin));
    });
    const sockets = new Set<net.Socket>();
    server.on('connection', (s: net.Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    if (w.unix) {
      fs.rmSync(w.unix, { force: true });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(w.unix, () => resolve());
      });
    } else {
      await listen(server, w.port, w.host, `${w.admin ? 'Admin ' : ''}WebSocket${w.secure ? 's (secure)' : ''}`);
    }
    this.listeners.push({ server, wss, sockets, admin: w.admin, secure: w.secure });
    this.log.info({ api: w.admin ? 'admin' : 'janus', port: w.unix ?? w.port, host: w.host ?? '*', secure: w.secure }, 'WebSocket listener ready');
  }

  private onConnection(ws: WebSocket, req: http.IncomingMessage, admin: boolean): void {
    const client = new WsClient(this, ws, { ip: req.socket.remoteAddress ?? '', port: req.socket.remotePort });
    this.clients.add(client);
    if (this.events && this.gateway.eventsEnabled()) {
      this.gateway.notifyEvent(this, client, { event: 'connected', admin_api: admin, ip: client.remote.ip });
    }
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      client.lastSeen = Date.now();
      // nothing a frame carries may escape this handler (it would end the process): log and answer
      try {
        this.onFrame(client, isBinary ? data.toString('utf8') : data.toString(), admin);
      } catch (err) {
        this.log.error({ err }, 'WebSocket request handling failed');
        this.send(client, { janus: 'error', error: { code: 500, reason: 'Internal error handling the request' } });
      }
    });
    ws.on('pong', () => (client.lastSeen = Date.now()));
    ws.on('error', (err) => this.log.debug({ err }, 'WebSocket error'));
    ws.on('close', () => {
      this.clients.delete(client);
      if (this.events && this.gateway.eventsEnabled()) this.gateway.notifyEvent(this, client, { event: 'disconnected' });
      if (!admin) this.gateway.transportGone(client);
    });
  }

  private onFrame(client: WsClient, text: string, admin: boolean): void {
    const parsed = parseRequestStream(text);
    if (!parsed.ok && admin) {
      // Janus hands the Admin API an empty request: it fails on the missing transaction (456)
      this.gateway.incomingRequest({ client, admin, message: undefined, reply: (m) => this.send(client, m) });
      return;
    }
    if (!parsed.ok) {
      this.send(client, {
        janus: 'error',
        error: { code: 454, reason: `Invalid Janus API request - <string>(${parsed.line},${parsed.column}): ${parsed.text}` },
      });
      return;
    }
    for (const message of parsed.values) {
      this.gateway.incomingRequest({ client, admin, message, reply: (m) => this.send(client, m) });
    }
  }

  send(client: WsClient, message: JanusMessage): void {
    if (client.ws.readyState !== WebSocket.OPEN) return;
    const out = formatJsonChecked(message, this.json);
    if (out.error) this.log.error({ err: out.error }, 'A reply or event could not be serialised: sent a 500 error instead');
    client.ws.send(out.text);
  }

  /** WS-level keepalive: PING clients idle for `pingpong_trigger` s, drop them after `pingpong_timeout` s more. */
  private pingIdle(): void {
    const now = Date.now();
    for (const c of this.clients) {
      const idle = now - c.lastSeen;
      if (idle > (this.pingTrigger + this.pingTimeout) * 1000) c.ws.terminate();
      else if (idle > this.pingTrigger * 1000) c.ws.ping();
    }
  }

  async destroy(): Promise<void> {
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const c of this.clients) c.ws.terminate();
    this.clients.clear();
    await Promise.all(
      this.listeners.splice(0).map(async (l) => {
        l.wss.close();
        await closeServer(l.server, l.sockets);
      }),
    );
  }

  queryTransport(request: unknown): JsonObject {
    if (!isJsonObject(request) || typeof request.request !== 'string') return { error_code: 411, error: 'Missing mandatory element (request)' };
    if (request.request === 'configure') {
      if (request.events !== undefined) this.events = request.events === true;
      if (typeof request.json === 'string') this.json = parseJsonStyle(request.json, this.json);
      return { result: 200 };
    }
    if (request.request === 'connections') {
      const count = (admin: boolean) => this.listeners.filter((l) => l.admin === admin).reduce((n, l) => n + l.wss.clients.size, 0);
      return { result: 200, connections: { ws: count(false), admin_ws: count(true) } };
    }
    return { error_code: 412, error: `Unsupported request ${request.request}` };
  }
}
