import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type { RTCPeerConnection } from 'werift';
import { EventBus } from '../core/events/event-bus';
import { MEDIA_PORT } from '../core/media/media-port';
import { WorkerMediaPort } from '../core/media-workers/worker-media-port';
import { Sessions } from '../core/sessions';
import type { JanusMessage } from '../core/plugin-api';
import { openVideoEcho, startMediaServer, until, type MediaServer } from './media-support';

/**
 * Every way a PeerConnection ends goes through one hangup path, in Janus 1.1.2's order (ice.c:
 * the handle's loop calls the plugin's `hangup_media`, then `janus_ice_webrtc_free` notifies the
 * client's `hangup` and the event handlers' webrtc "hangup"; a detach sets STOP first, so only
 * `detached` follows). The order is recorded on the server, where it is decided: plugin
 * callbacks, messages handed to the client's transport, events handed to the event bus.
 */
type Watch = { log: string[]; restore(): void };

function watchHandle(ts: MediaServer, sessionId: number, handleId: number): Watch {
  const log: string[] = [];
  const session = ts.server.container.resolve(Sessions).get(sessionId)!;
  const handle = session.handles.get(handleId)!;
  const plugin = handle.plugin as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved: Array<[object, string, unknown]> = [];
  const patch = (o: object, name: string, fn: unknown) => {
    saved.push([o, name, Object.getOwnPropertyDescriptor(o, name)?.value]);
    (o as Record<string, unknown>)[name] = fn;
  };
  for (const cb of ['setupMedia', 'hangupMedia', 'destroySession']) {
    const orig = plugin[cb];
    patch(plugin, cb, function (this: unknown, state: unknown, ...rest: unknown[]) {
      if (state === handle.pluginState) log.push(`plugin:${cb}`);
      return orig?.call(this, state, ...rest);
    });
  }
  // client: what the session layer sends the handle's client (before the reply gate of the request
  // being processed holds it), and the `detached` that goes to the session
  const note = (m: JanusMessage) => {
    if (m.sender === handleId && m.janus !== 'event' && m.janus !== 'media' && m.janus !== 'trickle') {
      log.push(`client:${m.janus}${typeof m.reason === 'string' ? `:${m.reason}` : ''}`);
    }
  };
  const handleSend = handle.send;
  patch(handle, 'send', (m: JanusMessage) => {
    note(m);
    return handleSend.call(handle, m);
  });
  const sessionSend = session.send;
  patch(session, 'send', (m: JanusMessage) => {
    if (m.janus === 'detached') note(m);
    return sessionSend.call(session, m);
  });
  // event handlers: on (as if one wanted everything), and their webrtc state events for this handle
  const bus = ts.server.container.resolve(EventBus) as unknown as Record<string, (...a: unknown[]) => unknown>;
  const emit = bus.emit;
  patch(bus, 'wants', () => true);
  patch(bus, 'emit', function (this: unknown, ...args: unknown[]) {
    const o = args[0] as Record<string, unknown> | number;
    // positional (type, subtype, session, handle, opaque, body) or one options object
    const [type, hid, body] = typeof o === 'number' ? [o, args[3], args[5]] : [o.type, o.handleId, o.event];
    const connection = (body as { connection?: unknown } | undefined)?.connection;
    if (type === 16 && hid === handleId && typeof connection === 'string') log.push(`handler:${connection}`);
    return emit.apply(this, args);
  });
  return {
    log,
    restore() {
      for (const [o, name, v] of saved.reverse()) {
        if (v === undefined) delete (o as Record<string, unknown>)[name];
        else (o as Record<string, unknown>)[name] = v;
      }
    },
  };
}

/** werift's consent expiry (s), a module field its ICE reads each time it arms the timer. */
const iceBase = require(path.join(path.dirname(require.resolve('werift')), '..', '..', 'ice', 'src', 'iceBase.js')) as { CONSENT_TIMEOUT: number };

/**
 * Make a connected werift client go silent, as a browser whose network vanished: it neither sends
 * nor reads anything from now on (no DTLS alert), so the server's consent checks go unanswered
 * and its ICE fails when consent expires.
 */
function vanish(pc: RTCPeerConnection): void {
  for (const t of pc.iceTransports) {
    const protocols = (t as unknown as { connection: { protocols: Array<{ transport: { onData: unknown; send: unknown } }> } }).connection.protocols;
    for (const p of protocols) {
      p.transport.onData = () => undefined;
      p.transport.send = async () => undefined;
    }
  }
}

