/**
 * Room properties: one type for rooms from `janus.plugin.videoroom.jcfg` and from `create`,
 * with Janus's defaults, its validation texts, and the write-back form for `permanent`.
 */
import type { ConfigView, JsonObject, ParamSpec, StoredSetting } from '../../core/plugin-api';
import { checkParams, VrError, VrErrorCode } from './errors';

export const AUDIO_CODECS = ['opus', 'multiopus', 'isac32', 'isac16', 'pcmu', 'pcma', 'g722', 'l16-48', 'l16'] as const;
export const VIDEO_CODECS = ['vp8', 'vp9', 'av1', 'h264', 'h265'] as const;

export interface RoomConfig {
  description?: string;
  isPrivate: boolean;
  secret?: string;
  pin?: string;
  requirePvtid: boolean;
  signedTokens: boolean;
  publishers: number;
  bitrate: number;
  bitrateCap: boolean;
  firFreq: number;
  audiocodec: string[];
  videocodec: string[];
  vp9Profile?: string;
  h264Profile?: string;
  opusFec: boolean;
  opusDtx: boolean;
  videoSvc: boolean;
  audiolevelExt: boolean;
  audiolevelEvent: boolean;
  audioActivePackets: number;
  audioLevelAverage: number;
  videoorientExt: boolean;
  playoutdelayExt: boolean;
  transportWideCcExt: boolean;
  record: boolean;
  recDir?: string;
  lockRecord: boolean;
  notifyJoining: boolean;
  requireE2ee: boolean;
  dummyPublisher: boolean;
  /** Tokens for `join` when the ACL is on (`allowed` in create). */
  allowed?: string[];
}

export function defaultRoomConfig(): RoomConfig {
  return {
    isPrivate: false, requirePvtid: false, signedTokens: false, publishers: 3, bitrate: 0, bitrateCap: false,
    firFreq: 0, audiocodec: ['opus'], videocodec: ['vp8'], opusFec: true, opusDtx: false, videoSvc: false,
    audiolevelExt: true, audiolevelEvent: false, audioActivePackets: 100, audioLevelAverage: 25,
    videoorientExt: true, playoutdelayExt: true, transportWideCcExt: true, record: false, lockRecord: false,
    notifyJoining: false, requireE2ee: false, dummyPublisher: false,
  };
}

/** `create` fields in the order Janus checks them. */
const createParams: readonly ParamSpec[] = [
  { name: 'description', type: 'string' },
  { name: 'is_private', type: 'boolean' },
  { name: 'allowed', type: 'array' },
  { name: 'secret', type: 'string' },
  { name: 'pin', type: 'string' },
  { name: 'require_pvtid', type: 'boolean' },
  { name: 'signed_tokens', type: 'boolean' },
  { name: 'bitrate', type: 'positiveInteger' },
  { name: 'bitrate_cap', type: 'boolean' },
  { name: 'fir_freq', type: 'positiveInteger' },
  { name: 'publishers', type: 'positiveInteger' },
  { name: 'audiocodec', type: 'string' },
  { name: 'videocodec', type: 'string' },
  { name: 'vp9_profile', type: 'string' },
  { name: 'h264_profile', type: 'string' },
  { name: 'opus_fec', type: 'boolean' },
  { name: 'opus_dtx', type: 'boolean' },
  { name: 'video_svc', type: 'boolean' },
  { name: 'audiolevel_ext', type: 'boolean' },
  { name: 'audiolevel_event', type: 'boolean' },
  { name: 'audio_active_packets', type: 'positiveInteger' },
  { name: 'audio_level_average', type: 'positiveInteger' },
  { name: 'videoorient_ext', type: 'boolean' },
  { name: 'playoutdelay_ext', type: 'boolean' },
  { name: 'transport_wide_cc_ext', type: 'boolean' },
  { name: 'record', type: 'boolean' },
  { name: 'rec_dir', type: 'string' },
  { name: 'lock_record', type: 'boolean' },
  { name: 'notify_joining', type: 'boolean' },
  { name: 'require_e2ee', type: 'boolean' },
  { name: 'dummy_publisher', type: 'boolean' },
  { name: 'dummy_streams', type: 'array' },
  { name: 'permanent', type: 'boolean' },
];

/** Every key a `room-<id>` category may hold (unknown ones are warned about, never fatal). */
export const roomJcfgKeys = [
  'description', 'is_private', 'secret', 'pin', 'require_pvtid', 'signed_tokens', 'publishers', 'bitrate',
  'bitrate_cap', 'fir_freq', 'audiocodec', 'videocodec', 'vp9_profile', 'h264_profile', 'opus_fec', 'opus_dtx',
  'video_svc', 'audiolevel_ext', 'audiolevel_event', 'audio_active_packets', 'audio_level_average',
  'videoorient_ext', 'playoutdelay_ext', 'transport_wide_cc_ext', 'record', 'rec_dir', 'lock_record',
  'notify_joining', 'require_e2ee', 'dummy_publisher', 'dummy_streams', 'allowed',
];

