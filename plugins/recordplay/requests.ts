/** Record&Play asynchronous requests: record, play, start, stop, pause, resume. */
import * as crypto from 'node:crypto';
import {
  JanusError,
  mjrKindOf,
  RTP_EXTENSIONS,
  SimulcastContext,
  validateParams,
  type AnswerMedia,
  type JsonObject,
  type OfferMedia,
  type OutgoingJsep,
  type PluginJsep,
  type RecordingOptions,
  type SdpMediaInfo,
} from '../../core/plugin-api';
import { janusDate, RecordPlayRecording, type Catalogue } from './catalogue';
import { Playout } from './playout';
import type { RpSession } from './session';

export const ERR = {
  NO_MESSAGE: 411, INVALID_JSON: 412, INVALID_REQUEST: 413, INVALID_ELEMENT: 414, MISSING_ELEMENT: 415,
  NOT_FOUND: 416, INVALID_RECORDING: 417, INVALID_STATE: 418, INVALID_SDP: 419, RECORDING_EXISTS: 420, UNKNOWN: 499,
} as const;

const recordParams = [
  { name: 'name', type: 'nonEmptyString', required: true },
  { name: 'id', type: 'positiveInteger' },
  { name: 'filename', type: 'string' },
  { name: 'audiocodec', type: 'string' },
  { name: 'videocodec', type: 'string' },
  { name: 'videoprofile', type: 'string' },
  { name: 'opusred', type: 'boolean' },
  { name: 'textdata', type: 'boolean' },
  { name: 'update', type: 'boolean' },
] as const;
const playParams = [
  { name: 'id', type: 'positiveInteger', required: true },
  { name: 'restart', type: 'boolean' },
] as const;

export class RpError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface RpReply {
  result?: JsonObject;
  jsep?: OutgoingJsep;
  /** Plugin event for event handlers (`events` on). */
  notify?: JsonObject;
}

function check(body: JsonObject, params: Parameters<typeof validateParams>[1]): void {
  const bad = validateParams(body, params, ERR.MISSING_ELEMENT, ERR.INVALID_ELEMENT);
  if (bad) throw new RpError(bad.code, bad.reason);
}

/** A random recording ID that JavaScript clients read exactly (Janus's 53-bit random IDs). */
function randomId(taken: (id: number) => boolean): number {
  for (;;) {
    const id = Number(crypto.randomBytes(8).readBigUInt64BE() >> 11n);
    if (id > 0 && !taken(id)) return id;
  }
}

/** The codec Janus would record: the one asked for, else the offer's first one the recorder takes. */
function pickCodec(m: SdpMediaInfo | undefined, wanted: string | undefined): string | undefined {
  if (!m || m.disabled || m.direction === 'recvonly' || m.direction === 'inactive') return undefined;
  if (wanted) return m.codecs.some((c) => c.name === wanted.toLowerCase()) ? wanted.toLowerCase() : undefined;
  return m.codecs.find((c) => mjrKindOf(c.name) === (m.kind === 'audio' ? 'audio' : 'video'))?.name;
}

