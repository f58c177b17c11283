import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FFMPEG, ppRec, probe, toolsMissing } from './recording-support';
import { browserMissing, runInNamespace } from './support/browser';

const DEMO = '/usr/share/janus/demos/recordplaytest.html';

/** Average colour of the first decoded frame of a video file (16x16 RGB). */
function firstFrameColour(file: string): number[] {
  const raw = execFileSync(FFMPEG, ['-v', 'error', '-i', file, '-vf', 'scale=16:16', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-']);
  const sum = [0, 0, 0];
  for (let i = 0; i < raw.length; i += 3) for (let c = 0; c < 3; c++) sum[c] += raw[i + c];
  return sum.map((s) => Math.round(s / (raw.length / 3)));
}

/**
 * The official Record&Play demo (Debian's janus-demos, unchanged; only settings.js points at our
 * server) in headless Chromium: record the fake camera, stop, pick the recording from the list
 * in a second page and play it back. The files are then checked with janus-pp-rec and ffprobe.
 */
describe('Record&Play with headless Chromium and the official recordplaytest.html', function () {
  this.timeout(120000);

  it('records, lists and plays back; the recording post-processes to VP8/Opus with the fake camera in it', async function () {
    const why = browserMissing() ?? toolsMissing() ?? (fs.existsSync(DEMO) ? undefined : `${DEMO} not installed (apt-get install -y janus-demos)`);
    if (why) {
      console.log(`      (skipped: ${why})`);
      this.skip();
    }
    const { out, err } = await runInNamespace(path.join(__dirname, 'browser-rp', 'recordplay-run.js'), 100000);
    const line = out.trim().split('\n').pop() ?? '';
    let r: { recordingId?: string; nfo?: string; files?: string[]; listed?: boolean; framesDecoded?: number; colour?: number[]; alerts: string[]; error?: string; folder?: string };
    try {
      r = JSON.parse(line);
    } catch {
      assert.fail(`runner printed no result: ${out} ${err.slice(-2000)}`);
    }
    try {
      assert.equal(r.error, undefined, r.error);
      assert.match(r.recordingId ?? '', /^\d+$/);
      assert.deepEqual(r.alerts, ['Recording completed! Check the list of recordings to replay it.']);
      const id = r.recordingId!;
      assert.match(r.nfo ?? '', new RegExp(`^\\[${id}\\]\\r\\nname = Chromium says hello\\r\\ndate = [\\d-]+ [\\d:]+\\r\\naudio = rec-${id}-audio\\.mjr\\r\\nvideo = rec-${id}-video\\.mjr\\r\\n$`));
      assert.equal(r.listed, true);
      assert.ok((r.framesDecoded ?? 0) > 30, `played back ${r.framesDecoded} frames`);
      // Chrome's fake camera is green
      const [red, green, blue] = r.colour ?? [0, 0, 0];
      assert.ok(green > red + 60 && green > blue + 60, `playback colour ${r.colour}`);

      const dir = r.folder!;
      const webm = path.join(dir, 'out.webm');
      const opus = path.join(dir, 'out.opus');
      assert.equal((await ppRec('-j', path.join(dir, `rec-${id}-video.mjr`))).code, 0);
      await ppRec(path.join(dir, `rec-${id}-video.mjr`), webm);
      await ppRec(path.join(dir, `rec-${id}-audio.mjr`), opus);
      const pv = await probe(webm, true);
      assert.equal(pv.codec, 'vp8');
      assert.ok(pv.frames > 60 && pv.duration > 4 && pv.duration < 9, JSON.stringify(pv));
      const pa = await probe(opus, false);
      assert.equal(pa.codec, 'opus');
      assert.ok(Math.abs(pa.duration - pv.duration) < 1, `opus ${pa.duration}s, webm ${pv.duration}s`);
      const [fr, fg, fb] = firstFrameColour(webm);
      assert.ok(fg > fr + 60 && fg > fb + 60, `recorded colour ${[fr, fg, fb]}`);
    } finally {
      if (r.folder) fs.rmSync(r.folder, { recursive: true, force: true });
    }
  });
});
