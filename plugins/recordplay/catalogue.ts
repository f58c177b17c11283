/**
 * The Record&Play recordings: what `path` holds (one `.nfo` per recording naming its `.mjr`
 * files) plus the recordings being made. `.nfo` files are INI: `[id]`, `name`, `date`,
 * `audio`/`video`/`data` = file names (Janus writes them with CRLF line ends).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMjr, type JsonObject, type ModuleLogger } from '../../core/plugin-api';

export interface RecordedMedia {
  /** File name as in the .nfo (with `.mjr`). */
  file: string;
  codec: string;
  fmtp?: string;
  /** Opus RED payload type in the recording (`or`). */
  redPt?: number;
  e2ee: boolean;
}

/** One recording (Janus's `janus_recordplay_recording`). */
export class RecordPlayRecording {
  audio?: RecordedMedia;
  video?: RecordedMedia;
  data?: RecordedMedia & { text: boolean };
  /** False while being recorded: not listed, not playable. */
  completed = false;
  /** Playouts in progress. */
  viewers = 0;
  constructor(
    readonly id: number,
    readonly name: string,
    readonly date: string,
  ) {}

  /** Entry of the `list` answer. */
  toJson(): JsonObject {
    const j: JsonObject = { id: this.id, name: this.name, date: this.date, audio: !!this.audio };
    if (this.audio) j.audio_codec = this.audio.codec;
    if (this.audio?.redPt) j.audio_red = true;
    j.video = !!this.video;
    if (this.video) j.video_codec = this.video.codec;
    j.data = !!this.data;
    return j;
  }
}

/** Janus's date string: local time `YYYY-MM-DD HH:MM:SS`. */
export function janusDate(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Parse a .nfo file: its first section is the recording. */
export function parseNfo(text: string): { id: number; items: Record<string, string> } | undefined {
  let id: number | undefined;
  const items: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.*)\]$/.exec(line);
    if (sec) {
      if (id !== undefined) break;
      id = Number.parseInt(sec[1], 10);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0 && id !== undefined) items[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  if (id === undefined || !Number.isFinite(id) || id <= 0) return undefined;
  return { id, items };
}

export function nfoText(rec: RecordPlayRecording): string {
  let s = `[${rec.id}]\r\nname = ${rec.name}\r\ndate = ${rec.date}\r\n`;
  if (rec.audio) s += `audio = ${rec.audio.file}\r\n`;
  if (rec.video) s += `video = ${rec.video.file}\r\n`;
  if (rec.data) s += `data = ${rec.data.file}\r\n`;
  return s;
}

export class Catalogue {
  readonly recordings = new Map<number, RecordPlayRecording>();

  constructor(
    readonly folder: string,
    private readonly log: ModuleLogger,
  ) {}

  /** `update`: import new .nfo files, forget completed recordings whose .nfo is gone. */
  async scan(): Promise<void> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.folder);
    } catch (err) {
      this.log.error({ err, folder: this.folder }, "Couldn't open the recordings folder");
      return;
    }
    const seen = new Set<number>();
    for (const name of names) {
      if (!name.toLowerCase().endsWith('.nfo')) continue;
      let nfo;
      try {
        nfo = parseNfo(await fs.promises.readFile(path.join(this.folder, name), 'utf8'));
      } catch {
        nfo = undefined;
      }
      if (!nfo) {
        this.log.warn({ file: name }, 'Invalid recording info, skipping');
        continue;
      }
      seen.add(nfo.id);
      if (this.recordings.has(nfo.id)) continue;
      const it = nfo.items;
      if (!it.name || !it.date || (!it.audio && !it.video)) {
        this.log.warn({ file: name }, 'Incomplete recording info, skipping');
        continue;
      }
      const rec = new RecordPlayRecording(nfo.id, it.name, it.date);
      if (it.audio) rec.audio = await this.media(it.audio);
      if (it.video) rec.video = await this.media(it.video);
      if (it.data) {
        const d = await this.media(it.data);
        if (d) rec.data = { ...d, text: d.codec === 'text' };
      }
      rec.completed = true;
      this.recordings.set(rec.id, rec);
    }
    for (const [id, rec] of this.recordings) if (rec.completed && !seen.has(id) && rec.viewers === 0) this.recordings.delete(id);
  }

  /** Codec and flags from a recording's header (a broken file still lists, as in Janus). */
  private async media(file: string): Promise<RecordedMedia | undefined> {
    const name = file.endsWith('.mjr') ? file : `${file}.mjr`;
    try {
      const m = await readMjr(path.join(this.folder, name));
      const h = m.header;
      return {
        file: name,
        codec: m.codec,
        ...(typeof h.f === 'string' ? { fmtp: h.f } : {}),
        ...(typeof h.or === 'number' && h.or > 0 ? { redPt: h.or } : {}),
        e2ee: h.e === true,
      };
    } catch (err) {
      this.log.warn({ file: name, err }, 'Could not read recording');
      return { file: name, codec: '', e2ee: false };
    }
  }

  /** Write the .nfo of a finished recording and make it playable. */
  async complete(rec: RecordPlayRecording): Promise<void> {
    const file = path.join(this.folder, `${rec.id}.nfo`);
    try {
      await fs.promises.writeFile(file, nfoText(rec));
      rec.completed = true;
    } catch (err) {
      this.log.error({ file, err }, 'Error creating the .nfo file');
    }
  }
}
