/**
 * Recording media to Janus `.mjr` files (format version 2, as Janus 1.1.x's record.c writes them),
 * offered by the core to every plugin through `PluginHandle.startRecording`.
 *
 * Writing never blocks the event loop: packets are copied into batches that are written
 * asynchronously; a disk that cannot keep up makes the recording drop (and count) packets.
 */
import type { JsonObject } from './messages';

/** Codec names Janus's recorder accepts; `text`/`binary` record data channel messages. */
export const MJR_AUDIO_CODECS = ['opus', 'multiopus', 'g711', 'pcmu', 'pcma', 'g722', 'l16-48', 'l16'] as const;
export const MJR_VIDEO_CODECS = ['vp8', 'vp9', 'h264', 'av1', 'h265'] as const;
export const MJR_DATA_CODECS = ['text', 'binary'] as const;

/** The `t` of the info header. */
export type MjrKind = 'audio' | 'video' | 'data';

/** The media kind Janus records a codec as, or undefined when Janus refuses the codec. */
export function mjrKindOf(codec: string): MjrKind | undefined {
  const c = codec.toLowerCase();
  if ((MJR_VIDEO_CODECS as readonly string[]).includes(c)) return 'video';
  if ((MJR_AUDIO_CODECS as readonly string[]).includes(c)) return 'audio';
  if ((MJR_DATA_CODECS as readonly string[]).includes(c)) return 'data';
  return undefined;
}

/** What to record and where (Janus's `janus_recorder_create_full` and its setters). */
export interface RecordingOptions {
  /** Folder for the file; created (with parents) when missing. Absent: the folder part of `filename`, else the working directory. */
  dir?: string;
  /** Base name without `.mjr` (Janus appends it). Absent: `janus-recording-<random>`. */
  filename?: string;
  /** Codec (see MJR_*_CODECS); an unknown codec makes `startRecording` throw. */
  codec: string;
  /** Codec-specific info (`f`), e.g. the H.264 profile or VP9 profile. */
  fmtp?: string;
  /** Stream description (`d`). */
  description?: string;
  /** RTP header extensions negotiated on the stream (`x`): id 1-14 → extmap URI. */
  extensions?: ReadonlyArray<{ id: number; uri: string }>;
  /** Payload type of Opus RED, when negotiated (`or`). */
  opusRedPt?: number;
  /** Payload still end-to-end encrypted (insertable streams; `e`). */
  encrypted?: boolean;
  /**
   * Write this SSRC in every packet instead of the sender's (Janus's EchoTest and VideoRoom do so
   * for simulcast senders, whose substreams have different SSRCs).
   */
  ssrc?: number;
  /**
   * Fields merged into the event the handle gets if this recording fails (e.g. `room`, `id`, `mid`),
   * so the client can tell which stream it was.
   */
  failureContext?: JsonObject;
}

/** Counters and state of one recording (Admin `handle_info` shows them under `recordings`). */
export interface RecordingInfo {
  /** Path of the file as it will be when closed (without the temporary extension). */
  file: string;
  kind: MjrKind;
  codec: string;
  state: 'opening' | 'recording' | 'paused' | 'closing' | 'closed' | 'failed';
  packets: number;
  bytes: number;
  /** Packets dropped because the disk did not keep up (bounded buffer full). */
  dropped: number;
  /** Why the recording failed (unwritable folder, full disk, failed write...). */
  error?: string;
}

/** One open `.mjr` file (Janus's `janus_recorder`). */
export interface Recording {
  /** Final path (`<dir>/<filename>.mjr`). */
  readonly file: string;
  readonly kind: MjrKind;
  readonly codec: string;
  /** Set once writing failed: every later save is ignored. */
  readonly error: string | undefined;
  /**
   * Save one RTP packet (header included). The recording rewrites sequence numbers and timestamps
   * so they stay continuous across SSRC changes, as Janus does; `buffer` is not modified.
   * Hot path: no allocation.
   */
  saveRtp(buffer: Buffer, length: number): void;
  /** Save one data channel message (stored with its wall-clock time). */
  saveData(buffer: Buffer, length: number): void;
  /** Stop saving until `resume` (the next packet restarts the sequence/timestamp offsets, as Janus). */
  pause(): void;
  resume(): void;
  /** Write what is buffered, close the file and drop the temporary extension. Resolves when done. */
  close(): Promise<void>;
  info(): RecordingInfo;
}

/** One stored frame of a `.mjr` file, as `readMjr` returns it. */
export interface MjrFrame {
  /** Milliseconds since the first frame (0 for old-format files). */
  time: number;
  /** Offset and length of the packet (RTP packet, or data message without its 8-byte time) in the file buffer. */
  offset: number;
  length: number;
  /** Wall-clock µs of a data message. */
  when?: number;
}

/** A parsed `.mjr` file (format 2, or the legacy `MEETECHO` format). */
export interface MjrFile {
  version: 1 | 2;
  /** The info header as written (`t`, `c`, `s`, `u`, ...); old files get `{t, c}` guessed as Janus does. */
  header: JsonObject;
  kind: MjrKind;
  codec: string;
  data: Buffer;
  frames: MjrFrame[];
}
