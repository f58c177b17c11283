import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Settings } from '../core/config/settings';
import { Logger } from '../core/logger';
import { readMjr } from '../core/plugin-api';
import { Recorder } from '../core/recording/recorder';
import { ppRec, toolsMissing } from './recording-support';
import { until } from './support/wait';

/** Recorder failures: a full disk mid-recording, a disk too slow for the stream, protected folders. */
describe('Recording failures', function () {
  this.timeout(30000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-recfail-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a full disk fails the recording once, with the reason; what was written stays a valid .mjr; other recordings go on', function () {
    if (toolsMissing()) return this.skip();
    const full = path.join(dir, 'tmpfs');
    fs.mkdirSync(full);
    let out: string;
    try {
      // a 256 KB tmpfs in a private mount namespace (root, as the tests run)
      out = execFileSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=256k tmpfs "$1" && exec node "$2" "$1" "$3"`, 'sh', full,
        path.join(__dirname, 'recording-fullfs-child.js'), dir], { encoding: 'utf8', timeout: 20000 });
    } catch (err) {
      if (/mount|unshare|Operation not permitted/.test(String((err as Error).message))) return this.skip();
      throw err;
    }
    const r = JSON.parse(out.trim().split('\n').pop()!);
    assert.equal(r.failures.length, 1, JSON.stringify(r));
    assert.match(r.failures[0], /ENOSPC|no space/i);
    assert.equal(r.info.state, 'failed');
    assert.ok(r.size > 100000 && r.size <= 256 * 1024, `size ${r.size}`);
    assert.equal(r.other.state, 'closed');
    assert.equal(r.other.error, undefined);
    // the file ends on a whole frame: every byte belongs to the header or a complete frame
    const m = fs.readFileSync(path.join(dir, 'full.mjr'));
    return readMjr(path.join(dir, 'full.mjr')).then(async (parsed) => {
      const last = parsed.frames[parsed.frames.length - 1];
      assert.equal(last.offset + last.length, m.length);
      assert.ok(parsed.frames.length > 80);
      assert.equal((await ppRec('-p', path.join(dir, 'full.mjr'))).code, 0);
      assert.ok(fs.readFileSync(path.join(dir, 'child.log'), 'utf8').includes(path.join(full, 'full.mjr')), 'log names the file');
    });
  });

  it('a disk slower than the stream: the bounded buffer drops packets, counts them and logs it', async () => {
    const logFile = path.join(dir, 'log');
    const logger = new Logger({ level: 4, stdout: false, file: logFile, timestamps: false });
    const rec = new Recorder(new Settings(), logger).create({ dir, filename: 'burst', codec: 'vp8' });
    const pkt = Buffer.alloc(1200, 0x22);
    pkt[0] = 0x80;
    // 6 MB in one go: nothing reaches the disk before the loop ends, so the 4 MB backlog fills
    for (let i = 0; i < 5000; i++) rec.saveRtp(pkt, pkt.length);
    const info = rec.info();
    assert.ok(info.dropped > 1000 && info.dropped < 2500, `dropped ${info.dropped}`);
    assert.equal(info.packets + info.dropped, 5000);
    await rec.close();
    logger.flush();
    // the file logger writes asynchronously
    await until(() => fs.existsSync(logFile) && /dropping packets/.test(fs.readFileSync(logFile, 'utf8')), 3000);
    assert.match(fs.readFileSync(logFile, 'utf8'), /dropping packets/);
    const parsed = await readMjr(rec.file);
    assert.equal(parsed.frames.length, info.packets);
  });

  it('protected_folders: a recording there is refused up front; an unknown codec too', () => {
    const settings = new Settings();
    settings.protectedFolders = [dir];
    const recorder = new Recorder(settings, new Logger({ level: 0, stdout: false, file: path.join(os.tmpdir(), 'janus-ts-null.log'), timestamps: false }));
    assert.throws(() => recorder.create({ dir: path.join(dir, 'sub'), filename: 'x', codec: 'opus' }), /protected folder/);
    assert.throws(() => recorder.create({ dir: os.tmpdir(), filename: 'x', codec: 'speex' }), /Unsupported codec 'speex'/);
  });
});
