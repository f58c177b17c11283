/**
 * A deliberately faulty media plugin (janus.plugin.faulty) for the fault-containment tests: each
 * `request` reproduces one way a plugin bug used to end the process, or a result that cannot be
 * serialised. Loaded through janus.jcfg `plugins.load` into a server running in a child process.
 */
import { PLUGIN_API_VERSION, PluginResult, type JsonObject, type OutgoingJsep, type Plugin, type PluginHandle, type PluginMessage } from '../../core/plugin-api';

interface State {
  handle: PluginHandle;
  /** pushEvent from destroySession, not awaited (the handle is already gone). */
  pushOnDestroy: boolean;
  throwOnDestroy: boolean;
}

export default class FaultyPlugin implements Plugin<State> {
  readonly kind = 'plugin' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info = {
    package: 'janus.plugin.faulty',
    name: 'Faulty test plugin',
    author: 'janus-ts',
    description: 'Reproduces plugin bugs for the fault-containment tests.',
    version: 1,
    versionString: '0.0.1',
  };

  init(): boolean {
    return true;
  }

  destroy(): void {}

  createSession(handle: PluginHandle): State {
    return { handle, pushOnDestroy: false, throwOnDestroy: false };
  }

  handleMessage(s: State, m: PluginMessage): PluginResult | Promise<PluginResult> {
    const tx = m.transaction;
    switch (m.body.request) {
      case 'ok':
        return PluginResult.ok({ faulty: 'ok' });
      case 'bigint':
        return PluginResult.ok({ faulty: 'bigint', n: 10n } as unknown as JsonObject);
      case 'circular': {
        const o: JsonObject = { faulty: 'circular' };
        o.self = o;
        return PluginResult.ok(o);
      }
      case 'throw':
        throw new Error('faulty: synchronous throw in handleMessage');
      case 'reject':
        return Promise.reject(new Error('faulty: rejection from handleMessage'));
      case 'push_after_detach':
        s.pushOnDestroy = true;
        return PluginResult.ok({ faulty: 'armed' });
      case 'throw_on_detach':
        s.throwOnDestroy = true;
        return PluginResult.ok({ faulty: 'armed' });
      case 'push_bad_jsep':
        // not awaited: the core rejects (no offer to answer, invalid SDP)
        void s.handle.pushEvent(tx, { faulty: 'jsep' }, { type: 'answer', sdp: 'garbage' } as OutgoingJsep);
        return PluginResult.okWait();
      case 'push_bigint':
        void s.handle.pushEvent(tx, { faulty: 'event', n: 5n } as unknown as JsonObject);
        return PluginResult.okWait();
      case 'timer_throw':
        setTimeout(() => {
          throw new Error('faulty: throw in a plugin timer');
        }, 5);
        return PluginResult.ok({ faulty: 'armed' });
      case 'timer_reject':
        setTimeout(() => {
          void Promise.reject(new Error('faulty: rejection nobody handles'));
        }, 5);
        return PluginResult.ok({ faulty: 'armed' });
      default:
        return PluginResult.ok({ faulty: 'unknown' });
    }
  }

  /** Async and rejecting: the promise used to become an unhandled rejection. */
  async hangupMedia(): Promise<void> {
    throw new Error('faulty: rejection inside hangupMedia');
  }

  destroySession(s: State): void {
    if (s.pushOnDestroy) {
      void s.handle.pushEvent(undefined, { faulty: 'too late' });
      setTimeout(() => void s.handle.pushEvent(undefined, { faulty: 'much too late' }), 5);
    }
    if (s.throwOnDestroy) throw new Error('faulty: throw in destroySession');
  }

  querySession(): JsonObject {
    throw new Error('faulty: throw in querySession');
  }

  handleAdminMessage(request: unknown): JsonObject {
    const r = (request as JsonObject | null)?.request;
    if (r === 'bigint') return { n: 1n } as unknown as JsonObject;
    if (r === 'throw') throw new Error('faulty: throw in handleAdminMessage');
    return { faulty: 'admin' };
  }
}
