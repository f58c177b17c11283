/**
 * Child of recording-failure.spec: runs inside its own mount namespace with a tiny tmpfs at
 * argv[2], records into it until the disk is full, copies the file out to argv[3] and prints
 * what happened as JSON.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Settings } from '../core/config/settings';
import { Logger } from '../core/logger';
import { Recorder } from '../core/recording/recorder';

async function main(): Promise<void> {
  const [full, out] = process.argv.slice(2);
  const logger = new Logger({ level: 4, stdout: false, file: path.join(out, 'child.log'), timestamps: false });
  const recorder = new Recorder(new Settings(), logger);
  const failures: string[] = [];
  const rec = recorder.create({ dir: full, filename: 'full', codec: 'vp8' }, { failed: (_r, reason) => failures.push(reason) });
  const other = recorder.create({ dir: out, filename: 'other', codec: 'opus' });
  const pkt = Buffer.alloc(1100, 0x11);
  pkt[0] = 0x80;
  pkt[1] = 96;
  let seq = 0;
  // ~40 KB per tick; the tmpfs holds a few ticks' worth
  for (let tick = 0; tick < 100 && failures.length === 0; tick++) {
    for (let i = 0; i < 36; i++) {
      pkt.writeUInt16BE(seq++ & 0xffff, 2);
      pkt.writeUInt32BE(seq * 3000, 4);
      rec.saveRtp(pkt, pkt.length);
      other.saveRtp(pkt, 200);
    }
    rec.flush();
    await new Promise((r) => setTimeout(r, 20));
  }
  await rec.close();
  await other.close();
  fs.copyFileSync(rec.file, path.join(out, 'full.mjr'));
  console.log(JSON.stringify({ failures, info: rec.info(), other: other.info(), size: fs.statSync(rec.file).size }));
  logger.flush();
}

void main();
