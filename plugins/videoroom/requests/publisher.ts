/** Publisher-side asynchronous requests: join, joinandconfigure, publish, configure, unpublish, leave. */
import type { JsonObject, OutgoingJsep, PluginJsep } from '../../../core/plugin-api';
import { checkParams, VrError, VrErrorCode } from '../errors';
import { randomPrivateId, type VrId } from '../ids';
import type { HandleState } from '../handle-state';
import { removeParticipant, unpublish } from '../lifecycle';
import { answerPublisher } from '../negotiation';
import { Publisher } from '../publisher/publisher';
import { publisherMediaRecording, setPublisherRecording } from '../publisher/recording';
import type { Room } from '../room';
import type { VideoRoomState } from '../state';

export interface AsyncReply {
  data: JsonObject;
  jsep?: OutgoingJsep;
}

export function joinPublisher(vr: VideoRoomState, hs: HandleState, room: Room, body: JsonObject): Publisher {
  checkParams(body, [
    vr.ids.spec('id'),
    { name: 'display', type: 'string' },
    { name: 'audio', type: 'boolean' },
    { name: 'video', type: 'boolean' },
    { name: 'data', type: 'boolean' },
    { name: 'bitrate', type: 'positiveInteger' },
    { name: 'record', type: 'boolean' },
    { name: 'filename', type: 'string' },
  ]);
  let id = vr.ids.read(body, 'id');
  if (id !== undefined && room.participants.has(id)) throw new VrError(VrErrorCode.ID_EXISTS, `User ID ${id} already exists`);
  if (id === undefined) {
    do id = vr.ids.random();
    while (room.participants.has(id));
  }
  let pvt = randomPrivateId();
  while (room.hasPrivateId(pvt)) pvt = randomPrivateId();
  const pub = new Publisher(room, hs.handle, id, pvt);
  if (typeof body.display === 'string') pub.display = body.display;
  if (typeof body.bitrate === 'number') pub.setBitrate(body.bitrate);
  room.addParticipant(pub);
  hs.setParticipant(room, pub);
  setPublisherRecording(pub, body.record as boolean | undefined, body.filename as string | undefined);
  if (room.config.notifyJoining) {
    const who: JsonObject = { id };
    if (pub.display !== undefined) who.display = pub.display;
    room.notify({ videoroom: 'event', room: room.id, joining: who }, pub);
  }
  vr.event(hs.handle, { event: 'joined', room: room.id, id, private_id: pvt, ...(pub.display !== undefined ? { display: pub.display } : {}) });
  return pub;
}

/** The `joined` event: the room's active publishers (and attendees with notify_joining). */
export function joinedEvent(room: Room, pub: Publisher): JsonObject {
  const data: JsonObject = {
    videoroom: 'joined',
    room: room.id,
    description: room.description,
    id: pub.id,
    private_id: pub.privateId,
    publishers: room.activePublishers().filter((p) => p !== pub).map((p) => p.describe()),
  };
  if (room.config.notifyJoining) {
    data.attendees = [...room.participants.values()]
      .filter((p) => p !== pub && !p.active)
      .map((p) => (p.display !== undefined ? { id: p.id, display: p.display } : { id: p.id }));
  }
  return data;
}

const configureParams = [
  { name: 'audio', type: 'boolean' },
  { name: 'video', type: 'boolean' },
  { name: 'data', type: 'boolean' },
  { name: 'audiocodec', type: 'string' },
  { name: 'videocodec', type: 'string' },
  { name: 'bitrate', type: 'positiveInteger' },
  { name: 'keyframe', type: 'boolean' },
  { name: 'record', type: 'boolean' },
  { name: 'filename', type: 'string' },
  { name: 'display', type: 'string' },
  { name: 'audio_active_packets', type: 'positiveInteger' },
  { name: 'audio_level_average', type: 'positiveInteger' },
  { name: 'streams', type: 'array' },
  { name: 'descriptions', type: 'array' },
  { name: 'update', type: 'boolean' },
  { name: 'restart', type: 'boolean' },
  { name: 'secret', type: 'string' },
] as const;

/**
 * `publish` / `configure` (and the second half of `joinandconfigure`): settings, then the offer
 * if there is one. Returns the `configured` event (with the answer to send).
 */
