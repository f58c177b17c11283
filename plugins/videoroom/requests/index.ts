/**
 * The request table: which VideoRoom requests are answered at once (also through Admin
 * `message_plugin`) and which go through the plugin's in-order queue. Add a request here.
 */
import type { JsonObject } from '../../../core/plugin-api';
import type { VideoRoomState } from '../state';
import * as fwd from './forwarders';
import * as mod from './moderation';
import * as rooms from './rooms';
import * as remote from '../remote/remote-requests';
import * as remotize from '../remote/remotize';

/**
 * Requests answered at once (also through Admin `message_plugin`). A Map, never a plain object:
 * the verb is client-chosen, and `constructor`/`__proto__` must be unknown requests (423).
 */
export const syncRequests = new Map<string, (vr: VideoRoomState, body: JsonObject) => JsonObject | Promise<JsonObject>>(Object.entries({
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
  // remote publishers (Janus 1.1): answered once ports are bound / the host resolved
  add_remote_publisher: remote.addRemotePublisher,
  update_remote_publisher: remote.updateRemotePublisher,
  remove_remote_publisher: remote.removeRemotePublisher,
  publish_remotely: remotize.publishRemotely,
  unpublish_remotely: remotize.unpublishRemotely,
  listremotes: remotize.listRemotes,
}));

export const asyncRequests = new Set([
  'join', 'joinandconfigure', 'configure', 'publish', 'unpublish', 'start', 'pause', 'switch', 'leave',
  'subscribe', 'unsubscribe', 'update',
]);
