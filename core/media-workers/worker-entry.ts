import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { Settings } from '../config/settings';
import type { BusEvent, EventBus } from '../events/event-bus';
import type { Handle } from '../handle';
import { Logger } from '../logger';
import { shareUdpDrops } from '../media/udp-guard';
import { WeriftMedia } from '../media/werift-media';
import { MediaSession } from '../media-session';
import { JanusError, type ClientJsep, type JsonObject, type OutgoingJsep, type Plugin } from '../plugin-api';
import { LoopMonitor } from './loop-health';
import { RecordReader, RELAY_MAX_AGE_MS, writeEvent, writeRtcp, writeRtp, writeData } from './media-record';
import { RingReader, RingWriter } from './packet-ring';
import type { HandleRef, ToMain, ToWorker, WorkerBoot, WorkerEvent } from './protocol';
import { WorkerRoutes } from './worker-routes';

/**
 * A media worker: runs the same werift media stack as the in-thread mode (WeriftMedia) for the
 * handles placed on it. Each handle is a thin proxy whose "plugin" forwards packets to the main
 * thread over the ring and whose events go back as typed records; the core's session layer on
 * the main thread turns them into Janus messages and real plugin callbacks.
 */
const boot = workerData as WorkerBoot;
shareUdpDrops(boot.udpDrops);
const port = parentPort!;
const settings = Object.assign(new Settings(), boot.settings);
const logger = new Logger(boot.logger);
const log = logger.child(`media-worker-${boot.index}`);
const toMain = new RingWriter(boot.toMain, () => port.postMessage({ t: 'wake' } satisfies ToMain));
const fromMain = new RingReader(boot.toWorker);
let wanted = new Set(boot.wanted);

function post(m: ToMain): void {
  port.postMessage(m);
}

/** Events keep their order with packets by taking the ring; the rare overflow goes by message. */
function event(key: number, ev: WorkerEvent): void {
  if (!writeEvent(toMain, key, ev)) post({ t: 'event', key, event: ev });
}

const handles = new Map<number, Handle>();

function proxyHandle(ref: HandleRef): Handle {
  const key = ref.key;
  // only the packet callbacks: every other plugin callback is the main thread's session layer's
  const plugin: Partial<Plugin> = {
    incomingRtp: ref.wants.rtp ? (_s, p) => void writeRtp(toMain, key, p) : undefined,
    incomingRtcp: ref.wants.rtcp ? (_s, p) => void writeRtcp(toMain, key, p) : undefined,
    incomingRtcpKinds: ref.wants.rtcpKinds,
    incomingData: ref.wants.data ? (_s, p) => void writeData(toMain, key, p) : undefined,
  };
  const h = {
    id: ref.handleId,
    session: { id: ref.sessionId },
    opaqueId: ref.opaqueId,
    token: undefined,
    plugin,
    pluginState: undefined,
    attached: true,
    detached: false,
    trickle: false,
  };
  // typed media events go to the main thread as they are; packets through the stand-in plugin
  const media = new MediaSession(h, (ev) => event(key, { e: 'media', ev }), (what, err) => fault(what, err));
  for (const mindex of ref.rtpOff) media.setRtpWanted(mindex, false);
  (h as { media?: MediaSession }).media = media;
  return h as unknown as Handle;
}

/** Janus handle ids are unique server-wide: bus events find their handle's key by id. */
const keyOfHandleId = new Map<number, number>();

// One WeriftMedia per worker; its bus events become records tagged with the handle's key.
const media = new WeriftMedia(
  settings,
  {
    wants: (type: number) => wanted.has(type),
    emit: ({ type, subtype, handleId, event: body }: BusEvent) => {
      const key = handleId === undefined ? undefined : keyOfHandleId.get(handleId);
      if (key !== undefined) event(key, { e: 'bus', type, subtype: subtype ?? 0, body: body as JsonObject });
    },
  } as unknown as EventBus,
  logger,
);

function forHandle<T>(key: number, fn: (h: Handle) => T): T | undefined {
  const h = handles.get(key);
  return h ? fn(h) : undefined;
}

