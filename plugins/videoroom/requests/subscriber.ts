/** Subscriber-side asynchronous requests: join (1.x streams and 0.x feed), start, pause, configure, switch, subscribe/unsubscribe/update, leave. */
import type { JsonObject, PluginJsep } from '../../../core/plugin-api';
import { checkParams, unauthorized, VrError, VrErrorCode } from '../errors';
import type { VrId } from '../ids';
import type { HandleState } from '../handle-state';
import { removeSubscriber, renegotiate } from '../lifecycle';
import { subscriberOffer } from '../negotiation';
import type { Publisher } from '../publisher/publisher';
import type { PublisherStream } from '../publisher/publisher-stream';
import type { Room } from '../room';
import type { VideoRoomState } from '../state';
import { Subscriber } from '../subscriber/subscriber';
import type { SubscriberStream } from '../subscriber/subscriber-stream';
import type { AsyncReply } from './publisher';

const streamOptParams = [
  { name: 'mid', type: 'string' },
  { name: 'crossrefid', type: 'string' },
  { name: 'send', type: 'boolean' },
  { name: 'substream', type: 'positiveInteger' },
  { name: 'temporal', type: 'positiveInteger' },
  { name: 'fallback', type: 'positiveInteger' },
  { name: 'spatial_layer', type: 'positiveInteger' },
  { name: 'temporal_layer', type: 'positiveInteger' },
  { name: 'min_delay', type: 'integer' },
  { name: 'max_delay', type: 'integer' },
] as const;

interface StreamRequest {
  publisher: Publisher;
  /** Publisher streams to take (a given mid, or all). */
  sources: PublisherStream[];
  opts: JsonObject;
}

function activeFeed(_vr: VideoRoomState, room: Room, id: VrId): Publisher {
  const p = room.participants.get(id);
  if (!p || !p.active || p.streams.length === 0) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such feed (${id})`);
  return p;
}

/** Check a `streams` array (join/subscribe) and resolve each entry to publisher streams. */
function resolveStreams(vr: VideoRoomState, room: Room, list: unknown[], legacy?: JsonObject): StreamRequest[] {
  if (list.length === 0) throw new VrError(VrErrorCode.MISSING_ELEMENT, 'Missing mandatory element (feed)');
  const out: StreamRequest[] = [];
  for (const e of list) {
    const entry = (typeof e === 'object' && e !== null && !Array.isArray(e) ? e : {}) as JsonObject;
    checkParams(entry, [vr.ids.spec('feed', true), ...streamOptParams]);
    checkLayers(entry);
    const publisher = activeFeed(vr, room, entry.feed as VrId);
    let sources: PublisherStream[];
    if (typeof entry.mid === 'string') {
      const s = publisher.stream(entry.mid);
      if (!s || s.disabled) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such mid '${entry.mid}' in feed (${publisher.id})`);
      sources = [s];
    } else {
      sources = publisher.streams.filter((s) => !s.disabled);
      if (legacy) {
        // 0.x offer_audio/offer_video/offer_data: leave those m-lines out
        sources = sources.filter((s) => legacy[`offer_${s.type}`] !== false);
      }
    }
    out.push({ publisher, sources, opts: entry });
  }
  return out;
}

/** Simulcast/SVC layers are 0, 1 or 2: anything else is refused before a stream is touched. */
function checkLayers(o: JsonObject): void {
  for (const k of ['substream', 'temporal', 'spatial_layer', 'temporal_layer']) {
    if (typeof o[k] === 'number' && (o[k] as number) > 2) throw new VrError(VrErrorCode.INVALID_ELEMENT, `Invalid element (${k} should be 0, 1 or 2)`);
  }
}

function applyStreamOpts(ss: SubscriberStream, o: JsonObject): void {
  // turning relaying back on starts a new segment with a keyframe
  if (typeof o.send === 'boolean') ss.setSend(o.send, true);
  if (typeof o.crossrefid === 'string') ss.crossrefid = o.crossrefid;
  if (typeof o.min_delay === 'number') ss.minDelay = o.min_delay;
  if (typeof o.max_delay === 'number') ss.maxDelay = o.max_delay;
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined);
  ss.setPreferredLayers({ substream: n(o.substream), temporal: n(o.temporal), spatial_layer: n(o.spatial_layer), temporal_layer: n(o.temporal_layer), fallback: n(o.fallback) });
}

