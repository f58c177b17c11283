/** WebSocket event handler against a real WebSocket server: delivery, subprotocol, reconnect with the capped buffer. */
import 'reflect-metadata';
import * as assert from 'node:assert/strict';
import { WebSocketServer, type WebSocket } from 'ws';
import { EventBus } from '../core/events/event-bus';
import { EventType } from '../core/plugin-api';
import type { JanusServer } from '../core/server';
import { freePorts } from './support/ports';
import { api, removeConfigs, makeConfigs, startServer, waitUntil } from './support/evh-harness';

let WS_PORT = 0;
const PORTS = { http: 0, admin: 0 };
type Ev = Record<string, any>;

class WsSink {
  readonly frames: string[] = [];
  protocols: string[] = [];
  connections = 0;
  private wss?: WebSocketServer;
  async start(): Promise<void> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: WS_PORT, handleProtocols: (p) => (p.has('janus-evh') ? 'janus-evh' : false) });
    this.wss.on('connection', (ws: WebSocket, req) => {
      this.connections++;
      this.protocols.push(String(req.headers['sec-websocket-protocol']));
      ws.on('message', (d) => this.frames.push(d.toString()));
    });
    await new Promise<void>((r) => this.wss!.once('listening', () => r()));
  }
  events(): Ev[] {
    return this.frames.flatMap((f) => {
      const v = JSON.parse(f);
      return Array.isArray(v) ? v : [v];
    });
  }
  async stop(): Promise<void> {
    if (!this.wss) return;
    for (const c of this.wss.clients) c.terminate();
    await new Promise((r) => this.wss!.close(r));
    this.wss = undefined;
  }
}

describe('evh: WebSocket event handler', function () {
  this.timeout(20_000);
  let sink: WsSink;
  let server: JanusServer | undefined;
  before(async () => {
    ({ sink: WS_PORT, http: PORTS.http, admin: PORTS.admin } = await freePorts('sink', 'http', 'admin'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await sink?.stop();
    removeConfigs();
  });

  it('sends events as text frames with the subprotocol, and after the backend goes away and comes back, delivers what was held, in order', async () => {
    sink = new WsSink();
    await sink.start();
    const conf = makeConfigs({
      'janus.eventhandler.wsevh': `general: {\n\tenabled = true\n\tbackend = "ws://127.0.0.1:${WS_PORT}/"\n\tsubprotocol = "janus-evh"\n\tevents = "sessions,external"\n\tjson = "compact"\n\treconnect_delay = 100\n\tevents_cap_on_reconnect = 1000\n}\n`,
    });
    server = await startServer(conf, PORTS);
    await waitUntil(() => sink.connections === 1, 5000, 'handler connected');
    assert.deepEqual(sink.protocols, ['janus-evh']);
    const sid = (await api(`http://127.0.0.1:${PORTS.http}/janus`, { janus: 'create', transaction: 'c' })).data.id;
    await waitUntil(() => sink.events().length >= 1, 5000, 'session event');
    const first = sink.events()[0];
    assert.equal(first.type, 1);
    assert.equal(first.session_id, sid);
    assert.ok(Array.isArray(JSON.parse(sink.frames[0])), 'grouping: an array');

    // backend down: events wait in the handler's queue
    await sink.stop();
    const bus = server.container.resolve(EventBus);
    for (let i = 0; i < 300; i++) bus.emit({ type: EventType.EXTERNAL, event: { schema: 's', data: { i } } });
    const h = server.modules.eventHandlers.get('janus.eventhandler.wsevh')!;
    const stats = () => (h.handleRequest!({ request: 'stats' }) as Ev).stats;
    await waitUntil(() => stats().failures >= 1, 5000, 'a failed try while the backend is down');
    const down = stats();
    assert.equal(down.queued, 300);
    assert.ok(down.failures >= 1);
    sink = new WsSink();
    await sink.start();
    await waitUntil(() => sink.events().length >= 300, 10_000, 'held events after reconnect');
    assert.deepEqual(sink.events().map((e) => e.event.data.i), [...Array(300).keys()]);
    const up = (h.handleRequest!({ request: 'stats' }) as Ev).stats;
    assert.equal(up.dropped_overflow, 0);
    assert.equal(up.queued, 0);
  });

  it('caps the buffer while disconnected: oldest dropped and counted, newest kept', async () => {
    const conf = makeConfigs({
      'janus.eventhandler.wsevh': `general: {\n\tenabled = true\n\tbackend = "ws://127.0.0.1:${WS_PORT}/"\n\tevents = "external"\n\tjson = "compact"\n\treconnect_delay = 100\n\tevents_cap_on_reconnect = 100\n}\n`,
    });
    server = await startServer(conf, PORTS);
    const bus = server.container.resolve(EventBus);
    for (let i = 0; i < 1000; i++) bus.emit({ type: EventType.EXTERNAL, event: { schema: 's', data: { i } } });
    // the bus hands events to handlers asynchronously: wait until all 1000 are accounted for
    const h = server.modules.eventHandlers.get('janus.eventhandler.wsevh')!;
    const stats = () => (h.handleRequest!({ request: 'stats' }) as Ev).stats;
    await waitUntil(() => stats().dropped_overflow + stats().queued >= 1000, 5000, '1000 events queued or dropped');
    const st = stats();
    assert.ok(st.queued <= 200, `queued ${st.queued}`);
    assert.equal(st.dropped_overflow + st.queued, 1000);
    sink = new WsSink();
    await sink.start();
    await waitUntil(() => sink.events().length >= st.queued, 10_000, 'kept events');
    const got = sink.events().map((e) => e.event.data.i as number);
    assert.deepEqual(got.slice(-100), [...Array(100).keys()].map((k) => 900 + k));
  });
});
