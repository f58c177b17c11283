/**
 * The hot path: a publisher's packet goes to its RTP forwarders and to every sink (subscriber
 * m-line) fed by that stream. Per packet: one array walk; each subscriber stream copies and
 * rewrites into its own buffer. No allocation, no JSON.
 */
import { performance } from 'node:perf_hooks';
import { rtcpHasKeyframeRequest, type DataPacket, type RtcpPacket, type RtpPacket } from '../../core/plugin-api';
import type { Publisher } from './publisher/publisher';
import type { PublisherStream } from './publisher/publisher-stream';
import type { VideoRoomState } from './state';
import type { Subscriber } from './subscriber/subscriber';

export function forwardRtp(vr: VideoRoomState, pub: Publisher, packet: RtpPacket): void {
  if (!pub.active) return;
  const stream = pub.byMindex(packet.mindex);
  if (stream === undefined || stream.disabled) return;
  if (stream.type === 'audio' && pub.room.config.audiolevelEvent && packet.extensions.audioLevel >= 0) {
    audioLevel(vr, pub, stream, packet.extensions.audioLevel);
  }
  if (!stream.relaying) return;
  const fws = stream.forwarders;
  for (let i = 0; i < fws.length; i++) {
    // as Janus: a forwarder takes one substream (0 when the publisher doesn't simulcast), or picks one itself
    const fw = fws[i];
    if (fw.anySubstream || packet.substream === fw.substream) fw.send(packet.buffer, packet.length, packet.substream);
  }
  const subs = stream.subscribers;
  if (subs.length === 0) return;
  const now = performance.now();
  for (let i = 0; i < subs.length; i++) subs[i].relayRtp(packet, now);
}

export function forwardData(pub: Publisher, packet: DataPacket): void {
  if (!pub.active) return;
  for (const stream of pub.streams) {
    if (stream.type !== 'data' || !stream.relaying) continue;
    for (const fw of stream.forwarders) fw.sendData(packet);
    const subs = stream.subscribers;
    for (let i = 0; i < subs.length; i++) subs[i].relayData(packet);
  }
}

/**
 * RTCP from a subscriber: a PLI or FIR on an m-line becomes a keyframe request to that m-line's
 * publisher. (NACKs are answered by the core from the subscriber's own send buffer.)
 */
export function subscriberRtcp(sub: Subscriber, packet: RtcpPacket): void {
  if (!packet.video) return;
  const ss = sub.streamAt(packet.mindex);
  if (!ss || !ss.source || !ss.publisher?.active) return;
  if (rtcpHasKeyframeRequest(packet.buffer, packet.length)) ss.requestKeyframe();
}

/** Room `audiolevel_event`: `talking` / `stopped-talking` when the stream's average crosses the threshold. */
function audioLevel(vr: VideoRoomState, pub: Publisher, s: PublisherStream, level: number): void {
  const room = pub.room;
  const window = pub.audioActivePackets ?? room.config.audioActivePackets;
  const threshold = pub.audioLevelAverage ?? room.config.audioLevelAverage;
  if (!s.audioLevel(level, window, threshold)) return;
  const ev = { videoroom: s.talking ? 'talking' : 'stopped-talking', room: room.id, id: pub.id, mindex: s.mindex, mid: s.mid, 'audio-level-dBov-avg': s.lastAverage };
  room.notify(ev);
  vr.event(pub.handle, ev);
}
