import type { JsonObject, ModuleLogger, Recording, RecordingOptions } from '../../core/plugin-api';
import type { EchoSession } from './session';

/** The SSRC Janus's EchoTest writes for a simulcast sender, so the file has one SSRC. */
export const ECHOTEST_SIMULCAST_SSRC = 1;

/**
 * EchoTest `record`/`filename` (janus_echotest.c): one file per negotiated medium, named
 * `<filename>-audio|video|data.mjr` (or `echotest-<handle>-<µs>-...` without a filename), in the
 * working directory unless the filename has a folder. `record:false` closes them.
 */
export function configureRecording(s: EchoSession, record: boolean, filename: string | undefined, log: ModuleLogger): void {
  stopRecording(s);
  if (!record) return;
  const now = Math.round((performance.timeOrigin + performance.now()) * 1000);
  const base = (what: string) => (filename ? `${filename}-${what}` : `echotest-0x${s.handle.handleId.toString(16)}-${now}-${what}`);
  const open = (what: 'audio' | 'video' | 'data', opts: Omit<RecordingOptions, 'filename'>): Recording | undefined => {
    try {
      return s.handle.startRecording({ ...opts, filename: base(what), failureContext: { media: what } });
    } catch (err) {
      // as Janus: a recorder that cannot be created is only logged, the request still succeeds
      log.error({ err, media: what }, "Couldn't open a recording file for this EchoTest user");
      return undefined;
    }
  };
  if (s.audioCodec) s.arc = open('audio', { codec: s.audioCodec, ...(s.opusRedPt ? { opusRedPt: s.opusRedPt } : {}), encrypted: s.e2ee });
  if (s.videoCodec) {
    const simulcast = s.simulcast.size > 0;
    s.vrc = open('video', { codec: s.videoCodec, ...(s.videoFmtp ? { fmtp: s.videoFmtp } : {}), encrypted: s.e2ee, ...(simulcast ? { ssrc: ECHOTEST_SIMULCAST_SSRC } : {}) });
    // a keyframe to start the video file with
    s.handle.sendPli();
  }
  if (s.hasData) s.drc = open('data', { codec: 'text' });
}

export function stopRecording(s: EchoSession): void {
  for (const r of [s.arc, s.vrc, s.drc]) void r?.close();
  s.arc = s.vrc = s.drc = undefined;
}

/** Janus's `recording` object in `handle_info` and in the event handler notification. */
export function recordingInfo(s: EchoSession): JsonObject | undefined {
  if (!s.arc && !s.vrc && !s.drc) return undefined;
  const out: JsonObject = {};
  const name = (r: Recording) => r.file.slice(r.file.lastIndexOf('/') + 1);
  if (s.arc) out.audio = name(s.arc);
  if (s.vrc) out.video = name(s.vrc);
  if (s.drc) out.data = name(s.drc);
  return out;
}
