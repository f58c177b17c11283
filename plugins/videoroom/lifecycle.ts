/**
 * Changes that span several objects (a publisher leaving touches its room and the subscriptions
 * fed by it), shared by requests, kicks, destroys and hangups. Each object changes its own state
 * through its methods; this only sequences them and sends the room's events.
 */
import type { JsonObject } from '../../core/plugin-api';
import type { HandleState } from './handle-state';
import { subscriberOffer } from './negotiation';
import type { Publisher } from './publisher/publisher';
import { publisherHangupRecording, publisherMediaRecording } from './publisher/recording';
import type { Room } from './room';
import type { VideoRoomState } from './state';
import type { Subscriber } from './subscriber/subscriber';

/** The publisher's PeerConnection is up: it becomes active, is announced to the room and recorded if wanted. */
export function publisherUp(vr: VideoRoomState, pub: Publisher): void {
  if (pub.activate()) {
    const room = pub.room;
    room.notify({ videoroom: 'event', room: room.id, publishers: [pub.describe()] }, pub);
    vr.event(pub.handle, { event: 'published', room: room.id, id: pub.id, ...(pub.display !== undefined ? { display: pub.display } : {}) });
  }
  if (pub.active) publisherMediaRecording(pub);
}

/**
 * Stop publishing: subscribers lose their sources (and renegotiate or close), the room hears
 * `unpublished` if the publisher was announced. Idempotent.
 */
export function unpublish(vr: VideoRoomState, room: Room, pub: Publisher, notify = true): void {
  if (!pub.negotiated && !pub.active) return;
  publisherHangupRecording(pub);
  const { wasActive } = pub.deactivate();
  const affected = [...room.subscribers].filter((sub) => sub.dropPublisher(pub));
  if (wasActive && notify) {
    room.notify({ videoroom: 'event', room: room.id, unpublished: pub.id }, pub);
    vr.event(pub.handle, { event: 'unpublished', room: room.id, id: pub.id });
  }
  for (const sub of affected) sourcesChanged(vr, sub);
}

/** Some of a subscriber's sources went away: 0.x close_pc, or a 1.x `updated` offer (autoupdate). */
export function sourcesChanged(vr: VideoRoomState, sub: Subscriber): void {
  if (sub.room.destroyed || !sub.handle.alive) return;
  if (sub.legacy && sub.closePc && !sub.streams.some((s) => s.active)) {
    sub.handle.closePc();
    return;
  }
  if (sub.autoupdate) renegotiate(vr, sub, undefined);
}

/**
 * Send the subscriber a new offer with its current streams (`updated`), or remember to when an
 * offer is still unanswered (`updating`). `transaction` undefined = unsolicited (autoupdate).
 */
export function renegotiate(vr: VideoRoomState, sub: Subscriber, transaction: string | undefined, extra: JsonObject = {}): void {
  const handle = sub.handle;
  if (!sub.beginOffer(true)) {
    void handle.pushEvent(transaction, { videoroom: 'updating', room: sub.room.id, ...extra }).catch(() => undefined);
    return;
  }
  handle
    .pushEvent(transaction, { videoroom: 'updated', room: sub.room.id, streams: sub.describeStreams(), ...extra }, { type: 'offer', media: subscriberOffer(sub) })
    .catch((err: unknown) => {
      sub.offerFailed();
      vr.log.warn({ err }, "Couldn't renegotiate a subscription");
    });
}

export type LeaveReason = 'leave' | 'kicked' | 'detach' | 'destroyed';

/** Take a participant out of its room (leave, kick, detach, room destroyed). */
export function removeParticipant(vr: VideoRoomState, room: Room, pub: Publisher, reason: LeaveReason): void {
  if (!pub.leave()) return;
  // as Janus 1.1.2: a leaving or kicked publisher is announced as "leaving"/"kicked" only
  unpublish(vr, room, pub, reason === 'detach');
  room.removeParticipant(pub);
  if (reason === 'destroyed') return;
  if (reason === 'kicked') {
    room.notify({ videoroom: 'event', room: room.id, kicked: pub.id }, pub);
    vr.event(pub.handle, { event: 'kicked', room: room.id, id: pub.id });
  } else {
    // Janus 1.1.2 announces every participant leaving, publishing or not
    room.notify({ videoroom: 'event', room: room.id, leaving: pub.id }, pub);
  }
  if (reason !== 'kicked') vr.event(pub.handle, { event: 'leaving', room: room.id, id: pub.id });
}

/** End a subscription (leave, detach, room destroyed). */
export function removeSubscriber(vr: VideoRoomState, room: Room, sub: Subscriber): void {
  sub.end();
  room.removeSubscriber(sub);
  vr.event(sub.handle, { event: 'unsubscribed', room: room.id });
}

/** Destroy a room: participants hear `destroyed`, every PeerConnection in it is closed. */
export function destroyRoom(vr: VideoRoomState, room: Room): void {
  room.destroy();
  vr.rooms.delete(room.id);
  const msg = { videoroom: 'destroyed', room: room.id };
  for (const p of [...room.participants.values()]) {
    const h = p.handle;
    if (h.alive) void h.pushEvent(undefined, msg).catch(() => undefined);
    removeParticipant(vr, room, p, 'destroyed');
    if (h.alive) h.closePc();
  }
  for (const sub of [...room.subscribers]) {
    removeSubscriber(vr, room, sub);
    if (sub.handle.alive) sub.handle.closePc();
  }
}

/** The handle goes away (detach, session timeout). */
export function destroyHandleState(vr: VideoRoomState, hs: HandleState): void {
  if (hs.destroyed) return;
  hs.destroyed = true;
  if (hs.room && hs.participant) removeParticipant(vr, hs.room, hs.participant, 'detach');
  if (hs.room && hs.subscriber) removeSubscriber(vr, hs.room, hs.subscriber);
  hs.clear(false);
}
