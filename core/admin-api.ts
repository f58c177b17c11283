import { LoopMonitor } from './media-workers/loop-health';
import { promises as dns } from 'node:dns';
import { inject, injectable } from 'tsyringe';
import { Auth, safeEqual } from './auth';
import { Settings } from './config/settings';
import { EventBus } from './events/event-bus';
import type { Handle } from './handle';
import { Logger } from './logger';
import { Drain } from './metrics/drain';
import { ModuleRegistry } from './modules/registry';
import { answer, errorReply, idText, reply, requestIds } from './replies';
import { ServerInfo } from './server-info';
import { Sessions } from './sessions';
import {
  EventType,
  isJsonInteger,
  isJsonObject,
  ownValue,
  isIntegerAt,
  serialisationError,
  validateParams,
  type IncomingRequest,
  type JanusMessage,
  type JsonObject,
  type ParamSpec,
} from './plugin-api';

const baseParams: ParamSpec[] = [
  { name: 'transaction', type: 'string', required: true },
  { name: 'janus', type: 'string', required: true },
];

/**
 * Global-scope `set_*` requests that take one field and echo it under a (sometimes different) name.
 * Each is read live where it applies (logger, media monitor, session watchdog, `create`); the few
 * that have nothing to act on here say so (`noEffect`): answered as Janus does, and logged.
 */
const setters: Record<string, { field: string; type: 'boolean' | 'positiveInteger'; out: string; apply(s: Settings, v: never): void; noEffect?: string }> = {
  set_log_timestamps: { field: 'timestamps', type: 'boolean', out: 'log_timestamps', apply: (s, v: boolean) => (s.debugTimestamps = v) },
  set_log_colors: { field: 'colors', type: 'boolean', out: 'log_colors', apply: (s, v: boolean) => (s.debugColors = v) },
  set_locking_debug: { field: 'debug', type: 'boolean', out: 'locking_debug', apply: (s, v: boolean) => (s.lockingDebug = v), noEffect: 'there are no mutexes to trace' },
  set_refcount_debug: { field: 'debug', type: 'boolean', out: 'refcount_debug', apply: (s, v: boolean) => (s.refcountDebug = v), noEffect: 'objects are garbage-collected, not reference-counted' },
  set_libnice_debug: { field: 'debug', type: 'boolean', out: 'libnice_debug', apply: (s, v: boolean) => (s.libniceDebug = v), noEffect: 'ICE is werift\'s, not libnice' },
  set_min_nack_queue: { field: 'min_nack_queue', type: 'positiveInteger', out: 'min_nack_queue', apply: (s, v: number) => (s.minNackQueue = v), noEffect: 'werift keeps a fixed retransmission history (core/media/werift-limits.ts)' },
  set_nack_optimizations: { field: 'nack_optimizations', type: 'boolean', out: 'nack-optimizations', apply: (s, v: boolean) => (s.nackOptimizations = v), noEffect: 'the media stack has no NACK optimizations to turn on or off' },
  set_no_media_timer: { field: 'no_media_timer', type: 'positiveInteger', out: 'no_media_timer', apply: (s, v: number) => (s.noMediaTimer = v) },
  set_slowlink_threshold: { field: 'slowlink_threshold', type: 'positiveInteger', out: 'slowlink_threshold', apply: (s, v: number) => (s.slowlinkThreshold = v) },
  accept_new_sessions: { field: 'accept', type: 'boolean', out: 'accept', apply: (s, v: boolean) => (s.acceptNewSessions = v) },
};

/**
 * The Admin/Monitor API (never pushes events; does not refresh session timers).
 */
@injectable()
export class AdminApi {
  private readonly log;

  constructor(
    @inject(Settings) private readonly settings: Settings,
    @inject(Auth) private readonly auth: Auth,
    @inject(Sessions) private readonly sessions: Sessions,
    @inject(ModuleRegistry) private readonly modules: ModuleRegistry,
    @inject(ServerInfo) private readonly info: ServerInfo,
    @inject(EventBus) private readonly events: EventBus,
    @inject(Logger) private readonly logger: Logger,
    @inject(Drain) private readonly drain: Drain,
  ) {
    this.log = logger.child('admin-api');
  }

  handle(req: IncomingRequest): Promise<void> {
    return answer(req, () => this.process(req), this.log);
  }

  private secretOk(root: JsonObject): boolean {
    const secret = this.settings.adminSecret;
    if (!secret) return true;
    return typeof root.admin_secret === 'string' && safeEqual(root.admin_secret, secret);
  }