/** Add m-lines for the requested sources (the one data m-line is shared). Returns how many changed. */
function addStreams(sub: Subscriber, reqs: StreamRequest[]): number {
  let changes = 0;
  for (const r of reqs) {
    for (const src of r.sources) {
      if (src.type === 'data') continue;
      // already subscribed to this very stream: nothing to add
      if (sub.streams.some((s) => s.source === src)) continue;
      // reuse an m-line freed by unsubscribe (same kind), as Janus does, else a new one
      let ss = sub.streams.find((s) => s.type === src.type && !s.active && s.codec === src.codec?.name);
      if (!ss) ss = sub.addStream(src.type);
      ss.attach(r.publisher, src);
      applyStreamOpts(ss, r.opts);
      changes++;
    }
  }
  // the one data m-line comes after the audio/video m-lines added with it, where WebRTC stacks put it
  for (const r of reqs) {
    for (const src of r.sources) {
      if (src.type !== 'data') continue;
      let ds = sub.dataStream();
      if (!ds) ds = sub.addStream('data');
      if (!ds.dataSources.has(r.publisher)) {
        ds.addDataSource(r.publisher, src);
        changes++;
      }
    }
  }
  return changes;
}

export function joinSubscriber(vr: VideoRoomState, hs: HandleState, room: Room, body: JsonObject): AsyncReply {
  checkParams(body, [
    vr.ids.spec('feed'),
    { name: 'streams', type: 'array' },
    { name: 'private_id', type: 'positiveInteger' },
    { name: 'use_msid', type: 'boolean' },
    { name: 'autoupdate', type: 'boolean' },
    { name: 'close_pc', type: 'boolean' },
    { name: 'audio', type: 'boolean' },
    { name: 'video', type: 'boolean' },
    { name: 'data', type: 'boolean' },
    { name: 'offer_audio', type: 'boolean' },
    { name: 'offer_video', type: 'boolean' },
    { name: 'offer_data', type: 'boolean' },
    ...streamOptParams.filter((p) => p.name !== 'mid' && p.name !== 'crossrefid' && p.name !== 'send'),
  ]);
  const legacy = body.streams === undefined && body.feed !== undefined;
  const list = legacy ? [{ ...body, mid: undefined }] : ((body.streams as unknown[] | undefined) ?? []);
  const reqs = resolveStreams(vr, room, list, legacy ? body : undefined);
  const owner = typeof body.private_id === 'number' ? room.participantByPrivateId(body.private_id) : undefined;
  if (room.config.requirePvtid && !owner) throw unauthorized('this room requires a valid private_id');

  const sub = new Subscriber(room, hs.handle, vr.settings.mediaRoutes);
  sub.legacy = legacy;
  sub.useMsid = body.use_msid === true;
  if (typeof body.autoupdate === 'boolean') sub.autoupdate = body.autoupdate;
  if (typeof body.close_pc === 'boolean') sub.closePc = body.close_pc;
  sub.owner = owner;
  addStreams(sub, reqs);
  if (legacy) {
    // 0.x audio/video/data: relay on/off per kind
    for (const s of sub.streams) if (typeof body[s.type] === 'boolean') s.setSend(body[s.type] as boolean);
  }
  if (sub.streams.length === 0) throw new VrError(VrErrorCode.INVALID_ELEMENT, "Can't offer an SDP with no stream");
  room.addSubscriber(sub);
  hs.setSubscriber(room, sub);
  sub.beginOffer(false);
  const data: JsonObject = { videoroom: 'attached', room: room.id, streams: sub.describeStreams() };
  if (legacy) {
    const p = reqs[0].publisher;
    data.id = p.id;
    if (p.display !== undefined) data.display = p.display;
    data.warning = 'deprecated_api';
  }
  vr.event(hs.handle, { event: 'subscribing', room: room.id, streams: sub.streams.length, private_id: owner?.privateId });
  return { data, jsep: { type: 'offer', media: subscriberOffer(sub), ...(room.config.requireE2ee ? { e2ee: true } : {}) } };
}

export function start(vr: VideoRoomState, sub: Subscriber, jsep: PluginJsep | undefined): AsyncReply {
  if (jsep && jsep.type !== 'answer') throw new VrError(VrErrorCode.INVALID_SDP_TYPE, `Unsupported SDP type '${jsep.type}'`);
  sub.start(jsep !== undefined);
  if (jsep) vr.event(sub.handle, { event: 'subscribed', room: sub.room.id });
  return { data: { videoroom: 'event', room: sub.room.id, started: 'ok' } };
}