export function record(cat: Catalogue, s: RpSession, body: JsonObject, jsep: PluginJsep | undefined): RpReply {
  if (!jsep || jsep.type !== 'offer') throw new RpError(ERR.MISSING_ELEMENT, 'Missing SDP offer');
  check(body, recordParams);
  const audioM = jsep.media.find((m) => m.kind === 'audio');
  const videoM = jsep.media.find((m) => m.kind === 'video');
  const dataM = jsep.media.find((m) => m.kind === 'application' && !m.disabled);
  let rec = s.recording;
  if (jsep.update) {
    if (!s.recorder || !rec) throw new RpError(ERR.INVALID_STATE, "Not a recording session, can't update");
  } else {
    if (s.recorder || s.playout) throw new RpError(ERR.INVALID_STATE, 'Already in use');
    let id = typeof body.id === 'number' ? body.id : 0;
    if (id > 0 && cat.recordings.has(id)) throw new RpError(ERR.RECORDING_EXISTS, `Recording ${id} already exists`);
    if (id === 0) id = randomId((x) => cat.recordings.has(x));
    rec = new RecordPlayRecording(id, body.name as string, janusDate());
    const acodec = pickCodec(audioM, body.audiocodec as string | undefined);
    const vcodec = pickCodec(videoM, body.videocodec as string | undefined);
    const base = typeof body.filename === 'string' ? body.filename : `rec-${id}`;
    const open = (what: string, opts: Omit<RecordingOptions, 'dir' | 'filename'>) => {
      try {
        return s.handle.startRecording({ dir: cat.folder, filename: `${base}-${what}`, ...opts, failureContext: { id } });
      } catch (err) {
        throw new RpError(ERR.UNKNOWN, (err as JanusError).message);
      }
    };
    const ext = (m: SdpMediaInfo | undefined, uri: string) => m?.extensions.filter((e) => e.uri === uri) ?? [];
    s.e2ee = jsep.e2ee === true;
    if (acodec) {
      const red = body.opusred === true && acodec === 'opus' ? audioM!.codecs.find((c) => c.name === 'red')?.pt : undefined;
      s.arc = open('audio', { codec: acodec, extensions: ext(audioM, RTP_EXTENSIONS.audioLevel), encrypted: s.e2ee, ...(red ? { opusRedPt: red } : {}) });
      rec.audio = { file: `${base}-audio.mjr`, codec: acodec, e2ee: s.e2ee, ...(red ? { redPt: red } : {}) };
    }
    if (vcodec) {
      const fmtp = videoM!.codecs.find((c) => c.name === vcodec)?.fmtp;
      s.vrc = open('video', { codec: vcodec, extensions: ext(videoM, RTP_EXTENSIONS.videoOrientation), encrypted: s.e2ee, ...(fmtp ? { fmtp } : {}) });
      rec.video = { file: `${base}-video.mjr`, codec: vcodec, e2ee: s.e2ee, ...(fmtp ? { fmtp } : {}) };
      const sim = jsep.simulcast?.find((x) => x.mindex === videoM!.mindex);
      const n = sim?.rids?.length ?? sim?.ssrcs?.length ?? 0;
      if (n > 1 && (vcodec === 'vp8' || vcodec === 'h264')) {
        s.simulcast = new SimulcastContext({ codec: vcodec, substreams: n, clockRate: 90000, substream: 2, temporal: 2 });
        s.simulcastMindex = videoM!.mindex;
      }
    }
    if (dataM) {
      const text = body.textdata !== false;
      s.drc = open('data', { codec: text ? 'text' : 'binary' });
      rec.data = { file: `${base}-data.mjr`, codec: text ? 'text' : 'binary', e2ee: false, text };
    }
    s.recorder = true;
    s.recording = rec;
    cat.recordings.set(rec.id, rec);
  }
  const media: AnswerMedia[] = [];
  let audioDone = false;
  let videoDone = false;
  for (const m of jsep.media) {
    if (m.kind === 'audio' && rec!.audio && !audioDone && !m.disabled) {
      audioDone = true;
      media.push({ mindex: m.mindex, accept: true, direction: 'recvonly', codecs: [rec!.audio.codec] });
    } else if (m.kind === 'video' && rec!.video && !videoDone && !m.disabled) {
      videoDone = true;
      media.push({ mindex: m.mindex, accept: true, direction: 'recvonly', codecs: [rec!.video.codec] });
    } else if (m.kind === 'application' && rec!.data && !m.disabled) {
      media.push({ mindex: m.mindex, accept: true });
    } else media.push({ mindex: m.mindex, accept: false });
  }
  return {
    result: { status: 'recording', id: rec!.id },
    jsep: { type: 'answer', media, ...(s.e2ee ? { e2ee: true } : {}) },
    ...(jsep.update ? {} : { notify: { event: 'recording', id: rec!.id, audio: !!s.arc, video: !!s.vrc, data: !!s.drc } }),
  };
}

