/** join and changeroom (asynchronous requests: answered with an event). */
import type { JsonObject } from '../../../core/plugin-api';
import { AbError, AbErrorCode, checkParams } from '../errors';
import { closeMjr, leaveRoom, openMjr } from '../lifecycle';
import { Participant } from '../participant';
import { PlainRtpLeg } from '../plain-rtp';
import type { AudioRoom } from '../room';
import type { AbSession } from '../session';
import type { AbState } from '../state';
import { admit, codecChoice, encodingChoice, joinParams, newParticipantId, prebufferChoice, rtpParams } from './join-params';

export interface JoinResult {
  event: JsonObject;
  generateOffer: boolean;
}

/** Others in the room, as the joiner sees them. */
function othersOf(room: AudioRoom, p: Participant): JsonObject[] {
  const out: JsonObject[] = [];
  for (const o of room.participants.values()) if (o !== p) out.push(o.describe(true));
  return out;
}

export async function join(ab: AbState, s: AbSession, body: JsonObject, hasSdp: boolean, onPlainRtp: (p: Participant, buf: Buffer) => void): Promise<JoinResult> {
  if (s.participant?.room) throw new AbError(AbErrorCode.ALREADY_JOINED, 'Already in a room (use changeroom to join another one)');
  checkParams(body, joinParams);
  let rtp = body.rtp as JsonObject | undefined;
  if (rtp !== undefined) {
    checkParams(rtp, rtpParams);
    // a WebRTC offer wins over plain RTP
    if (hasSdp) rtp = undefined;
  }
  checkParams(body, [ab.ids.spec('room', true)]);
  checkParams(body, [ab.ids.spec('id')]);
  const room = ab.room(body, false);
  if (rtp && !room.config.allowRtpParticipants) throw new AbError(AbErrorCode.UNAUTHORIZED, 'Plain RTP participants not allowed in this room');
  const { admin, group } = admit(room, body);
  const prebuffer = prebufferChoice(room, body);
  const enc = encodingChoice(room, body);
  const codec = codecChoice(body);
  const id = newParticipantId(ab, room, body);

  // a handle keeps its participant across leave/hangup: a later join reuses it
  const p = s.participant ?? new Participant(s);
  s.participant = p;
  p.id = id;
  p.group = group;
  p.admin = admin;
  p.display = typeof body.display === 'string' ? body.display : undefined;
  p.muted = body.muted === true;
  p.prebuffer = prebuffer;
  p.volume = typeof body.volume === 'number' ? body.volume : 100;
  p.spatial = room.config.spatialAudio ? Math.min(100, typeof body.spatial_position === 'number' ? body.spatial_position : 50) : 50;
  p.bitrate = enc.bitrate;
  p.complexity = enc.complexity;
  p.expectedLoss = enc.expectedLoss;
  p.userActivePackets = typeof body.audio_active_packets === 'number' ? body.audio_active_packets : 0;
  p.userLevelAverage = typeof body.audio_level_average === 'number' ? body.audio_level_average : 0;
  if (!s.started) {
    p.codec = codec;
    p.extmapId = 0;
    p.dBov = 0;
    p.resetTalking();
  }
  let rtpDetails: JsonObject | undefined;
  if (rtp) {
    p.codec = codec;
    p.pt = codec === 'opus' ? (typeof rtp.payload_type === 'number' && rtp.payload_type > 0 ? rtp.payload_type : 100) : codec === 'pcma' ? 8 : 0;
    if (typeof rtp.audiolevel_ext === 'number' && rtp.audiolevel_ext > 0) p.extmapId = rtp.audiolevel_ext;
    if (codec === 'opus' && rtp.fec === true) p.fec = true;
    p.plain?.close();
    const leg = new PlainRtpLeg((buf) => onPlainRtp(p, buf));
    if (await leg.bind(ab.settings.localIp, ab.settings.rtpPortMin, ab.settings.rtpPortMax)) {
      if (typeof rtp.ip === 'string' && typeof rtp.port === 'number' && rtp.port > 0) {
        leg.remoteIp = rtp.ip;
        leg.remotePort = rtp.port;
      }
      p.plain = leg;
      // no PeerConnection to wait for: the leg is set up as soon as it exists
      s.started = true;
      rtpDetails = { ip: ab.settings.localIp, port: leg.localPort, payload_type: p.pt };
    } else {
      ab.log.error({ room: room.id }, 'No free port for a plain RTP participant');
    }
  }
  if (typeof body.filename === 'string') p.mjrBase = body.filename;
  room.add(p);
  if (room.config.mjrs || body.record === true) openMjr(p);
  else if (body.record === false) closeMjr(p);

  ab.notifyRoom(room, { audiobridge: 'joined', room: room.id, participants: [p.describe(false, false)] }, p);
  const event: JsonObject = { audiobridge: 'joined', room: room.id, id: p.id, participants: othersOf(room, p) };
  if (rtpDetails) event.rtp = rtpDetails;
  const info: JsonObject = { event: 'joined', room: room.id, id: p.id, display: p.display ?? null, setup: p.setup, muted: p.muted };
  if (room.config.spatialAudio) info.spatial_position = p.spatial;
  ab.notifyEvent(s.handle, info);
  const generateOffer = !rtp && body.generate_offer === true;
  if (generateOffer) s.pluginOffer = true;
  return { event, generateOffer };
}

export function changeRoom(ab: AbState, s: AbSession, body: JsonObject): JsonObject {
  checkParams(body, joinParams);
  checkParams(body, [ab.ids.spec('room', true)]);
  const roomId = body.room as number | string;
  const p = s.participant;
  if (!p || !p.room) throw new AbError(AbErrorCode.NOT_JOINED, "Can't change room (not in a room in the first place)");
  if (String(p.room.id) === String(roomId)) throw new AbError(AbErrorCode.ALREADY_JOINED, 'Already in this room');
  const room = ab.room(body, false);
  const { admin, group } = admit(room, body);
  const enc = encodingChoice(room, body);
  const id = newParticipantId(ab, room, body);
  leaveRoom(ab, p);
  p.id = id;
  p.group = group;
  p.admin = admin;
  p.display = typeof body.display === 'string' ? body.display : undefined;
  p.muted = body.muted === true;
  p.volume = typeof body.volume === 'number' ? body.volume : 100;
  // Janus 1.1.2 defaults to 64 here (50 on join)
  p.spatial = Math.min(100, typeof body.spatial_position === 'number' ? body.spatial_position : 64);
  p.bitrate = enc.bitrate;
  if (typeof body.quality === 'number') p.complexity = enc.complexity;
  if (typeof body.expected_loss === 'number') p.expectedLoss = enc.expectedLoss;
  p.resetTalking();
  room.add(p);
  ab.notifyRoom(room, { audiobridge: 'joined', room: room.id, participants: [p.describe(false)] }, p);
  const info: JsonObject = { event: 'joined', room: room.id, id: p.id, display: p.display ?? null, muted: p.muted };
  if (room.config.spatialAudio) info.spatial_position = p.spatial;
  ab.notifyEvent(s.handle, info);
  return { audiobridge: 'roomchanged', room: room.id, id: p.id, participants: othersOf(room, p) };
}
