/**
 * The hot path: a publisher's packet goes to every subscriber m-line fed by that stream.
 * Per packet: one array walk, one copy and header rewrite into the subscriber stream's own buffer,
 * no allocation, no JSON.
 */
import { performance } from 'node:perf_hooks';
import type { DataPacket, RtcpPacket, RtpPacket } from '../../core/plugin-api';
import type { Publisher } from './participant/publisher';
import type { PublisherStream } from './participant/publisher-stream';
import type { Subscriber } from './subscriber';
import type { SubscriberStream } from './subscriber-stream';
import type { VideoRoomState } from './state';

export function forwardRtp(vr: VideoRoomState, pub: Publisher, packet: RtpPacket): void {
  if (!pub.active) return;
  const stream = pub.byMindex[packet.mindex];
  if (stream === undefined || stream.disabled) return;
  if (stream.type === 'audio' && pub.room.config.audiolevelEvent && packet.extensions.audioLevel >= 0) {
    detectTalking(vr, pub, stream, packet.extensions.audioLevel);
  }
  if (stream.muted || !stream.send) return;
  const fws = stream.forwarders;
  for (let i = 0; i < fws.length; i++) {
    if (!stream.simulcast || packet.substream === fws[i].substream) fws[i].send(packet.buffer, packet.length);
  }
  const subs = stream.subscribers;
  if (subs.length === 0) return;
  const now = performance.now();
  for (let i = 0; i < subs.length; i++) {
    const ss = subs[i];
    const sub = ss.subscriber;
    if (!sub.started || sub.paused || !ss.send || ss.source !== stream) continue;
    // simulcast/SVC: the subscriber's layer contexts pick what it gets, rewriting the shared buffer
    // in place (continuous seq/timestamps/VP8 picture IDs); it is restored once copied out
    const sim = ss.sim;
    const svc = ss.svcCtx;
    if (sim !== undefined) {
      const pass = sim.relay(packet.buffer, packet.length, packet.substream, now);
      if (sim.needPli || sim.changedSubstream || sim.changedTemporal) simulcastNotes(pub, ss);
      if (!pass) continue;
    } else if (svc !== undefined) {
      const pass = svc.relay(packet.buffer, packet.length, now);
      if (svc.needPli || svc.changedSpatial || svc.changedTemporal) svcNotes(pub, ss);
      if (!pass) continue;
    }
    const len = ss.ctx.rewrite(packet.buffer, packet.length, now);
    sim?.restore(packet.buffer);
    svc?.restore(packet.buffer);
    if (len < 0) continue;
    const out = ss.out;
    out.length = len;
    out.substream = packet.substream;
    out.extensions = packet.extensions;
    sub.session.handle.relayRtp(out);
  }
}

/** Keyframe request and Janus's layer-change events of a simulcast subscriber m-line (rare). */
function simulcastNotes(pub: Publisher, ss: SubscriberStream): void {
  const sim = ss.sim!;
  if (sim.needPli && ss.source) pub.session.handle.sendPli(ss.source.mindex);
  const h = ss.subscriber.session.handle;
  const room = ss.subscriber.room.id;
  if (sim.changedSubstream) h.pushEvent(undefined, { videoroom: 'event', room, mid: ss.mid, substream: sim.substream }).catch(() => undefined);
  if (sim.changedTemporal) h.pushEvent(undefined, { videoroom: 'event', room, mid: ss.mid, temporal: sim.temporal }).catch(() => undefined);
}

function svcNotes(pub: Publisher, ss: SubscriberStream): void {
  const svc = ss.svcCtx!;
  if (svc.needPli && ss.source) pub.session.handle.sendPli(ss.source.mindex);
  const h = ss.subscriber.session.handle;
  const room = ss.subscriber.room.id;
  if (svc.changedSpatial) h.pushEvent(undefined, { videoroom: 'event', room, mid: ss.mid, spatial_layer: svc.spatial }).catch(() => undefined);
  if (svc.changedTemporal) h.pushEvent(undefined, { videoroom: 'event', room, mid: ss.mid, temporal_layer: svc.temporal }).catch(() => undefined);
}

export function forwardData(pub: Publisher, packet: DataPacket): void {
  if (!pub.active) return;
  for (const stream of pub.streams) {
    if (stream.type !== 'data' || stream.muted || !stream.send) continue;
    for (const fw of stream.forwarders) fw.send(packet.buffer, packet.length);
    const subs = stream.subscribers;
    for (let i = 0; i < subs.length; i++) {
      const ss = subs[i];
      const sub = ss.subscriber;
      if (!sub.started || sub.paused || !ss.send) continue;
      sub.session.handle.relayData(packet);
    }
  }
}

/**
 * RTCP from a subscriber: a PLI or FIR on an m-line becomes a keyframe request to that m-line's
 * publisher. (NACKs are answered by the core from the subscriber's own send buffer.)
 */
export function subscriberRtcp(sub: Subscriber, packet: RtcpPacket): void {
  if (!packet.video) return;
  const ss = sub.streams[packet.mindex];
  if (!ss || !ss.source || !ss.publisher?.active) return;
  const b = packet.buffer;
  let off = 0;
  while (off + 4 <= packet.length) {
    const fmt = b[off] & 0x1f;
    const pt = b[off + 1];
    const words = b.readUInt16BE(off + 2);
    if ((pt === 206 && (fmt === 1 || fmt === 4)) || pt === 192) {
      ss.publisher.session.handle.sendPli(ss.source.mindex);
      return;
    }
    off += (words + 1) * 4;
  }
}

/**
 * Room `audiolevel_event`: average the ssrc-audio-level over `audio_active_packets` packets and
 * announce `talking` / `stopped-talking` when it crosses `audio_level_average`.
 */
function detectTalking(vr: VideoRoomState, pub: Publisher, s: PublisherStream, level: number): void {
  s.levelSum += level;
  s.levelCount++;
  s.lastLevel = level;
  const window = pub.audioActivePackets ?? pub.room.config.audioActivePackets;
  if (s.levelCount < window) return;
  const avg = s.levelSum / s.levelCount;
  s.levelSum = 0;
  s.levelCount = 0;
  const threshold = pub.audioLevelAverage ?? pub.room.config.audioLevelAverage;
  const talking = avg <= threshold;
  if (talking === s.talking) return;
  s.talking = talking;
  const room = pub.room;
  const ev = { videoroom: talking ? 'talking' : 'stopped-talking', room: room.id, id: pub.id, mindex: s.mindex, mid: s.mid, 'audio-level-dBov-avg': avg };
  room.notify(ev);
  vr.event(pub.session.handle, ev);
}