  private async process(req: IncomingRequest): Promise<JanusMessage> {
    if (req.parseError !== undefined) return errorReply(0, undefined, 454, req.parseError);
    const root = isJsonObject(req.message) ? req.message : {};
    const { sessionId, handleId, hasHandle } = requestIds(root);
    const bad = validateParams(root, baseParams);
    if (bad) return errorReply(sessionId, undefined, bad.code, bad.reason);
    const tx = root.transaction as string;
    const verbText = root.janus as string;
    const verb = verbText.toLowerCase();

    if (sessionId === 0 && handleId === 0) {
      if (verb === 'info') return this.info.build(tx);
      if (verb === 'ping') return reply('pong', 0, tx);
      if (!this.secretOk(root)) return errorReply(0, tx, 403);
      return this.global(verb, verbText, root, tx);
    }
    if (sessionId === 0) return errorReply(0, tx, 458);
    if (hasHandle && handleId === 0) return errorReply(sessionId, tx, 458);
    if (!this.secretOk(root)) return errorReply(sessionId, tx, 403);
    const session = this.sessions.get(sessionId);
    if (!session) return errorReply(sessionId, tx, 458, `No such session ${idText(sessionId)}`);
    if (!hasHandle) {
      switch (verb) {
        case 'list_handles':
          return { ...reply('success', sessionId, tx), handles: [...session.handles.keys()] };
        case 'destroy_session':
          await this.sessions.destroy(session, 'destroy');
          return reply('success', sessionId, tx);
        case 'set_session_timeout': {
          const t = root.timeout;
          if (t === undefined || t === null) return errorReply(sessionId, tx, 456, 'Missing mandatory element (timeout)');
          if (!isIntegerAt(root, 'timeout') || (t as number) < -1) {
            return errorReply(sessionId, tx, 467, 'Invalid element type (timeout should be a non-negative integer or -1)');
          }
          session.timeoutOverride = t as number;
          return { ...reply('success', 0, tx), timeout: t, session_id: sessionId };
        }
        default:
          return errorReply(sessionId, tx, 457, `Unhandled request '${verbText}' at this path`);
      }
    }
    const handle = session.handles.get(handleId);
    if (!handle) return errorReply(sessionId, tx, 459, `No such handle ${idText(handleId)} in session ${sessionId}`);
    switch (verb) {
      case 'handle_info': {
        if (root.plugin_only !== undefined && typeof root.plugin_only !== 'boolean') {
          return errorReply(sessionId, tx, 467, 'Invalid element type (plugin_only should be a boolean)');
        }
        const info = this.handleInfo(handle, root.plugin_only === true);
        // media workers answer handle_info with a round trip
        if (root.plugin_only !== true && this.sessions.media.infoAsync) Object.assign(info, (await this.sessions.media.infoAsync(handle)) ?? {});
        return { ...reply('success', sessionId, tx), handle_id: handleId, info };
      }
      case 'hangup_webrtc':
        if (!handle.attached) return errorReply(sessionId, tx, 463, 'No plugin attached');
        this.sessions.hangupMedia(handle, 'Admin API', true);
        return reply('success', sessionId, tx);
      case 'detach_handle':
        if (!handle.attached) return errorReply(sessionId, tx, 463, 'No plugin to detach from');
        await this.sessions.detach(handle, true);
        return reply('success', sessionId, tx);
      default:
        return errorReply(sessionId, tx, 457, `Unhandled request '${verbText}' at this path`);
    }
  }

