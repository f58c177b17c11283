import 'reflect-metadata';
import assert from 'node:assert/strict';
import { container } from 'tsyringe';
import { AdminApi } from '../core/admin-api';
import { Auth } from '../core/auth';
import { Settings } from '../core/config/settings';
import { EventBus } from '../core/events/event-bus';
import { JanusApi } from '../core/janus-api';
import { Logger } from '../core/logger';
import { MEDIA_PORT } from '../core/media/media-port';
import { SignallingOnlyMedia } from '../core/media/signalling-only';
import { ModuleRegistry } from '../core/modules/registry';
import { ServerInfo } from '../core/server-info';
import { Sessions } from '../core/sessions';
import { PLUGIN_API_VERSION, PluginResult, type JanusMessage, type Plugin, type PluginHandle, type Transport, type TransportClient } from '../core/plugin-api';

/** The request dispatcher alone: a DI container, a fake transport client and a fake plugin, no network. */
describe('Request dispatcher (unit)', () => {
  let api: JanusApi;
  let sessions: Sessions;
  const events: JanusMessage[] = [];
  const over: Array<[number, boolean, boolean]> = [];
  const transport = { info: { package: 'test.transport' } } as unknown as Transport;
  const client: TransportClient = {
    transport,
    sendEvent: (m) => events.push(m),
    sessionOver: (id, timeout, claimed) => over.push([id, timeout, claimed]),
  };
  let handles: PluginHandle[] = [];
  const plugin: Plugin<{ h: PluginHandle }> = {
    kind: 'plugin',
    apiVersion: PLUGIN_API_VERSION,
    info: { package: 'test.plugin', name: 't', author: 't', description: 't', version: 1, versionString: '1' },
    init: () => {},
    destroy: () => {},
    createSession: (h) => {
      handles.push(h);
      return { h };
    },
    handleMessage: async (s, m) => {
      if (m.body.sync) return PluginResult.ok({ echoed: m.body });
      if (m.body.throw) throw new Error('boom');
      if (m.body.bad) return { type: 'ok', content: [] } as unknown as PluginResult;
      void s.h.pushEvent(m.transaction, { late: true });
      return PluginResult.okWait();
    },
    destroySession: () => {},
  };

  const call = async (message: unknown): Promise<JanusMessage> =>
    new Promise((resolve) => void api.handle({ client, admin: false, message, reply: resolve }));

  before(() => {
    const c = container.createChildContainer();
    c.registerInstance(Settings, new Settings());
    c.registerInstance(Logger, new Logger({ level: 0, stdout: false, file: '/dev/null', timestamps: false }));
    c.registerInstance(MEDIA_PORT, new SignallingOnlyMedia());
    for (const cls of [EventBus, Auth, Sessions, ModuleRegistry, ServerInfo, JanusApi, AdminApi]) c.registerSingleton(cls as never);
    c.resolve(ModuleRegistry).plugins.set('test.plugin', plugin as Plugin);
    api = c.resolve(JanusApi);
    sessions = c.resolve(Sessions);
  });

  it('parse errors and non-objects', async () => {
    assert.deepEqual(await api.handle.length, 1);
    const r = await new Promise<JanusMessage>((resolve) => api.handle({ client, admin: false, message: undefined, parseError: 'JSON error: x', reply: resolve }));
    assert.deepEqual(r, { janus: 'error', error: { code: 454, reason: 'JSON error: x' } });
    assert.deepEqual(await call([1]), { janus: 'error', error: { code: 456, reason: 'Missing mandatory element (transaction)' } });
    assert.deepEqual(await call('x'), { janus: 'error', error: { code: 456, reason: 'Missing mandatory element (transaction)' } });
  });

  it('create, attach, sync and async messages, with the ack before the event', async () => {
    const S = ((await call({ janus: 'create', transaction: 'a' })).data as { id: number }).id;
    const H = ((await call({ janus: 'attach', session_id: S, plugin: 'test.plugin', transaction: 'b' })).data as { id: number }).id;
    assert.deepEqual(await call({ janus: 'message', session_id: S, handle_id: H, body: { sync: 1 }, transaction: 'c' }), {
      janus: 'success', session_id: S, transaction: 'c', sender: H, plugindata: { plugin: 'test.plugin', data: { echoed: { sync: 1 } } },
    });
    events.length = 0;
    const ack = await call({ janus: 'message', session_id: S, handle_id: H, body: {}, transaction: 'd' });
    assert.deepEqual(ack, { janus: 'ack', session_id: S, transaction: 'd' });
    // the plugin pushed its event before returning: it is delivered only after the reply
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(events, [{ janus: 'event', session_id: S, transaction: 'd', sender: H, plugindata: { plugin: 'test.plugin', data: { late: true } } }]);
  });

  it('plugin failures become 462 without affecting the session', async () => {
    const S = ((await call({ janus: 'create', transaction: 'a' })).data as { id: number }).id;
    const H = ((await call({ janus: 'attach', session_id: S, plugin: 'test.plugin', transaction: 'b' })).data as { id: number }).id;
    assert.deepEqual(await call({ janus: 'message', session_id: S, handle_id: H, body: { throw: 1 }, transaction: 'e' }),
      { janus: 'error', session_id: S, transaction: 'e', error: { code: 462, reason: 'boom' } });
    assert.deepEqual(await call({ janus: 'message', session_id: S, handle_id: H, body: { bad: 1 }, transaction: 'f' }),
      { janus: 'error', session_id: S, transaction: 'f', error: { code: 462, reason: 'Plugin returned an invalid synchronous response' } });
    assert.equal((await call({ janus: 'keepalive', session_id: S, transaction: 'g' })).janus, 'ack');
  });

  it('destroy detaches handles and tells the owner the session is over', async () => {
    handles = [];
    over.length = 0;
    const S = ((await call({ janus: 'create', transaction: 'a' })).data as { id: number }).id;
    await call({ janus: 'attach', session_id: S, plugin: 'test.plugin', transaction: 'b' });
    assert.equal(handles[0].alive, true);
    assert.deepEqual(await call({ janus: 'destroy', session_id: S, transaction: 'c' }), { janus: 'success', session_id: S, transaction: 'c' });
    assert.equal(handles[0].alive, false);
    assert.deepEqual(over, [[S, false, false]]);
    assert.equal(sessions.get(S), undefined);
    // as the plugin API documents: calls on a handle that is gone are ignored (no rejection)
    await handles[0].pushEvent('x', {});
  });
});