/** A codec list (comma-separated) checked against the names Janus knows; at most 5 kept. */
export function parseCodecList(value: string, kind: 'audio' | 'video'): string[] {
  const known: readonly string[] = kind === 'audio' ? AUDIO_CODECS : VIDEO_CODECS;
  const list = value.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c.length > 0);
  if (list.length === 0 || list.some((c) => !known.includes(c))) {
    const text = kind === 'audio'
      ? 'Invalid element (audiocodec can only be or contain opus, isac32, isac16, pcmu, pcma or g722)'
      : 'Invalid element (videocodec can only be or contain vp8, vp9, av1, h264 or h265)';
    throw new VrError(VrErrorCode.INVALID_ELEMENT, text);
  }
  return list.slice(0, 5);
}

/** Room properties from a `create` body (throws VrError 429/430 with Janus's texts). */
export function roomConfigFromCreate(b: JsonObject): RoomConfig {
  checkParams(b, createParams);
  const c = defaultRoomConfig();
  if (Array.isArray(b.allowed)) {
    if (b.allowed.some((t) => typeof t !== 'string')) {
      throw new VrError(VrErrorCode.INVALID_ELEMENT, 'Invalid element in the allowed array (not a string)');
    }
    c.allowed = [...new Set(b.allowed as string[])];
  }
  if (typeof b.audiocodec === 'string') c.audiocodec = parseCodecList(b.audiocodec, 'audio');
  if (typeof b.videocodec === 'string') c.videocodec = parseCodecList(b.videocodec, 'video');
  if (typeof b.description === 'string' && b.description.length > 0) c.description = b.description;
  if (typeof b.secret === 'string') c.secret = b.secret;
  if (typeof b.pin === 'string') c.pin = b.pin;
  if (typeof b.rec_dir === 'string') c.recDir = b.rec_dir;
  if (typeof b.vp9_profile === 'string') c.vp9Profile = b.vp9_profile;
  if (typeof b.h264_profile === 'string') c.h264Profile = b.h264_profile;
  const num = (k: string, d: number) => (typeof b[k] === 'number' ? (b[k] as number) : d);
  const bool = (k: string, d: boolean) => (typeof b[k] === 'boolean' ? (b[k] as boolean) : d);
  c.isPrivate = bool('is_private', c.isPrivate);
  c.requirePvtid = bool('require_pvtid', c.requirePvtid);
  c.signedTokens = bool('signed_tokens', c.signedTokens);
  c.publishers = num('publishers', c.publishers);
  c.bitrate = num('bitrate', c.bitrate);
  c.bitrateCap = bool('bitrate_cap', c.bitrateCap);
  c.firFreq = num('fir_freq', c.firFreq);
  c.opusFec = bool('opus_fec', c.opusFec);
  c.opusDtx = bool('opus_dtx', c.opusDtx);
  c.videoSvc = bool('video_svc', c.videoSvc);
  c.audiolevelExt = bool('audiolevel_ext', c.audiolevelExt);
  c.audiolevelEvent = bool('audiolevel_event', c.audiolevelEvent);
  c.audioActivePackets = num('audio_active_packets', c.audioActivePackets);
  c.audioLevelAverage = num('audio_level_average', c.audioLevelAverage);
  c.videoorientExt = bool('videoorient_ext', c.videoorientExt);
  c.playoutdelayExt = bool('playoutdelay_ext', c.playoutdelayExt);
  c.transportWideCcExt = bool('transport_wide_cc_ext', c.transportWideCcExt);
  c.record = bool('record', c.record);
  c.lockRecord = bool('lock_record', c.lockRecord);
  c.notifyJoining = bool('notify_joining', c.notifyJoining);
  c.requireE2ee = bool('require_e2ee', c.requireE2ee);
  c.dummyPublisher = bool('dummy_publisher', c.dummyPublisher);
  sanitize(c);
  return c;
}