  private async global(verb: string, verbText: string, root: JsonObject, tx: string): Promise<JanusMessage> {
    const ok = () => reply('success', 0, tx);
    const fail = (code: number, reason?: string) => errorReply(0, tx, code, reason);
    const setter = ownValue(setters, verb);
    if (setter) {
      const bad = validateParams(root, [{ name: setter.field, type: setter.type, required: true }]);
      if (bad) return fail(bad.code, bad.reason);
      setter.apply(this.settings, root[setter.field] as never);
      if (setter.noEffect) this.log.warn({ request: verb, value: root[setter.field], reason: setter.noEffect }, 'Admin request accepted for compatibility, no effect in janus-ts');
      // the logger's format is the only setting not read where it is used (media workers get settings once a second)
      this.logger.setFormat({ timestamps: this.settings.debugTimestamps, colors: this.settings.debugColors });
      return { ...ok(), [setter.out]: root[setter.field] };
    }
    switch (verb) {
      case 'drain': {
        // janus-ts: graceful drain (see core/metrics/drain.ts); `timeout` overrides drain_timeout
        const bad = validateParams(root, [{ name: 'timeout', type: 'positiveInteger' }]);
        if (bad) return fail(bad.code, bad.reason);
        const timeout = typeof root.timeout === 'number' ? root.timeout : this.settings.drainTimeout;
        const already = this.drain.active;
        void this.drain.start('admin', timeout);
        return { ...ok(), draining: true, ...(already ? {} : { timeout }) };
      }
      case 'get_status':
        return { ...ok(), status: this.status() };
      case 'set_session_timeout': {
        const bad = validateParams(root, [{ name: 'timeout', type: 'positiveInteger', required: true }]);
        if (bad) return fail(bad.code, bad.reason);
        this.settings.sessionTimeout = root.timeout as number;
        return { ...ok(), timeout: root.timeout };
      }
      case 'set_log_level': {
        const bad = validateParams(root, [{ name: 'level', type: 'positiveInteger', required: true }]);
        if (bad) return fail(bad.code, bad.reason);
        const level = root.level as number;
        if (level < 0 || level > 7) return fail(467, 'Invalid element type (level should be between 0 and 7)');
        this.settings.debugLevel = level;
        this.logger.setLevel(level);
        return { ...ok(), level };
      }
      case 'list_sessions':
        return { ...ok(), sessions: this.sessions.ids() };
      case 'loops_info':
        return { ...ok(), loops: [] };
      case 'loop_health':
        // not in Janus: event-loop delay/utilisation of the main thread and each media worker
        return { ...ok(), health: this.sessions.media.loopHealth?.() ?? { main: this.mainLoop().sample() as unknown as JsonObject, workers: [] } };
      case 'add_token':
      case 'allow_token':
      case 'disallow_token':
      case 'list_tokens':
      case 'remove_token':
        return this.tokens(verb, root, tx);
      case 'message_plugin':
        return this.moduleQuery(root, tx, 'plugin', 'Invalid plugin', 'Plugin doesn\'t support Admin API messages', (pkg) => {
          const p = this.modules.plugins.get(pkg);
          return p && { call: p.handleAdminMessage?.bind(p) };
        });
      case 'query_transport':
        return this.moduleQuery(root, tx, 'transport', 'Invalid transport', "Transport plugin doesn't support queries", (pkg) => {
          const t = this.modules.transports.get(pkg);
          return t && { call: t.queryTransport?.bind(t) };
        });
      case 'query_eventhandler':
        return this.moduleQuery(root, tx, 'handler', 'Invalid event handler', "Event handler doesn't support queries", (pkg) => {
          const h = this.modules.eventHandlers.get(pkg);
          return h && { call: h.handleRequest?.bind(h) };
        });
      case 'query_logger': {
        const bad = validateParams(root, [{ name: 'logger', type: 'string', required: true }]);
        if (bad) return fail(bad.code, bad.reason);
        return fail(460, 'Invalid logger');
      }
      case 'custom_event': {
        const bad = validateParams(root, [
          { name: 'schema', type: 'string', required: true },
          { name: 'data', type: 'object', required: true },
        ]);
        if (bad) return fail(bad.code, bad.reason);
        this.events.emit({ type: EventType.EXTERNAL, event: { schema: root.schema, data: root.data } });
        return ok();
      }
      case 'custom_logline': {
        const bad = validateParams(root, [
          { name: 'line', type: 'string', required: true },
          { name: 'level', type: 'positiveInteger' },
        ]);
        if (bad) return fail(bad.code, bad.reason);
        const level = isJsonInteger(root.level) && root.level <= 7 ? root.level : 4;
        this.logger.logAt(level, root.line as string);
        return ok();
      }
      case 'resolve_address': {
        const bad = validateParams(root, [{ name: 'address', type: 'string', required: true }]);
        if (bad) return fail(bad.code, bad.reason);
        const start = process.hrtime.bigint();
        try {
          const { address } = await dns.lookup(root.address as string);
          return { ...ok(), ip: address, elapsed: Number((process.hrtime.bigint() - start) / 1000n) };
        } catch {
          return fail(490, 'Could not resolve address');
        }
      }
      default:
        return fail(457, `Unhandled request '${verbText}' at this path`);
    }
  }

  private loopMonitor?: LoopMonitor;
  private mainLoop(): LoopMonitor {
    return (this.loopMonitor ??= new LoopMonitor());
  }

  private status(): JsonObject {
    const s = this.settings;
    return {
      token_auth: s.tokenAuth,
      session_timeout: s.sessionTimeout,
      reclaim_session_timeout: s.reclaimSessionTimeout,
      candidates_timeout: s.candidatesTimeout,
      log_level: this.logger.level,
      log_timestamps: s.debugTimestamps,
      log_colors: s.debugColors,
      locking_debug: s.lockingDebug,
      refcount_debug: s.refcountDebug,
      libnice_debug: s.libniceDebug,
      min_nack_queue: s.minNackQueue,
      'nack-optimizations': s.nackOptimizations,
      no_media_timer: s.noMediaTimer,
      slowlink_threshold: s.slowlinkThreshold,
      // ours: failures contained per module (docs/plugins.md, "Faults"); absent while there are none
      ...(this.sessions.faults.total() > 0 ? { module_failures: this.sessions.faults.snapshot() as unknown as JsonObject } : {}),
    };
  }

