/** Room options, from a `create` request or a `room-<id>` group of the .jcfg file. */
import type { ConfigView, JsonObject } from '../../core/plugin-api';
import { AbError, AbErrorCode } from './errors';

export const MAX_GROUPS = 5;
export const DEFAULT_PREBUFFERING = 6;
export const MAX_PREBUFFERING = 50;

export interface RoomConfig {
  description: string;
  isPrivate: boolean;
  secret?: string;
  pin?: string;
  samplingRate: number;
  spatialAudio: boolean;
  audiolevelExt: boolean;
  audiolevelEvent: boolean;
  audioActivePackets: number;
  audioLevelAverage: number;
  defaultPrebuffering: number;
  defaultExpectedLoss: number;
  defaultBitrate: number;
  record: boolean;
  recordFile?: string;
  recordDir?: string;
  mjrs: boolean;
  mjrsDir?: string;
  allowRtpParticipants: boolean;
  /** Group names, in order: a participant's group index is its position + 1. */
  groups: string[];
  /** Tokens allowed to join, when given (`allowed`): checking is then on. */
  allowed?: string[];
}

export const SAMPLING_RATES = [8000, 12000, 16000, 24000, 48000];

/** Everything but the description (which needs the room id), with Janus's defaults and clamps. */
export function roomConfigFrom(get: (k: string) => unknown, getList: (k: string) => string[] | undefined): Omit<RoomConfig, 'description'> & { description?: string } {
  const bool = (k: string, d: boolean) => (typeof get(k) === 'boolean' ? (get(k) as boolean) : d);
  const int = (k: string) => (typeof get(k) === 'number' ? (get(k) as number) : undefined);
  const str = (k: string) => (typeof get(k) === 'string' ? (get(k) as string) : undefined);
  const audiolevelEvent = bool('audiolevel_event', false);
  const prebuf = int('default_prebuffering') ?? DEFAULT_PREBUFFERING;
  const loss = int('default_expectedloss') ?? 0;
  const bitrate = int('default_bitrate') ?? 0;
  const desc = str('description');
  return {
    description: desc !== undefined && desc.length > 0 ? desc : undefined,
    isPrivate: bool('is_private', false),
    secret: str('secret'),
    pin: str('pin'),
    samplingRate: int('sampling_rate') ?? int('sampling') ?? 16000,
    spatialAudio: bool('spatial_audio', false),
    audiolevelExt: bool('audiolevel_ext', true),
    audiolevelEvent,
    audioActivePackets: audiolevelEvent && (int('audio_active_packets') ?? 0) > 0 ? int('audio_active_packets')! : 100,
    audioLevelAverage: audiolevelEvent && (int('audio_level_average') ?? 0) > 0 ? int('audio_level_average')! : 25,
    defaultPrebuffering: prebuf > MAX_PREBUFFERING ? DEFAULT_PREBUFFERING : prebuf,
    defaultExpectedLoss: loss > 20 ? 0 : loss,
    defaultBitrate: bitrate < 500 || bitrate > 512000 ? 0 : bitrate,
    record: bool('record', false),
    recordFile: str('record_file'),
    recordDir: str('record_dir'),
    mjrs: bool('mjrs', false),
    mjrsDir: str('mjrs_dir'),
    allowRtpParticipants: bool('allow_rtp_participants', false),
    groups: dedupe(getList('groups') ?? []),
    allowed: getList('allowed'),
  };
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/** From a `create` body (already type-checked). */
export function roomConfigFromRequest(body: JsonObject): ReturnType<typeof roomConfigFrom> {
  for (const k of ['allowed', 'groups'] as const) {
    const a = body[k];
    if (!Array.isArray(a)) continue;
    if (k === 'groups' && a.length > MAX_GROUPS) throw new AbError(AbErrorCode.INVALID_ELEMENT, `Too many groups specified (max ${MAX_GROUPS} allowed)`);
    if (a.some((x) => typeof x !== 'string')) throw new AbError(AbErrorCode.INVALID_ELEMENT, `Invalid element in the ${k} array (not a string)`);
  }
  return roomConfigFrom(
    (k) => body[k],
    (k) => (Array.isArray(body[k]) ? (body[k] as string[]) : undefined),
  );
}

/** From a `room-<id>` category: strings as Janus reads them (yes/true/1, atoi). */
export function roomConfigFromJcfg(cfg: ConfigView, cat: string): ReturnType<typeof roomConfigFrom> {
  const bools = new Set(['is_private', 'spatial_audio', 'audiolevel_ext', 'audiolevel_event', 'record', 'mjrs', 'allow_rtp_participants']);
  const ints = new Set(['sampling_rate', 'sampling', 'audio_active_packets', 'audio_level_average', 'default_prebuffering', 'default_expectedloss', 'default_bitrate']);
  return roomConfigFrom(
    (k) => {
      if (cfg.getString(cat, k) === undefined) return undefined;
      if (bools.has(k)) return cfg.getBool(cat, k, false);
      if (ints.has(k)) return cfg.getInt(cat, k);
      return cfg.getString(cat, k);
    },
    (k) => (cfg.getRaw(cat, k) === undefined ? undefined : cfg.getList(cat, k)),
  );
}
