/**
 * A tiny media plugin for the broker transport tests, loaded through janus.jcfg `plugins.load`:
 * `echo` answers synchronously, `later` acks and pushes an event after `delay` ms (an async plugin
 * reply), `slow` answers synchronously but only after `delay` ms.
 */
import { PLUGIN_API_VERSION, PluginResult, type JsonObject, type Plugin, type PluginHandle, type PluginMessage } from '../../core/plugin-api';

interface State {
  handle: PluginHandle;
  timers: Set<NodeJS.Timeout>;
}

export default class MqTestPlugin implements Plugin<State> {
  readonly kind = 'plugin' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info = {
    package: 'janus.plugin.mqtest',
    name: 'MQ transport test plugin',
    author: 'janus-ts',
    description: 'Echo, delayed events and slow replies for the broker transport tests.',
    version: 1,
    versionString: '0.0.1',
  };

  init(): boolean {
    return true;
  }

  destroy(): void {}

  createSession(handle: PluginHandle): State {
    return { handle, timers: new Set() };
  }

  async handleMessage(s: State, m: PluginMessage): Promise<PluginResult> {
    const delay = typeof m.body.delay === 'number' ? m.body.delay : 0;
    switch (m.body.request) {
      case 'echo':
        return PluginResult.ok({ echo: m.body as JsonObject });
      case 'later': {
        const t = setTimeout(() => {
          s.timers.delete(t);
          void s.handle.pushEvent(m.transaction, { result: 'later', n: m.body.n ?? null }).catch(() => undefined);
        }, delay);
        s.timers.add(t);
        return PluginResult.okWait('later');
      }
      case 'slow':
        await new Promise((r) => setTimeout(r, delay));
        return PluginResult.ok({ result: 'slow', n: m.body.n ?? null });
      default:
        return PluginResult.error(`unknown request ${String(m.body.request)}`);
    }
  }

  destroySession(s: State): void {
    for (const t of s.timers) clearTimeout(t);
  }
}