/** Room properties from a `room-<id>` category; bad codec lists fall back to the defaults, as Janus warns and goes on. */
export function roomConfigFromJcfg(cfg: ConfigView, cat: string, warn: (fields: Record<string, unknown>, msg: string) => void): RoomConfig {
  const c = defaultRoomConfig();
  const s = (k: string) => cfg.getString(cat, k);
  const int = (k: string, d: number) => {
    const v = cfg.getInt(cat, k);
    return v !== undefined && v >= 0 ? v : d;
  };
  const bool = (k: string, d: boolean) => cfg.getBool(cat, k, d);
  c.description = s('description') || undefined;
  c.secret = s('secret');
  c.pin = s('pin');
  c.recDir = s('rec_dir');
  c.vp9Profile = s('vp9_profile');
  c.h264Profile = s('h264_profile');
  for (const kind of ['audio', 'video'] as const) {
    const v = s(`${kind}codec`);
    if (v === undefined) continue;
    try {
      c[`${kind}codec`] = parseCodecList(v, kind);
    } catch (err) {
      warn({ category: cat, err, using: c[`${kind}codec`].join(',') }, 'Invalid codec list');
    }
  }
  c.isPrivate = bool('is_private', c.isPrivate);
  c.requirePvtid = bool('require_pvtid', c.requirePvtid);
  c.signedTokens = bool('signed_tokens', c.signedTokens);
  c.publishers = int('publishers', c.publishers);
  c.bitrate = int('bitrate', c.bitrate);
  c.bitrateCap = bool('bitrate_cap', c.bitrateCap);
  c.firFreq = int('fir_freq', c.firFreq);
  c.opusFec = bool('opus_fec', c.opusFec);
  c.opusDtx = bool('opus_dtx', c.opusDtx);
  c.videoSvc = bool('video_svc', c.videoSvc);
  c.audiolevelExt = bool('audiolevel_ext', c.audiolevelExt);
  c.audiolevelEvent = bool('audiolevel_event', c.audiolevelEvent);
  c.audioActivePackets = int('audio_active_packets', c.audioActivePackets);
  c.audioLevelAverage = int('audio_level_average', c.audioLevelAverage);
  c.videoorientExt = bool('videoorient_ext', c.videoorientExt);
  c.playoutdelayExt = bool('playoutdelay_ext', c.playoutdelayExt);
  c.transportWideCcExt = bool('transport_wide_cc_ext', c.transportWideCcExt);
  c.record = bool('record', c.record);
  c.lockRecord = bool('lock_record', c.lockRecord);
  c.notifyJoining = bool('notify_joining', c.notifyJoining);
  c.requireE2ee = bool('require_e2ee', c.requireE2ee);
  c.dummyPublisher = bool('dummy_publisher', c.dummyPublisher);
  const allowed = cfg.getList(cat, 'allowed');
  if (allowed.length > 0) c.allowed = [...new Set(allowed)];
  cfg.warnUnknown(cat, roomJcfgKeys);
  sanitize(c);
  return c;
}

/** Janus's corrections: 0 publishers means the default, talk detection bounds. */
function sanitize(c: RoomConfig): void {
  if (c.publishers === 0) c.publishers = 3;
  if (c.audioActivePackets === 0) c.audioActivePackets = 100;
  if (c.audioLevelAverage > 127) c.audioLevelAverage = 127;
  if (c.audioLevelAverage === 0) c.audioLevelAverage = 25;
}

/** The `room-<id>` group written back for `permanent` (only what differs from the defaults). */
/** The room's category as `permanent` saves it (only what differs from the defaults, as Janus). */
export function roomConfigToJcfg(id: string | number, c: RoomConfig): Record<string, StoredSetting> {
  const d = defaultRoomConfig();
  const g: Record<string, StoredSetting> = { description: c.description ?? `Room ${id}` };
  if (c.isPrivate) g.is_private = true;
  if (c.secret !== undefined) g.secret = c.secret;
  if (c.pin !== undefined) g.pin = c.pin;
  if (c.requirePvtid) g.require_pvtid = true;
  if (c.signedTokens) g.signed_tokens = true;
  g.publishers = c.publishers;
  if (c.bitrate) g.bitrate = c.bitrate;
  if (c.bitrateCap) g.bitrate_cap = true;
  if (c.firFreq) g.fir_freq = c.firFreq;
  g.audiocodec = c.audiocodec.join(',');
  g.videocodec = c.videocodec.join(',');
  if (c.vp9Profile) g.vp9_profile = c.vp9Profile;
  if (c.h264Profile) g.h264_profile = c.h264Profile;
  if (c.opusFec !== d.opusFec) g.opus_fec = c.opusFec;
  if (c.opusDtx) g.opus_dtx = true;
  if (c.videoSvc) g.video_svc = true;
  if (c.audiolevelExt !== d.audiolevelExt) g.audiolevel_ext = c.audiolevelExt;
  if (c.audiolevelEvent) {
    g.audiolevel_event = true;
    g.audio_active_packets = c.audioActivePackets;
    g.audio_level_average = c.audioLevelAverage;
  }
  if (!c.videoorientExt) g.videoorient_ext = false;
  if (!c.playoutdelayExt) g.playoutdelay_ext = false;
  if (!c.transportWideCcExt) g.transport_wide_cc_ext = false;
  if (c.record) g.record = true;
  if (c.recDir) g.rec_dir = c.recDir;
  if (c.lockRecord) g.lock_record = true;
  if (c.notifyJoining) g.notify_joining = true;
  if (c.requireE2ee) g.require_e2ee = true;
  if (c.dummyPublisher) g.dummy_publisher = true;
  if (c.allowed && c.allowed.length > 0) g.allowed = [...c.allowed];
  return g;
}
