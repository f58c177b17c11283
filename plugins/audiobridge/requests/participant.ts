/** configure and leave (asynchronous requests of a joined participant). */
import type { JsonObject, ParamSpec } from '../../../core/plugin-api';
import { AbError, AbErrorCode, checkParams } from '../errors';
import { closeMjr, leaveRoom, openMjr } from '../lifecycle';
import { MAX_PREBUFFERING } from '../room-config';
import type { AbSession } from '../session';
import type { AbState } from '../state';
import { LOSS_TEXT, QUALITY_TEXT } from './join-params';

const configureParams: ParamSpec[] = [
  { name: 'muted', type: 'boolean' },
  { name: 'prebuffer', type: 'positiveInteger' },
  { name: 'bitrate', type: 'positiveInteger' },
  { name: 'quality', type: 'positiveInteger' },
  { name: 'expected_loss', type: 'positiveInteger' },
  { name: 'volume', type: 'positiveInteger' },
  { name: 'group', type: 'string' },
  { name: 'spatial_position', type: 'positiveInteger' },
  { name: 'record', type: 'boolean' },
  { name: 'filename', type: 'string' },
  { name: 'display', type: 'string' },
  { name: 'generate_offer', type: 'boolean' },
  { name: 'update', type: 'boolean' },
];

export function configure(ab: AbState, s: AbSession, body: JsonObject, sdpUpdate: boolean): { event: JsonObject; generateOffer: boolean } {
  const p = s.participant;
  const room = p?.room;
  if (!p || !room) throw new AbError(AbErrorCode.NOT_JOINED, "Can't configure (not in a room)");
  checkParams(body, configureParams);
  if (typeof body.prebuffer === 'number' && body.prebuffer <= MAX_PREBUFFERING) p.prebuffer = body.prebuffer;
  if (typeof body.volume === 'number') p.volume = body.volume;
  if (typeof body.bitrate === 'number') p.bitrate = body.bitrate < 500 || body.bitrate > 512000 ? 0 : body.bitrate;
  if (typeof body.quality === 'number') {
    if (body.quality < 1 || body.quality > 10) throw new AbError(AbErrorCode.INVALID_ELEMENT, QUALITY_TEXT);
    p.complexity = body.quality;
  }
  if (typeof body.expected_loss === 'number') {
    if (body.expected_loss > 20) throw new AbError(AbErrorCode.INVALID_ELEMENT, LOSS_TEXT);
    p.expectedLoss = body.expected_loss;
  }
  if (typeof body.group === 'string' && room.config.groups.length > 0) {
    const g = room.groupIndex(body.group);
    if (g === 0) throw new AbError(AbErrorCode.NO_SUCH_GROUP, `No such group (${body.group})`);
    p.group = g;
  }
  const spatial = room.config.spatialAudio && typeof body.spatial_position === 'number';
  if (typeof body.muted === 'boolean' || typeof body.display === 'string' || spatial) {
    if (typeof body.muted === 'boolean') p.muted = body.muted;
    if (typeof body.display === 'string') p.display = body.display;
    if (spatial) p.spatial = Math.min(100, body.spatial_position as number);
    ab.notifyRoom(room, { audiobridge: 'event', room: room.id, participants: [p.describe(false)] }, p);
  }
  room.sync(p);
  if (typeof body.filename === 'string') p.mjrBase = body.filename;
  if (body.record === true) openMjr(p);
  else if (body.record === false) closeMjr(p);
  const info: JsonObject = { event: 'configured', room: room.id, id: p.id, display: p.display ?? null, muted: p.muted };
  if (p.bitrate > 0) info.bitrate = p.bitrate;
  info.quality = p.complexity;
  if (room.config.spatialAudio) info.spatial_position = p.spatial;
  ab.notifyEvent(s.handle, info);
  let generateOffer = false;
  if (body.update === true && s.pluginOffer) generateOffer = true;
  else if (typeof body.generate_offer === 'boolean') generateOffer = body.generate_offer;
  if (generateOffer) s.pluginOffer = true;
  void sdpUpdate;
  return { event: { audiobridge: 'event', result: 'ok' }, generateOffer };
}

export function leave(ab: AbState, s: AbSession): JsonObject {
  const p = s.participant;
  const room = p?.room;
  if (!p || !room) throw new AbError(AbErrorCode.NOT_JOINED, "Can't leave (not in a room)");
  leaveRoom(ab, p);
  return { audiobridge: 'left', room: room.id, id: p.id };
}