  private tokens(verb: string, root: JsonObject, tx: string): JanusMessage {
    const fail = (code: number, reason?: string) => errorReply(0, tx, code, reason);
    if (!this.auth.isStoredMode()) return fail(490, 'Stored-Token based authentication disabled');
    if (verb === 'list_tokens') return { ...reply('success', 0, tx), data: { tokens: this.auth.listTokens() } };
    const needPlugins = verb === 'allow_token' || verb === 'disallow_token';
    const bad = validateParams(root, [
      { name: 'token', type: 'string', required: true },
      { name: 'plugins', type: needPlugins ? 'nonEmptyArray' : 'array', required: needPlugins },
    ]);
    if (bad) return fail(bad.code, bad.reason);
    const token = root.token as string;
    if (verb === 'remove_token') {
      if (!this.auth.removeToken(token)) return fail(490, 'Error removing token');
      return reply('success', 0, tx);
    }
    const loaded = [...this.modules.plugins.keys()];
    const asked = Array.isArray(root.plugins) ? root.plugins : [];
    if (verb === 'add_token') {
      // unknown entries are skipped; none given means every loaded plugin
      const plugins = asked.length ? asked.filter((p): p is string => typeof p === 'string' && loaded.includes(p)) : loaded;
      return { ...reply('success', 0, tx), data: { plugins: this.auth.addToken(token, plugins) } };
    }
    if (!this.auth.hasToken(token)) return fail(470, `Token ${token} not found`);
    if (asked.some((p) => typeof p !== 'string' || !loaded.includes(p))) {
      return fail(467, 'Invalid element type (some of the provided plugins are invalid)');
    }
    const plugins = asked as string[];
    const now = verb === 'allow_token' ? this.auth.allowToken(token, plugins) : this.auth.disallowToken(token, plugins);
    return { ...reply('success', 0, tx), data: { plugins: now } };
  }

  /** `message_plugin` / `query_transport` / `query_eventhandler`: same request and reply shapes. */
  private async moduleQuery(
    root: JsonObject,
    tx: string,
    field: string,
    unknownText: string,
    unsupportedText: string,
    find: (pkg: string) => { call?: (r: unknown) => JsonObject | Promise<JsonObject> } | undefined,
  ): Promise<JanusMessage> {
    const bad = validateParams(root, [
      { name: field, type: 'string', required: true },
      { name: 'request', type: 'object' },
    ]);
    if (bad) return errorReply(0, tx, bad.code, bad.reason);
    const target = find(root[field] as string);
    if (!target) return errorReply(0, tx, 460, unknownText);
    if (!target.call) return errorReply(0, tx, 490, unsupportedText);
    const pkg = root[field] as string;
    const response = await this.sessions.faults.call(pkg, 'admin request', () => target.call!(root.request ?? null));
    const unserialisable = serialisationError(response);
    if (unserialisable) {
      this.log.error({ err: unserialisable, module: pkg }, 'Module answer cannot be serialised');
      return errorReply(0, tx, 490, `Module returned a response that cannot be serialised (${unserialisable.message})`);
    }
    return { ...reply('success', 0, tx), response: isJsonObject(response) ? response : {} };
  }

  private handleInfo(handle: Handle, pluginOnly: boolean): JsonObject {
    const session = handle.session;
    const timeout = session.timeoutOverride >= 0 ? session.timeoutOverride : this.settings.sessionTimeout;
    const info: JsonObject = {
      session_id: session.id,
      session_last_activity: session.lastActivity * 1000,
      session_timeout: timeout,
      ...(session.owner ? { session_transport: session.owner.transport.info.package } : {}),
      handle_id: handle.id,
      ...(handle.opaqueId ? { opaque_id: handle.opaqueId } : {}),
      ...(handle.token ? { token: handle.token } : {}),
      'loop-running': true,
      created: handle.created,
      current_time: Math.round(performance.now() * 1000),
    };
    if (handle.attached && !handle.detached) {
      info.plugin = handle.plugin.info.package;
      try {
        const specific = this.sessions.faults.call(handle.plugin.info.package, 'querySession', () => handle.plugin.querySession?.(handle.pluginState));
        if (isJsonObject(specific) && !serialisationError(specific)) info.plugin_specific = specific;
      } catch {
        // recorded by `faults`; the rest of handle_info still answers
      }
    }
    const recordings = handle.recordings.list();
    if (recordings) info.recordings = recordings as unknown as JsonObject[];
    if (pluginOnly) return info;
    info.flags = { trickle: handle.trickle };
    if (!this.sessions.media.infoAsync) Object.assign(info, this.sessions.media.info(handle) ?? {});
    return info;
  }
}
