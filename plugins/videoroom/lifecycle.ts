/** Participant and subscription state changes shared by requests, kicks, destroys and hangups. */
import type { JsonObject } from '../../core/plugin-api';
import { publisherHangupRecording } from './recording';
import { subscriberOffer } from './negotiation';
import type { Publisher } from './participant/publisher';
import type { Room } from './room';
import type { VideoRoomState } from './state';
import type { Subscriber } from './subscriber';

/** The publisher's PeerConnection is up: announce it, start keyframe requests and the bitrate cap. */
export function publisherUp(vr: VideoRoomState, pub: Publisher): void {
  if (pub.active || !pub.negotiated || pub.room.destroyed) return;
  pub.active = true;
  const room = pub.room;
  room.notify({ videoroom: 'event', room: room.id, publishers: [pub.describe()] }, pub);
  restartFir(pub);
  applyBitrate(pub);
  startRemb(pub);
  vr.event(pub.session.handle, { event: 'published', room: room.id, id: pub.id, ...(pub.display !== undefined ? { display: pub.display } : {}) });
}

/** REMB with the publisher's own cap, else the room's (0 = none). */
export function applyBitrate(pub: Publisher): void {
  const b = pub.bitrate || pub.room.config.bitrate;
  if (b > 0 && pub.active) pub.session.handle.sendRemb(b);
}

/** REMB re-send interval: as Janus, the cap is repeated about every second (a lost REMB, or a sender's estimate drifting up, never outlives it). */
const REMB_INTERVAL_MS = 1000;

/** Repeat the bitrate cap while the publisher is active (Janus re-sends it, not only at media up). */
function startRemb(pub: Publisher): void {
  if (pub.rembTimer) clearInterval(pub.rembTimer);
  pub.rembTimer = setInterval(() => {
    if (pub.session.handle.alive) applyBitrate(pub);
  }, REMB_INTERVAL_MS);
  pub.rembTimer.unref();
}

/** Periodic keyframe requests every `fir_freq` seconds. */
export function restartFir(pub: Publisher): void {
  if (pub.firTimer) clearInterval(pub.firTimer);
  pub.firTimer = undefined;
  const freq = pub.room.config.firFreq;
  if (!pub.active || freq <= 0) return;
  pub.firTimer = setInterval(() => {
    if (pub.active && pub.session.handle.alive) pub.session.handle.sendPli();
  }, freq * 1000);
  pub.firTimer.unref();
}

/**
 * Stop publishing: subscribers lose their sources (and renegotiate or close), the room hears
 * `unpublished` if the publisher was announced. Idempotent.
 */
export function unpublish(vr: VideoRoomState, pub: Publisher, notify = true): void {
  if (!pub.negotiated && !pub.active) return;
  publisherHangupRecording(pub);
  const wasActive = pub.active;
  pub.active = false;
  pub.negotiated = false;
  pub.stopTimers();
  const affected = new Set<Subscriber>();
  for (const s of pub.streams) {
    s.forwarders = [];
    for (const ss of [...s.subscribers]) {
      affected.add(ss.subscriber);
      if (ss.type === 'data') ss.removeDataSource(pub);
      else ss.detach();
    }
  }
  pub.setStreams([]);
  const room = pub.room;
  if (wasActive && notify) {
    room.notify({ videoroom: 'event', room: room.id, unpublished: pub.id }, pub);
    vr.event(pub.session.handle, { event: 'unpublished', room: room.id, id: pub.id });
  }
  for (const sub of affected) sourcesChanged(vr, sub);
}

/** Some of a subscriber's sources went away: 0.x close_pc, or a 1.x `updated` offer (autoupdate). */
export function sourcesChanged(vr: VideoRoomState, sub: Subscriber): void {
  if (sub.room.destroyed || !sub.session.handle.alive) return;
  if (sub.legacy && sub.closePc && !sub.streams.some((s) => s.active)) {
    sub.session.handle.closePc();
    return;
  }
  if (sub.autoupdate) renegotiate(vr, sub, undefined);
}

/**
 * Send the subscriber a new offer with its current streams (`updated`), or remember to when an
 * offer is still unanswered (`updating`). `transaction` undefined = unsolicited (autoupdate).
 */
export function renegotiate(vr: VideoRoomState, sub: Subscriber, transaction: string | undefined, extra: JsonObject = {}): void {
  const handle = sub.session.handle;
  if (sub.offerPending) {
    sub.updateQueued = true;
    void handle.pushEvent(transaction, { videoroom: 'updating', room: sub.room.id, ...extra }).catch(() => undefined);
    return;
  }
  sub.offerPending = true;
  sub.updateQueued = false;
  handle
    .pushEvent(transaction, { videoroom: 'updated', room: sub.room.id, streams: sub.describeStreams(), ...extra }, { type: 'offer', media: subscriberOffer(sub) })
    .catch((err) => {
      sub.offerPending = false;
      vr.log.warn({ err: (err as Error).message }, "Couldn't renegotiate a subscription");
    });
}

export type LeaveReason = 'leave' | 'kicked' | 'detach' | 'destroyed';

/** Take a participant out of its room (leave, kick, detach, room destroyed). */
export function removeParticipant(vr: VideoRoomState, pub: Publisher, reason: LeaveReason): void {
  if (pub.leaving) return;
  pub.leaving = true;
  const room = pub.room;
  // as Janus 1.1.2: a leaving or kicked publisher is announced as "leaving"/"kicked" only
  unpublish(vr, pub, reason === 'detach');
  room.participants.delete(pub.id);
  room.privateIds.delete(pub.privateId);
  for (const sub of pub.subscriptions) if (sub.owner === pub) sub.owner = undefined;
  if (reason === 'destroyed') return;
  if (reason === 'kicked') {
    room.notify({ videoroom: 'event', room: room.id, kicked: pub.id }, pub);
    vr.event(pub.session.handle, { event: 'kicked', room: room.id, id: pub.id });
  } else {
    // Janus 1.1.2 announces every participant leaving, publishing or not
    room.notify({ videoroom: 'event', room: room.id, leaving: pub.id }, pub);
  }
  if (reason !== 'kicked') vr.event(pub.session.handle, { event: 'leaving', room: room.id, id: pub.id });
}

/** End a subscription (leave, detach, room destroyed). */
export function removeSubscriber(vr: VideoRoomState, sub: Subscriber): void {
  sub.detachAll();
  sub.room.subscribers.delete(sub);
  sub.owner?.subscriptions.delete(sub);
  sub.started = false;
  vr.event(sub.session.handle, { event: 'unsubscribed', room: sub.room.id });
}

/** Destroy a room: participants hear `destroyed`, every PeerConnection in it is closed. */
export function destroyRoom(vr: VideoRoomState, room: Room): void {
  room.destroyed = true;
  vr.rooms.delete(room.id);
  const msg = { videoroom: 'destroyed', room: room.id };
  for (const p of [...room.participants.values()]) {
    const h = p.session.handle;
    if (h.alive) void h.pushEvent(undefined, msg).catch(() => undefined);
    removeParticipant(vr, p, 'destroyed');
    p.session.gone = true;
    if (h.alive) h.closePc();
  }
  for (const sub of [...room.subscribers]) {
    removeSubscriber(vr, sub);
    if (sub.session.handle.alive) sub.session.handle.closePc();
  }
}
