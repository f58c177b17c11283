/**
 * Test support for recordings: real VP8 frames (ffmpeg's test pattern, libvpx), Opus frames,
 * pumps that send them from a werift peer at their real rate, and the Debian tools that check
 * our files (janus-pp-rec, ffprobe).
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RtpHeader, RtpPacket, type RTCRtpTransceiver } from 'werift';

export const PP_REC = '/usr/bin/janus-pp-rec';
export const FFPROBE = '/usr/bin/ffprobe';
export const FFMPEG = '/usr/bin/ffmpeg';

export function toolsMissing(): string | undefined {
  for (const t of [PP_REC, FFPROBE, FFMPEG]) if (!fs.existsSync(t)) return `${t} is not installed (.ci/run installs janus-tools and ffmpeg)`;
  return undefined;
}

/** VP8 frames of ffmpeg's test pattern (320x240), parsed from an IVF file. */
export function vp8Frames(folder: string, seconds: number, fps: number): Buffer[] {
  const ivf = path.join(folder, 'pattern.ivf');
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${fps}`, '-t', String(seconds),
    '-c:v', 'libvpx', '-b:v', '300k', '-g', String(fps), '-f', 'ivf', ivf]);
  const data = fs.readFileSync(ivf);
  const frames: Buffer[] = [];
  let off = data.readUInt16LE(6); // header length
  while (off + 12 <= data.length) {
    const size = data.readUInt32LE(off);
    frames.push(data.subarray(off + 12, off + 12 + size));
    off += 12 + size;
  }
  return frames;
}

/** One 20 ms Opus frame (CELT, fullband, mono): a valid packet of silence. */
export const OPUS_SILENCE = Buffer.from([0xf8, 0xff, 0xfe]);

/** Sends media frames as RTP at a fixed rate: VP8 (packetized, RFC 7741 descriptor) or Opus. */
export class FramePump {
  private seq = Math.floor(Math.random() * 60000);
  private ts = Math.floor(Math.random() * 1e9);
  private timer?: NodeJS.Timeout;
  /** Frames sent so far (each counted once, whatever its packet count). */
  frames = 0;
  packets = 0;

  constructor(
    private readonly t: RTCRtpTransceiver,
    private readonly pt: number,
    private readonly kind: 'vp8' | 'opus',
    private readonly source: Buffer[],
    private readonly tsStep: number,
  ) {}

  /** Send `fps` frames a second; with `limit`, exactly that many frames in all. */
  start(fps: number, limit = Infinity): void {
    const started = Date.now();
    // paced against the wall clock, so a busy event loop does not stretch the stream
    this.timer = setInterval(() => {
      const due = Math.min(limit, Math.floor(((Date.now() - started) * fps) / 1000) + 1);
      while (this.frames < due) this.sendFrame();
    }, Math.max(5, Math.floor(1000 / fps / 2)));
  }

  private sendFrame(): void {
    const frame = this.source[this.frames % this.source.length];
    this.ts = (this.ts + this.tsStep) >>> 0;
    if (this.kind === 'opus') this.send(frame, true);
    else {
      const MAX = 1000;
      for (let o = 0; o < frame.length; o += MAX) {
        const part = frame.subarray(o, Math.min(frame.length, o + MAX));
        const payload = Buffer.concat([Buffer.from([o === 0 ? 0x10 : 0x00]), part]);
        this.send(payload, o + MAX >= frame.length);
      }
    }
    this.frames++;
  }

  private send(payload: Buffer, marker: boolean): void {
    const header = new RtpHeader({ payloadType: this.pt, sequenceNumber: this.seq, timestamp: this.ts, marker });
    this.seq = (this.seq + 1) & 0xffff;
    this.t.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
    this.packets++;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export function run(cmd: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 64 * 1024 * 1024 }, (err, out, errOut) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(out), err: String(errOut) });
    });
  });
}

export interface Probe {
  codec: string;
  duration: number;
  frames: number;
  width?: number;
}

/** ffprobe's codec, duration (s) and frame count (decoded for video, packets for audio). */
export async function probe(file: string, video: boolean): Promise<Probe> {
  const r = await run(FFPROBE, ['-v', 'error', video ? '-count_frames' : '-count_packets', '-show_entries',
    'stream=codec_name,nb_read_frames,nb_read_packets,width:format=duration', '-of', 'json', file]);
  if (r.code !== 0) throw new Error(`ffprobe ${file}: ${r.err}`);
  const j = JSON.parse(r.out) as { streams: Array<Record<string, string | number>>; format: { duration: string } };
  const s = j.streams[0];
  return {
    codec: String(s.codec_name),
    duration: Number(j.format.duration),
    frames: Number(video ? s.nb_read_frames : s.nb_read_packets),
    ...(s.width ? { width: Number(s.width) } : {}),
  };
}

/** janus-pp-rec with its options; returns exit code and output. */
export function ppRec(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return run(PP_REC, args);
}