/** Same policy as the main thread (core/faults.ts): log it, count it, keep serving. */
let faults = 0;
function fault(kind: string, err: unknown): void {
  faults++;
  log.error({ err, kind, worker: boot.index }, 'Media worker fault (kept running)');
}
process.on('unhandledRejection', (reason) => fault('unhandledRejection', reason));
process.on('uncaughtException', (err) => fault('uncaughtException', err));

/** A relayed packet that makes the stack throw is dropped, as in-thread (the plugin's call would catch it). */
function relay(key: number, fn: (h: Handle) => void): void {
  const h = handles.get(key);
  if (!h) return;
  try {
    fn(h);
  } catch (err) {
    fault('relay', err);
  }
}

const routes = new WorkerRoutes(
  (key) => handles.get(key)?.media,
  (note) => post({ t: 'routeNote', note }),
  (what, err) => fault(what, err),
);

const reader = new RecordReader({
  rtp: (key, p) => relay(key, (h) => h.media.out.relayRtp(p)),
  rtcp: (key, p) => relay(key, (h) => h.media.out.relayRtcp(p)),
  data: (key, p) => relay(key, (h) => h.media.out.relayData(p)),
  event: () => undefined,
}, RELAY_MAX_AGE_MS); // a plugin's RTP that waited too long for this worker is not sent late
fromMain.start(reader.onRecord);

async function call(m: Extract<ToWorker, { t: 'call' }>): Promise<unknown> {
  const h = handles.get(m.key);
  if (!h) throw new JanusError(458, 'No such handle in media worker');
  h.trickle = m.trickle;
  if (m.op === 'remoteJsep') return await media.remoteJsep(h, m.arg as ClientJsep);
  if (m.op === 'localJsep') return await media.localJsep(h, m.arg as OutgoingJsep);
  return media.info(h) ?? null;
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'wake':
      fromMain.wake();
      break;
    case 'attach':
      handles.set(m.handle.key, proxyHandle(m.handle));
      keyOfHandleId.set(m.handle.handleId, m.handle.key);
      routes.table.attached(m.handle.key);
      break;
    case 'call':
      call(m).then(
        (value) => post({ t: 'reply', id: m.id, ok: true, value }),
        (err: unknown) => {
          const je = err instanceof JanusError ? err : undefined;
          post({ t: 'reply', id: m.id, ok: false, code: je?.code, reason: (err as Error)?.message ?? String(err) });
        },
      );
      break;
    case 'trickle':
      forHandle(m.key, (h) => {
        try {
          media.trickle(h, m.request);
        } catch (err) {
          log.debug({ err: (err as Error).message }, 'Trickle refused in media worker');
        }
      });
      break;
    case 'hangup':
      forHandle(m.key, (h) => media.hangup(h, m.reason));
      event(m.key, { e: 'closed' });
      break;
    case 'destroy':
      forHandle(m.key, (h) => {
        (h as { detached: boolean }).detached = true;
        media.destroy(h);
      });
      routes.table.detached(m.key);
      keyOfHandleId.delete(handles.get(m.key)?.id ?? -1);
      handles.delete(m.key);
      break;
    case 'pli':
      forHandle(m.key, (h) => media.sendPli(h, m.mindex));
      break;
    case 'remb':
      forHandle(m.key, (h) => media.sendRemb(h, m.bitrate));
      break;
    case 'rtpWanted':
      forHandle(m.key, (h) => h.media.setRtpWanted(m.mindex, m.wanted));
      break;
    case 'wanted':
      wanted = new Set(m.wanted);
      break;
    case 'settings':
      Object.assign(settings, m.settings);
      logger.setLevel(settings.debugLevel);
      logger.setFormat({ timestamps: settings.debugTimestamps, colors: settings.debugColors });
      break;
    case 'route':
    case 'routeCmd':
    case 'routeClose':
    case 'fan':
    case 'peerOut':
    case 'peerIn':
    case 'peerGone':
      routes.onMessage(m);
      break;
    case 'stall':
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(m.ms, 5000));
      break;
    case 'crash':
      // for tests: end the thread as an OOM or a fatal error would (exceptions are contained)
      process.exit(70);
      break;
  }
});

const loop = new LoopMonitor();
setInterval(() => post({ t: 'health', loop: loop.sample(), peers: handles.size, faults, metrics: media.metrics(), routes: routes.counts(), relayStale: reader.stale }), 1000).unref();
log.info({ worker: boot.index }, 'Media worker started');
