/**
 * Replaying a recording (Janus's playout thread): packets ordered by RTP timestamp (then
 * sequence number), sent at the pace of their timestamps (audio 48 kHz, or 8 kHz for G.711/G.722;
 * video 90 kHz, all packets of a frame together), data messages at their recorded wall-clock offset.
 * One timer per playout; it ends when audio and video are done.
 */
import { readMjr, type MjrFile, type PluginHandle, type RtpExtensions } from '../../core/plugin-api';

interface Frame {
  offset: number;
  length: number;
  /** Send time in µs from the start of the playout. */
  at: number;
  ts: number;
}

export interface PlayoutSource {
  /** m-line indexes of the offer made for the playout. */
  audioMindex: number;
  videoMindex: number;
  audio?: string;
  video?: string;
  data?: { file: string; text: boolean };
}

const TICK_MS = 5;
/** Janus sends up to 5 ms early. */
const EARLY_US = 5000;

/** Order RTP frames as Janus does and give each its send time. */
function orderRtp(m: MjrFile, khz: number): Frame[] {
  const d = m.data;
  let wraps = 0;
  let last = -1;
  const frames = m.frames.map((f, i) => {
    const raw = d.readUInt32BE(f.offset + 4);
    // a timestamp far below the previous one is a 32-bit wrap
    if (last >= 0 && raw < last && last - raw > 2_000_000_000) wraps++;
    last = raw;
    return { offset: f.offset, length: f.length, ts: raw + wraps * 4294967296, seq: d.readUInt16BE(f.offset + 2), i };
  });
  frames.sort((a, b) => a.ts - b.ts || ((a.seq - b.seq + 65536 + 32768) % 65536) - 32768 || a.i - b.i);
  const base = frames.length > 0 ? frames[0].ts : 0;
  return frames.map((f) => ({ offset: f.offset, length: f.length, ts: f.ts, at: ((f.ts - base) * 1000) / khz }));
}

export class Playout {
  private timer?: NodeJS.Timeout;
  private started = 0;
  private ai = 0;
  private vi = 0;
  private di = 0;
  private audio?: { file: MjrFile; frames: Frame[] };
  private video?: { file: MjrFile; frames: Frame[] };
  private data?: { file: MjrFile; frames: Frame[]; text: boolean };
  private readonly buf = Buffer.allocUnsafe(1500);
  private amindex = 0;
  private vmindex = 1;
  /** Packets sent (for Admin and tests). */
  sent = 0;

  private constructor(
    private readonly handle: PluginHandle,
    private readonly onEnd: () => void,
  ) {}

  /** Read and index the files; undefined for a file that cannot be read (the caller warns). */
  static async load(handle: PluginHandle, folder: string, src: PlayoutSource, onEnd: () => void): Promise<{ playout: Playout; broken: Array<'audio' | 'video' | 'data'> }> {
    const p = new Playout(handle, onEnd);
    const broken: Array<'audio' | 'video' | 'data'> = [];
    p.amindex = src.audioMindex;
    p.vmindex = src.videoMindex;
    const open = async (file: string) => {
      try {
        return await readMjr(`${folder}/${file}`);
      } catch {
        return undefined;
      }
    };
    if (src.audio) {
      const m = await open(src.audio);
      if (m) {
        const khz = m.codec === 'pcmu' || m.codec === 'pcma' || m.codec === 'g711' || m.codec === 'g722' ? 8 : 48;
        p.audio = { file: m, frames: orderRtp(m, khz) };
      } else broken.push('audio');
    }
    if (src.video) {
      const m = await open(src.video);
      if (m) p.video = { file: m, frames: orderRtp(m, 90) };
      else broken.push('video');
    }
    if (src.data) {
      const m = await open(src.data.file);
      if (m) {
        const created = typeof m.header.s === 'number' ? m.header.s : (m.frames[0]?.when ?? 0);
        p.data = { file: m, text: src.data.text, frames: m.frames.map((f) => ({ offset: f.offset, length: f.length, ts: 0, at: (f.when ?? created) - created })) };
      } else broken.push('data');
    }
    return { playout: p, broken };
  }

  get hasMedia(): boolean {
    return !!(this.audio || this.video || this.data);
  }

  get hasAudioOrVideo(): boolean {
    return !!(this.audio || this.video);
  }

  start(): void {
    if (this.timer) return;
    this.started = performance.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (!this.handle.alive) return this.stop();
    const now = (performance.now() - this.started) * 1000 + EARLY_US;
    if (this.audio) {
      const fr = this.audio.frames;
      while (this.ai < fr.length && fr[this.ai].at <= now) this.sendRtp(this.audio.file, fr[this.ai++], false);
    }
    if (this.video) {
      const fr = this.video.frames;
      while (this.vi < fr.length && fr[this.vi].at <= now) this.sendRtp(this.video.file, fr[this.vi++], true);
    }
    if (this.data) {
      const fr = this.data.frames;
      while (this.di < fr.length && fr[this.di].at <= now) {
        const f = fr[this.di++];
        const b = Buffer.from(this.data.file.data.subarray(f.offset, f.offset + f.length));
        this.handle.relayData({ label: 'JanusDataChannel', binary: !this.data.text, buffer: b, length: b.length });
      }
    }
    const audioDone = !this.audio || this.ai >= this.audio.frames.length;
    const videoDone = !this.video || this.vi >= this.video.frames.length;
    if (audioDone && videoDone) {
      this.stop();
      this.onEnd();
    }
  }

  private sendRtp(m: MjrFile, f: Frame, video: boolean): void {
    if (f.length > this.buf.length) return;
    m.data.copy(this.buf, 0, f.offset, f.offset + f.length);
    this.handle.relayRtp({ mindex: video ? this.vmindex : this.amindex, mid: '', video, buffer: this.buf, length: f.length, substream: 0, extensions: NO_EXTENSIONS });
    this.sent++;
  }
}

const NO_EXTENSIONS: RtpExtensions = { audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1 };