/** After `started`: a subscribe/unsubscribe that waited for this answer gets its offer now. */
export function afterStart(vr: VideoRoomState, sub: Subscriber): void {
  if (sub.updateQueued && !sub.offerPending) renegotiate(vr, sub, undefined);
}

export function pause(sub: Subscriber): AsyncReply {
  sub.pause();
  return { data: { videoroom: 'event', room: sub.room.id, paused: 'ok' } };
}

export function configureSubscriber(_vr: VideoRoomState, sub: Subscriber, body: JsonObject): AsyncReply & { restart?: boolean } {
  checkParams(body, [
    { name: 'streams', type: 'array' },
    { name: 'audio', type: 'boolean' },
    { name: 'video', type: 'boolean' },
    { name: 'data', type: 'boolean' },
    { name: 'restart', type: 'boolean' },
    { name: 'update', type: 'boolean' },
    ...streamOptParams,
  ]);
  // legacy form: top-level fields are one stream entry (no mid = every stream)
  const entries = (body.streams as unknown[] | undefined) ?? [body];
  const plan: Array<{ targets: readonly SubscriberStream[]; o: JsonObject }> = [];
  for (const e of entries) {
    const o = (typeof e === 'object' && e !== null && !Array.isArray(e) ? e : {}) as JsonObject;
    // an entry without mid applies to every stream (Janus 1.1.2 does the same)
    checkParams(o, streamOptParams);
    checkLayers(o);
    let targets = sub.streams;
    if (typeof o.mid === 'string') {
      const s = sub.streamByMid(o.mid);
      if (!s) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such mid '${o.mid}' in subscription`);
      targets = [s];
    }
    plan.push({ targets, o });
  }
  for (const { targets, o } of plan) {
    for (const s of targets) {
      applyStreamOpts(s, o);
    }
  }
  for (const kind of ['audio', 'video', 'data'] as const) {
    if (typeof body[kind] !== 'boolean') continue;
    for (const s of sub.streams) {
      if (s.type === kind) s.setSend(body[kind] as boolean);
    }
  }
  return { data: { videoroom: 'event', room: sub.room.id, configured: 'ok' }, restart: body.restart === true || body.update === true };
}

export function switchSubscriber(vr: VideoRoomState, room: Room, sub: Subscriber, body: JsonObject): AsyncReply {
  checkParams(body, [vr.ids.spec('feed'), { name: 'streams', type: 'array' }, { name: 'audio', type: 'boolean' }, { name: 'video', type: 'boolean' }, { name: 'data', type: 'boolean' }]);
  let changes = 0;
  if (body.streams === undefined) {
    // 0.x: switch the whole subscription to another publisher, m-line by m-line of the same kind
    if (body.feed === undefined) throw new VrError(VrErrorCode.MISSING_ELEMENT, 'Missing mandatory element (feed)');
    const p = activeFeed(vr, room, body.feed as VrId);
    const used = new Set<PublisherStream>();
    for (const ss of sub.streams) {
      if (ss.type === 'data') {
        const ds = p.streams.find((s) => s.type === 'data' && !s.disabled);
        for (const old of [...ss.dataSources]) ss.removeDataSource(old);
        if (ds) ss.addDataSource(p, ds);
        changes++;
        continue;
      }
      const src = p.streams.find((s) => s.type === ss.type && !s.disabled && !used.has(s) && s.codec?.name === ss.codec);
      if (!src) continue;
      used.add(src);
      ss.attach(p, src);
      ss.requestKeyframe();
      changes++;
    }
    // 0.x audio/video/data flags of the switch request
    for (const ss of sub.streams) if (typeof body[ss.type] === 'boolean') ss.setSend(body[ss.type] as boolean);
    vr.event(sub.handle, { event: 'switched', room: room.id, id: p.id });
    return { data: { videoroom: 'event', switched: 'ok', room: room.id, id: p.id, changes, streams: sub.describeStreams() } };
  }
  const list = body.streams as unknown[];
  if (list.length === 0) throw new VrError(VrErrorCode.MISSING_ELEMENT, 'Missing mandatory element (feed)');
  const plan: Array<{ ss: SubscriberStream; p: Publisher; src: PublisherStream }> = [];
  for (const e of list) {
    const o = (typeof e === 'object' && e !== null && !Array.isArray(e) ? e : {}) as JsonObject;
    checkParams(o, [vr.ids.spec('feed', true), { name: 'mid', type: 'string', required: true }, { name: 'sub_mid', type: 'string', required: true }]);
    const p = activeFeed(vr, room, o.feed as VrId);
    const src = p.stream(o.mid as string);
    if (!src || src.disabled) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such mid '${o.mid}' in feed (${p.id})`);
    // as Janus 1.1.2: an unknown sub_mid, another media kind or another codec is skipped, not an error
    const ss = sub.streamByMid(o.sub_mid as string);
    if (!ss || ss.type !== src.type || ss.type === 'data') continue;
    if (ss.codec && src.codec && ss.codec !== src.codec.name) continue;
    plan.push({ ss, p, src });
  }
  for (const { ss, p, src } of plan) {
    if (ss.source === src) continue;
    ss.attach(p, src);
    ss.setSend(true);
    ss.requestKeyframe();
    changes++;
  }
  vr.event(sub.handle, { event: 'switched', room: room.id, changes });
  return { data: { videoroom: 'event', switched: 'ok', room: room.id, changes, streams: sub.describeStreams() } };
}