export async function play(cat: Catalogue, s: RpSession, body: JsonObject, jsep: PluginJsep | undefined, onEnd: () => void): Promise<RpReply> {
  if (jsep) throw new RpError(ERR.INVALID_ELEMENT, "A play request can't contain an SDP");
  check(body, playParams);
  if (body.restart === true) {
    if (s.recorder || !s.recording || !s.playout) throw new RpError(ERR.INVALID_STATE, "Not a playout session, can't restart");
    return { result: { status: 'restarting', id: s.recording.id }, jsep: { type: 'offer', media: playOffer(s.recording), restart: true } };
  }
  if (s.recorder || s.playout) throw new RpError(ERR.INVALID_STATE, 'Already in use');
  const rec = cat.recordings.get(body.id as number);
  if (!rec || !rec.completed) throw new RpError(ERR.NOT_FOUND, 'No such recording');
  const audio = rec.audio && mjrKindOf(rec.audio.codec) ? rec.audio.file : undefined;
  const video = rec.video && mjrKindOf(rec.video.codec) ? rec.video.file : undefined;
  const { playout, broken } = await Playout.load(s.handle, cat.folder, {
    audioMindex: 0,
    videoMindex: audio ? 1 : 0,
    ...(audio ? { audio } : {}),
    ...(video ? { video } : {}),
    ...(rec.data ? { data: { file: rec.data.file, text: rec.data.text } } : {}),
  }, onEnd);
  if (!playout.hasMedia) throw new RpError(ERR.INVALID_RECORDING, 'Error opening recording files');
  const warning = broken.includes('data') ? 'Broken data file, playing audio/video only'
    : broken.includes('video') ? 'Broken video file, playing audio only'
    : broken.includes('audio') ? 'Broken audio file, playing video only' : undefined;
  s.playout = playout;
  s.recording = rec;
  rec.viewers++;
  s.e2ee = rec.audio?.e2ee === true || rec.video?.e2ee === true;
  const result: JsonObject = { status: 'preparing', id: rec.id };
  if (warning) result.warning = warning;
  return {
    result,
    jsep: { type: 'offer', media: playOffer(rec), ...(s.e2ee ? { e2ee: true } : {}) },
    notify: { event: 'playout', id: rec.id, audio: !!audio && !broken.includes('audio'), video: !!video && !broken.includes('video'), data: !!rec.data && !broken.includes('data') },
  };
}

/** The offer for a playout: sendonly audio and video with the recorded codecs, data if recorded. */
function playOffer(rec: RecordPlayRecording): OfferMedia[] {
  const out: OfferMedia[] = [];
  if (rec.audio && mjrKindOf(rec.audio.codec)) {
    const name = rec.audio.codec === 'g711' ? 'pcmu' : rec.audio.codec;
    out.push({ kind: 'audio', direction: 'sendonly', codecs: [{ name, ...(name === 'opus' ? { clockRate: 48000, channels: 2 } : {}) }] });
  }
  if (rec.video && mjrKindOf(rec.video.codec)) {
    out.push({ kind: 'video', direction: 'sendonly', codecs: [{ name: rec.video.codec, clockRate: 90000, ...(rec.video.fmtp ? { fmtp: rec.video.fmtp } : {}) }] });
  }
  if (rec.data) out.push({ kind: 'application', direction: 'sendrecv', codecs: [] });
  return out;
}

export function start(s: RpSession, jsep: PluginJsep | undefined): RpReply {
  if (!s.playout || !s.playout.hasAudioOrVideo) throw new RpError(ERR.INVALID_STATE, "Not a playout session, can't start");
  if (!jsep) throw new RpError(ERR.MISSING_ELEMENT, 'Missing SDP answer');
  return { result: { status: 'playing' }, notify: { event: 'playing', id: s.recording!.id } };
}

export function pauseResume(s: RpSession, pause: boolean): RpReply {
  if (!s.recording) return {};
  const id = s.recording.id;
  if (s.recorder && s.paused !== pause) {
    s.paused = pause;
    for (const r of [s.arc, s.vrc, s.drc]) {
      if (pause) r?.pause();
      else r?.resume();
    }
    if (!pause) s.handle.sendPli();
  }
  return { result: { status: pause ? 'paused' : 'resumed', id }, notify: { event: pause ? 'paused' : 'resumed', id } };
}