function modes(): Array<{ name: string; workers: number }> {
  return [
    { name: 'in-thread (media_workers = 0)', workers: 0 },
    { name: 'media workers (media_workers = 1)', workers: 1 },
  ];
}

for (const mode of modes()) {
  describe(`Hangup order, ${mode.name}`, function () {
    this.timeout(90000);
    let ts: MediaServer;
    const open: Array<{ close(): unknown }> = [];
    before(async () => {
      ts = await startMediaServer({ 'media.media_workers': mode.workers });
      assert.equal(ts.server.container.resolve(MEDIA_PORT) instanceof WorkerMediaPort, mode.workers > 0);
    });
    afterEach(async () => {
      for (const c of open.splice(0)) await c.close();
    });
    after(async () => ts?.stop());

    async function call() {
      const c = await openVideoEcho(ts.wsUrl);
      open.push(c.janus, { close: () => c.pc.close() });
      return c;
    }

    it('client hangup: plugin hangupMedia, then the client\'s hangup, then the event handlers\'', async () => {
      const c = await call();
      const w = watchHandle(ts, c.janus.session, c.handle);
      try {
        const r = await c.janus.request({ janus: 'hangup', handle_id: c.handle });
        assert.equal(r.janus, 'success');
        assert.ok(await until(() => w.log.includes('handler:hangup')), w.log.join(' '));
        assert.deepEqual(w.log, ['plugin:hangupMedia', 'client:hangup:Janus API', 'handler:hangup']);
      } finally {
        w.restore();
      }
    });

    it('ICE failure (the client vanishes, consent expires): the same order, with reason "ICE failed"', async function () {
      // in-thread the server's werift is this process's: its consent expiry is shortened (30 s in a worker)
      const consent = iceBase.CONSENT_TIMEOUT;
      if (mode.workers === 0) iceBase.CONSENT_TIMEOUT = 3;
      const c = await call();
      const w = watchHandle(ts, c.janus.session, c.handle);
      try {
        vanish(c.pc);
        assert.ok(await until(() => w.log.includes('handler:hangup'), 60000), `ICE never failed: ${w.log.join(' ')}`);
        assert.deepEqual(w.log, ['plugin:hangupMedia', 'client:hangup:ICE failed', 'handler:hangup']);
        // the handle stays, usable for a new PeerConnection
        const ok = await c.janus.request({ janus: 'keepalive' });
        assert.equal(ok.janus, 'ack');
      } finally {
        iceBase.CONSENT_TIMEOUT = consent;
        w.restore();
      }
    });

    it('detach: plugin hangupMedia, then destroySession, then only `detached` (no hangup, as Janus)', async () => {
      const c = await call();
      const w = watchHandle(ts, c.janus.session, c.handle);
      try {
        const r = await c.janus.request({ janus: 'detach', handle_id: c.handle });
        assert.equal(r.janus, 'success');
        assert.ok(await until(() => w.log.includes('client:detached')), w.log.join(' '));
        assert.deepEqual(w.log, ['plugin:hangupMedia', 'plugin:destroySession', 'client:detached']);
      } finally {
        w.restore();
      }
    });

    it('session timeout: each handle\'s plugin hangupMedia, then destroySession; no hangup', async () => {
      const c = await call();
      const w = watchHandle(ts, c.janus.session, c.handle);
      try {
        ts.server.container.resolve(Sessions).get(c.janus.session)!.timeoutOverride = 1;
        assert.ok(await until(() => w.log.includes('plugin:destroySession'), 8000), w.log.join(' '));
        assert.deepEqual(w.log, ['plugin:hangupMedia', 'plugin:destroySession']);
        await c.janus.waitFor((m) => m.janus === 'timeout', 3000, 'timeout');
      } finally {
        w.restore();
      }
    });

    if (mode.workers > 0) {
      it('a killed media worker: the same order as a failure, with reason "Media worker failed"', async () => {
        const c = await call();
        const port = ts.server.container.resolve<WorkerMediaPort>(MEDIA_PORT);
        const w = watchHandle(ts, c.janus.session, c.handle);
        try {
          port.crashWorker(port.workerIndexOf(c.handle)!);
          assert.ok(await until(() => w.log.includes('handler:hangup'), 10000), w.log.join(' '));
          assert.deepEqual(w.log, ['plugin:hangupMedia', 'client:hangup:Media worker failed', 'handler:hangup']);
          // the restarted worker serves a new call
          assert.ok(await until(() => port.restarts > 0, 10000), 'worker restarted');
          const again = await call();
          assert.ok(again.handle > 0);
        } finally {
          w.restore();
        }
      });
    }
  });
}
