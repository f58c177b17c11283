/**
 * A tiny third-party media plugin, loaded only through configuration:
 *
 *   # conf/janus.jcfg
 *   plugins: { load = [ "dist/examples/hello-plugin" ] }
 *
 * It shows the whole plugin interface without media: a synchronous request, an asynchronous
 * one (ack now, event later), per-handle state, Admin API messages and `handle_info` output.
 * A real third-party package would `import ... from 'janus-ts/plugin-api'`.
 */
import {
  PLUGIN_API_VERSION,
  PluginResult,
  validateParams,
  type JsonObject,
  type Plugin,
  type PluginContext,
  type PluginHandle,
  type PluginMessage,
} from '../../core/plugin-api';

/** What the plugin keeps per handle. */
interface HelloSession {
  handle: PluginHandle;
  greeted: number;
  name?: string;
  timers: Set<NodeJS.Timeout>;
}

const PACKAGE = 'janus.plugin.hello';

export default class HelloPlugin implements Plugin<HelloSession> {
  readonly kind = 'plugin' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info = {
    package: PACKAGE,
    name: 'Hello plugin',
    author: 'janus-ts examples',
    description: 'Greets you, now or a little later.',
    version: 1,
    versionString: '0.0.1',
  };
  private ctx!: PluginContext;
  private greeting = 'Hello';
  private readonly sessions = new Set<HelloSession>();

  init(ctx: PluginContext): boolean {
    this.ctx = ctx;
    // its own config file: <configs_folder>/janus.plugin.hello.jcfg
    if (!ctx.config.getBool('general', 'enabled', true)) return false;
    this.greeting = ctx.config.getString('general', 'greeting') ?? this.greeting;
    ctx.config.warnUnknown('general', ['enabled', 'greeting']);
    return true;
  }

  destroy(): void {
    for (const s of this.sessions) this.destroySession(s);
  }

  createSession(handle: PluginHandle): HelloSession {
    const s: HelloSession = { handle, greeted: 0, timers: new Set() };
    this.sessions.add(s);
    return s;
  }

  handleMessage(s: HelloSession, msg: PluginMessage): PluginResult {
    const bad = validateParams(msg.body, [
      { name: 'request', type: 'string', required: true },
      { name: 'name', type: 'string' },
      { name: 'delay', type: 'positiveInteger' },
    ], 401, 402);
    if (bad) return PluginResult.ok({ hello: 'event', error_code: bad.code, error: bad.reason });
    const request = msg.body.request as string;
    if (typeof msg.body.name === 'string') s.name = msg.body.name;
    switch (request) {
      case 'hello':
        // synchronous: the reply is a Janus `success` with this as plugindata.data
        return PluginResult.ok(this.greet(s));
      case 'later': {
        // asynchronous: `ack` now, the event (same transaction) after `delay` ms
        const delay = Math.min((msg.body.delay as number | undefined) ?? 100, 10_000);
        const t = setTimeout(() => {
          s.timers.delete(t);
          if (s.handle.alive) void s.handle.pushEvent(msg.transaction, this.greet(s)).catch(() => {});
        }, delay);
        s.timers.add(t);
        return PluginResult.okWait('Greeting you shortly');
      }
      case 'bye':
        // the plugin ends the handle itself: the client gets `detached`
        s.handle.endSession();
        return PluginResult.ok({ hello: 'bye' });
      case 'fail':
        return PluginResult.error('You asked me to fail');
      default:
        return PluginResult.ok({ hello: 'event', error_code: 403, error: `Unknown request '${request}'` });
    }
  }

  handleAdminMessage(request: unknown): JsonObject {
    const r = request as JsonObject | null;
    if (r?.request === 'count') return { hello: 'success', handles: this.sessions.size };
    return { hello: 'event', error_code: 403, error: 'Unknown request' };
  }

  querySession(s: HelloSession): JsonObject {
    return { greeted: s.greeted, ...(s.name ? { name: s.name } : {}) };
  }

  destroySession(s: HelloSession): void {
    for (const t of s.timers) clearTimeout(t);
    s.timers.clear();
    this.sessions.delete(s);
  }

  private greet(s: HelloSession): JsonObject {
    s.greeted++;
    if (this.ctx.eventsEnabled()) s.handle.notifyEvent({ greeted: s.greeted });
    return { hello: 'greeting', text: `${this.greeting}, ${s.name ?? 'stranger'}!`, count: s.greeted };
  }
}
