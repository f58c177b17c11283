/**
 * The request table: which VideoRoom requests are answered at once (also through Admin
 * `message_plugin`) and which go through the plugin's in-order queue. Add a request here.
 */
import type { JsonObject } from '../../../core/plugin-api';
import type { VideoRoomState } from '../state';
import * as fwd from './forwarders';
import * as mod from './moderation';
import * as rooms from './rooms';

/**
 * Requests answered at once (also through Admin `message_plugin`). A Map, never a plain object:
 * the verb is client-chosen, and `constructor`/`__proto__` must be unknown requests (423).
 */
export const syncRequests = new Map<string, (vr: VideoRoomState, body: JsonObject) => JsonObject>(Object.entries({
  create: rooms.create,
  edit: rooms.edit,
  destroy: rooms.destroy,
  exists: rooms.exists,
  list: rooms.list,
  allowed: rooms.allowed,
  enable_recording: rooms.enableRecording,
  kick: mod.kick,
  moderate: mod.moderate,
  listparticipants: mod.listParticipants,
  listforwarders: fwd.listForwarders,
  rtp_forward: fwd.rtpForward,
  stop_rtp_forward: fwd.stopRtpForward,
}));

export const asyncRequests = new Set([
  'join', 'joinandconfigure', 'configure', 'publish', 'unpublish', 'start', 'pause', 'switch', 'leave',
  'subscribe', 'unsubscribe', 'update',
]);