/** `subscribe` / `unsubscribe` / `update`: change the m-lines and renegotiate (reply sent by `renegotiate`). */
export function updateSubscription(vr: VideoRoomState, room: Room, sub: Subscriber, request: string, body: JsonObject, transaction: string): void {
  let subscribe: unknown[] | undefined;
  let unsubscribe: unknown[] | undefined;
  if (request === 'update') {
    checkParams(body, [{ name: 'subscribe', type: 'array' }, { name: 'unsubscribe', type: 'array' }]);
    subscribe = body.subscribe as unknown[] | undefined;
    unsubscribe = body.unsubscribe as unknown[] | undefined;
    if (!subscribe && !unsubscribe) throw new VrError(VrErrorCode.MISSING_ELEMENT, "At least one of either 'subscribe' or 'unsubscribe' must be present");
  } else {
    checkParams(body, [{ name: 'streams', type: 'array', required: true }]);
    if (request === 'subscribe') subscribe = body.streams as unknown[];
    else unsubscribe = body.streams as unknown[];
  }
  // validate everything before changing anything
  const adds = subscribe && subscribe.length > 0 ? resolveStreams(vr, room, subscribe) : [];
  const removes: Array<{ feed?: VrId; mid?: string; subMid?: string }> = [];
  for (const e of unsubscribe ?? []) {
    const o = (typeof e === 'object' && e !== null && !Array.isArray(e) ? e : {}) as JsonObject;
    checkParams(o, [vr.ids.spec('feed'), { name: 'mid', type: 'string' }, { name: 'sub_mid', type: 'string' }]);
    if (o.feed === undefined && o.sub_mid === undefined) throw new VrError(VrErrorCode.MISSING_ELEMENT, 'Missing mandatory element (feed|sub_mid)');
    removes.push({ feed: o.feed as VrId | undefined, mid: o.mid as string | undefined, subMid: o.sub_mid as string | undefined });
  }
  let changes = 0;
  for (const r of removes) {
    for (const ss of sub.streams) {
      if (r.subMid !== undefined && ss.mid !== r.subMid) continue;
      if (ss.type === 'data') {
        for (const p of [...ss.dataSources]) {
          if (r.feed !== undefined && p.id !== r.feed) continue;
          if (r.mid !== undefined && p.stream(r.mid)?.type !== 'data') continue;
          ss.removeDataSource(p);
          changes++;
        }
        continue;
      }
      if (!ss.source) continue;
      if (r.feed !== undefined && ss.publisher?.id !== r.feed) continue;
      if (r.mid !== undefined && ss.source.mid !== r.mid) continue;
      ss.detach();
      changes++;
    }
  }
  changes += addStreams(sub, adds);
  if (changes === 0) {
    void sub.handle.pushEvent(transaction, { videoroom: 'updated', room: sub.room.id }).catch(() => undefined);
    return;
  }
  renegotiate(vr, sub, transaction);
}

export function leaveSubscriber(vr: VideoRoomState, hs: HandleState, room: Room, sub: Subscriber): AsyncReply {
  removeSubscriber(vr, room, sub);
  hs.clear(false);
  hs.handle.closePc();
  return { data: { videoroom: 'event', room: sub.room.id, left: 'ok' } };
}
