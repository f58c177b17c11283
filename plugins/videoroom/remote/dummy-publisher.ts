/**
 * A room's dummy publisher (Janus 1.1 `dummy_publisher`): a participant "Dummy publisher" that
 * never sends media, with one m-line per codec the room allows (audio codecs first), or only those
 * `dummy_streams` names (each `{codec, fmtp?}`; the fmtp sets Opus stereo/FEC/DTX and the H.264 or
 * VP9 profile). Subscriptions can use its streams as placeholders and `switch` to real feeds later.
 */
import type { JsonObject } from '../../../core/plugin-api';
import type { VideoRoomState } from '../state';
import type { Room } from '../room';
import { Publisher } from '../publisher/publisher';
import { PublisherStream } from '../publisher/publisher-stream';
import { randomPrivateId } from '../ids';
import { publisherUp } from '../lifecycle';
import { codecFor } from './codecs';
import { VirtualHandle } from './virtual-handle';

/** `dummy_streams` as given (request array or config list of groups): codec name → fmtp ("none" if absent). */
export function parseDummyStreams(raw: unknown, warn: (msg: string) => void): Map<string, string> | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const out = new Map<string, string>();
  for (const m of raw) {
    const o = (typeof m === 'object' && m !== null && !Array.isArray(m) ? m : {}) as JsonObject;
    const codec = o.codec;
    if (typeof codec !== 'string') {
      warn('Invalid dummy stream codec, skipping');
      continue;
    }
    if (o.fmtp !== undefined && typeof o.fmtp !== 'string') {
      warn('Invalid dummy stream fmtp, skipping');
      continue;
    }
    out.set(codec.toLowerCase(), typeof o.fmtp === 'string' ? o.fmtp : 'none');
  }
  return out;
}

function fmtpValue(fmtp: string, key: string): string | undefined {
  for (const part of fmtp.split(';')) {
    const [k, v] = part.trim().split('=');
    if (k?.toLowerCase() === key) return v;
  }
  return undefined;
}

/** Create the room's dummy publisher (when the room has `dummy_publisher`); it is active at once. */
export function createDummyPublisher(vr: VideoRoomState, room: Room, only: Map<string, string> | undefined): Publisher | undefined {
  if (!room.config.dummyPublisher) return undefined;
  let id = vr.ids.random();
  while (room.participants.has(id)) id = vr.ids.random();
  let pvt = randomPrivateId();
  while (room.hasPrivateId(pvt)) pvt = randomPrivateId();
  const pub = new Publisher(room, new VirtualHandle(vr.ctx), id, pvt);
  pub.kind = 'dummy';
  pub.display = 'Dummy publisher';
  const streams: PublisherStream[] = [];
  const add = (type: 'audio' | 'video', codec: string) => {
    const fmtp = only?.get(codec);
    if (only !== undefined && fmtp === undefined) return;
    const ps = new PublisherStream(type, streams.length, String(streams.length));
    const has = (k: string) => fmtp !== undefined && fmtp !== 'none' && fmtp.includes(k);
    if (type === 'audio' && codec === 'opus') {
      ps.fec = has('useinbandfec=1');
      ps.dtx = has('usedtx=1');
      ps.stereo = has('stereo=1');
    }
    if (fmtp !== undefined && fmtp !== 'none') {
      if (codec === 'h264') ps.h264Profile = fmtpValue(fmtp, 'profile-level-id');
      if (codec === 'vp9') ps.vp9Profile = fmtpValue(fmtp, 'profile-id');
    }
    ps.codec = codecFor(type, codec, ps);
    if (ps.codec) streams.push(ps);
  };
  for (const c of room.config.audiocodec) add('audio', c);
  for (const c of room.config.videocodec) add('video', c);
  pub.negotiate(streams);
  room.addParticipant(pub);
  publisherUp(vr, pub);
  return pub;
}