export function configurePublisher(vr: VideoRoomState, room: Room, pub: Publisher, body: JsonObject, jsep: PluginJsep | undefined, publish: boolean): AsyncReply {
  if (pub.room.destroyed || pub.leaving) throw new VrError(VrErrorCode.NO_SUCH_ROOM, 'No such room');
  checkParams(body, configureParams);
  if (jsep && jsep.type !== 'offer') throw new VrError(VrErrorCode.INVALID_SDP_TYPE, `Unsupported SDP type '${jsep.type}'`);
  if (jsep && room.config.requireE2ee && !jsep.e2ee) throw new VrError(VrErrorCode.INVALID_SDP, 'Room requires end-to-end encrypted media');
  if (publish && jsep && pub.negotiated) {
    throw new VrError(VrErrorCode.ALREADY_PUBLISHED, "Can't publish, already published");
  }
  if (jsep && !pub.negotiated) {
    if (room.publishingCount(pub) >= room.config.publishers) {
      throw new VrError(VrErrorCode.PUBLISHERS_FULL, `Maximum number of publishers (${room.config.publishers}) already reached`);
    }
  }
  // per-stream settings are checked before anything changes
  const streamReqs = (body.streams as unknown[] | undefined) ?? [];
  for (const s of streamReqs) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) throw new VrError(VrErrorCode.INVALID_ELEMENT, 'Invalid element type (streams should be an array of objects)');
    checkParams(s as JsonObject, [{ name: 'mid', type: 'string', required: true }, { name: 'keyframe', type: 'boolean' }, { name: 'send', type: 'boolean' }, { name: 'min_delay', type: 'integer' }, { name: 'max_delay', type: 'integer' }]);
    const mid = (s as JsonObject).mid as string;
    if (!pub.stream(mid) && !jsep) throw new VrError(VrErrorCode.NO_SUCH_FEED, `No such mid '${mid}' published`);
  }
  const descriptions = (body.descriptions as unknown[] | undefined) ?? [];
  for (const d of descriptions) {
    if (typeof d !== 'object' || d === null) throw new VrError(VrErrorCode.INVALID_ELEMENT, 'Invalid element type (descriptions should be an array of objects)');
    checkParams(d as JsonObject, [{ name: 'mid', type: 'string', required: true }, { name: 'description', type: 'string', required: true }]);
  }

  let reply: AsyncReply = { data: { videoroom: 'event', room: room.id, configured: 'ok' } };
  if (jsep) {
    const neg = answerPublisher(room.config, jsep, pub.streams, {
      audiocodec: typeof body.audiocodec === 'string' ? body.audiocodec.toLowerCase() : undefined,
      videocodec: typeof body.videocodec === 'string' ? body.videocodec.toLowerCase() : undefined,
    });
    pub.negotiate(neg.streams);
    reply = { data: reply.data, jsep: { type: 'answer', media: neg.answer, ...(jsep.e2ee ? { e2ee: true } : {}) } };
  }
  let changedDescriptions = false;
  for (const d of descriptions as JsonObject[]) {
    const s = pub.stream(d.mid as string);
    if (s && s.description !== d.description) {
      s.description = d.description as string;
      changedDescriptions = true;
    }
  }
  for (const r of streamReqs as JsonObject[]) {
    const s = pub.stream(r.mid as string);
    if (!s) continue;
    if (typeof r.send === 'boolean') s.send = r.send;
    if (typeof r.min_delay === 'number') s.minDelay = r.min_delay;
    if (typeof r.max_delay === 'number') s.maxDelay = r.max_delay;
    if (r.keyframe === true && s.type === 'video') pub.requestKeyframe(s.mindex);
  }
  for (const kind of ['audio', 'video', 'data'] as const) {
    if (typeof body[kind] === 'boolean') for (const s of pub.streams) if (s.type === kind) s.send = body[kind] as boolean;
  }
  if (typeof body.audio_active_packets === 'number') pub.audioActivePackets = body.audio_active_packets;
  if (typeof body.audio_level_average === 'number') pub.audioLevelAverage = body.audio_level_average;
  if (typeof body.bitrate === 'number') {
    pub.setBitrate(body.bitrate);
    pub.applyBitrate();
  }
  if (body.keyframe === true) pub.requestKeyframe();
  if (body.record !== undefined || body.filename !== undefined) {
    // lock_record: only with the room's secret; a wrong one leaves the recording alone (as Janus)
    const locked = room.config.lockRecord && room.config.secret !== undefined && body.secret !== room.config.secret;
    if (!locked) setPublisherRecording(pub, body.record as boolean | undefined, body.filename as string | undefined);
  }
  if (jsep && pub.active) publisherMediaRecording(pub);
  if (typeof body.display === 'string' && body.display !== pub.display) {
    pub.display = body.display;
    room.notify({ videoroom: 'event', id: pub.id, display: pub.display }, pub);
  }
  if (jsep) {
    const d = reply.data;
    d.audio_codec = pub.firstCodec('audio') ?? 'none';
    d.video_codec = pub.firstCodec('video') ?? 'none';
    d.streams = pub.streams.map((s) => s.toJson(false));
    vr.event(pub.handle, { event: 'configured', room: room.id, id: pub.id });
  }
  // a renegotiation or new descriptions of an announced publisher are announced again
  if (pub.active && (jsep || changedDescriptions)) {
    room.notify({ videoroom: 'event', room: room.id, publishers: [pub.describe()] }, pub);
  }
  return reply;
}

export function unpublishRequest(_vr: VideoRoomState, pub: Publisher): AsyncReply {
  if (pub.room.destroyed || pub.leaving) throw new VrError(VrErrorCode.NO_SUCH_ROOM, 'No such room');
  if (!pub.negotiated && !pub.active) throw new VrError(VrErrorCode.NOT_PUBLISHED, "Can't unpublish, not published");
  return { data: { videoroom: 'event', room: pub.room.id, unpublished: 'ok' } };
}

/** After the `unpublished: ok` went out: drop the streams and the PeerConnection. */
export function finishUnpublish(vr: VideoRoomState, room: Room, pub: Publisher): void {
  unpublish(vr, room, pub);
  pub.handle.closePc();
}

export function leavePublisher(vr: VideoRoomState, hs: HandleState, room: Room, pub: Publisher): AsyncReply {
  const roomId: VrId = room.id;
  removeParticipant(vr, room, pub, 'leave');
  hs.clear(true);
  // Janus 1.1.2 leaves the PeerConnection to the client (which hangs up or detaches next);
  // nothing is forwarded from it any more
  return { data: { videoroom: 'event', room: roomId, leaving: 'ok' } };
}
