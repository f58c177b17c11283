import * as fs from 'node:fs';
import type { JsonObject } from '../plugin-api/messages';
import type { MjrFile, MjrFrame, MjrKind } from '../plugin-api/recorder';
import { mjrKindOf } from '../plugin-api/recorder';

/**
 * Read a `.mjr` file the way janus-pp-rec does: format 2 (`MJR00002` + JSON info header, frames
 * `MEET` + relative ms + length) or the legacy one (`MEETECHO` header naming audio/video, frames
 * `MEETECHO` + length). Reading stops at the first malformed frame (a file cut by a crash or a
 * full disk keeps everything before it). Throws when there is no usable header.
 */
export async function readMjr(file: string): Promise<MjrFile> {
  return parseMjr(await fs.promises.readFile(file));
}

export function parseMjr(data: Buffer): MjrFile {
  let off = 0;
  let header: JsonObject | undefined;
  let version: 1 | 2 = 2;
  const frames: MjrFrame[] = [];
  let kind: MjrKind | undefined;
  while (off + 10 <= data.length) {
    if (data[off] !== 0x4d) break; // 'M'
    if (data[off + 1] === 0x4a) {
      // "MJR0000x" + u16 + JSON info header
      const len = data.readUInt16BE(off + 8);
      off += 10;
      if (len > 0 && !header && off + len <= data.length) {
        header = JSON.parse(data.toString('utf8', off, off + len)) as JsonObject;
        kind = typeof header.t === 'string' ? ({ a: 'audio', v: 'video', d: 'data' } as const)[header.t as 'a' | 'v' | 'd'] : undefined;
      }
      off += len;
      continue;
    }
    if (data[off + 1] !== 0x45) break; // 'E'
    const legacy = data.toString('latin1', off + 4, off + 8) === 'ECHO';
    const time = legacy ? 0 : data.readUInt32BE(off + 4);
    const len = data.readUInt16BE(off + 8);
    off += 10;
    if (off + len > data.length) break;
    if (legacy && len === 5 && !header) {
      // old header: "audio"/"video"/"data", codec assumed as janus-pp-rec does
      version = 1;
      const t = data.toString('latin1', off, off + len);
      kind = t[0] === 'v' ? 'video' : t[0] === 'd' ? 'data' : 'audio';
      header = { t: kind[0], c: kind === 'video' ? 'vp8' : kind === 'audio' ? 'opus' : 'text' };
      off += len;
      continue;
    }
    if (kind === 'data' && len >= 8) {
      frames.push({ time, offset: off + 8, length: len - 8, when: Number(data.readBigUInt64BE(off)) });
    } else if (len >= 12) {
      frames.push({ time, offset: off, length: len });
    }
    off += len;
  }
  if (!header || !kind) throw new Error('Not a .mjr file (no info header)');
  const codec = typeof header.c === 'string' ? header.c.toLowerCase() : '';
  if (!mjrKindOf(codec)) throw new Error(`Unsupported codec '${codec}' in .mjr header`);
  return { version, header, kind, codec, data, frames };
}
