/**
 * Recorder bench: N recordings at once (default 100: 50 video at ~1 Mbit/s, 50 audio), packets
 * fed in real time from synthetic RTP, written to a temporary folder. Prints the main thread's
 * busy time per packet during the real-time run (event-loop utilization: the feeding loop, `saveRtp`
 * and the write callbacks), then the recorder's own cost per packet from a burst of the same
 * streams measured against the same loop without `saveRtp` (median and best of 5), drops, and
 * what reached the disk.
 *
 *   node dist/bench/recorder.js [streams=100] [seconds=10]
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Settings } from '../core/config/settings';
import { Logger } from '../core/logger';
import { Recorder } from '../core/recording/recorder';
import type { Recording } from '../core/plugin-api';

const streams = Number(process.argv[2] ?? 100);
const seconds = Math.min(60, Number(process.argv[3] ?? 10));

function rtp(size: number, pt: number, ssrc: number): Buffer {
  const b = Buffer.alloc(size, 0x5a);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt32BE(ssrc, 8);
  return b;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-bench-rec-'));
  const logger = new Logger({ level: 3, stdout: false, file: path.join(dir, 'bench.log'), timestamps: false });
  const recorder = new Recorder(new Settings(), logger);
  // half video (100 pkt/s of 1100 bytes ≈ 0.9 Mbit/s), half audio (50 pkt/s of 160 bytes)
  const recs: Array<{ rec: Recording; pkt: Buffer; pps: number; seq: number; ts: number; step: number; due: number }> = [];
  for (let i = 0; i < streams; i++) {
    const video = i % 2 === 0;
    const rec = recorder.create({ dir, filename: `s${i}`, codec: video ? 'vp8' : 'opus' });
    recs.push({ rec, pkt: rtp(video ? 1100 : 160, video ? 96 : 111, 1000 + i), pps: video ? 100 : 50, seq: 0, ts: 0, step: video ? 900 : 960, due: 0 });
  }
  // real time: the same feeding with and without recording; the difference in main-thread busy
  // time (event-loop utilization) is what recording costs, write callbacks included
  const realtime = async (save: boolean) => {
    let packets = 0;
    let inLoop = 0;
    const start = performance.now();
    for (const r of recs) r.due = 0;
    const elu0 = performance.eventLoopUtilization();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now() - start;
        if (now >= seconds * 1000) {
          clearInterval(timer);
          return resolve();
        }
        const t0 = performance.now();
        for (const r of recs) {
          const want = Math.floor((now * r.pps) / 1000);
          while (r.due < want) {
            r.pkt.writeUInt16BE(r.seq++ & 0xffff, 2);
            r.pkt.writeUInt32BE((r.ts += r.step) >>> 0, 4);
            if (save) r.rec.saveRtp(r.pkt, r.pkt.length);
            r.due++;
            packets++;
          }
        }
        inLoop += performance.now() - t0;
      }, 10);
    });
    const elu = performance.eventLoopUtilization(elu0);
    return { packets, inLoop, elu, wall: performance.now() - start };
  };
  const base = await realtime(false);
  const rt = await realtime(true);
  const packets = rt.packets;
  const wall = rt.wall;
  const elu = rt.elu;
  const inSave = rt.inLoop;
  let bytes = 0;
  let dropped = 0;
  for (const r of recs) {
    bytes += fs.statSync(r.rec.file).size;
    dropped += r.rec.info().dropped;
  }
  // burst: the same streams back to back (no pacing), against the same loop without saveRtp, so
  // the difference is the recorder's own cost per packet (batch hand-over to the disk included)
  const burstRounds = 200;
  const loop = (save: boolean) => {
    const t0 = performance.now();
    for (let k = 0; k < burstRounds; k++) {
      for (const r of recs) {
        r.pkt.writeUInt16BE(r.seq++ & 0xffff, 2);
        r.pkt.writeUInt32BE((r.ts += r.step) >>> 0, 4);
        if (save) r.rec.saveRtp(r.pkt, r.pkt.length);
      }
    }
    return performance.now() - t0;
  };
  const costs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const base = loop(false);
    const withSave = loop(true);
    costs.push(((withSave - base) * 1000) / (burstRounds * recs.length));
    await new Promise((r) => setTimeout(r, 100)); // let the writes drain
  }
  costs.sort((a, b) => a - b);
  await Promise.all(recs.map((r) => r.rec.close()));
  const busyMs = elu.active;
  console.log(JSON.stringify({
    streams, seconds, packets, pps: Math.round(packets / (wall / 1000)), dropped,
    mbWritten: +(bytes / 1e6).toFixed(1),
    mainThreadBusyPct: +(elu.utilization * 100).toFixed(1),
    mainThreadUsPerPacket: +((busyMs * 1000) / packets).toFixed(2),
    mainThreadUsPerPacketWithoutRecording: +((base.elu.active * 1000) / base.packets).toFixed(2),
    recordingMainThreadUsPerPacket: +(((busyMs - base.elu.active) * 1000) / packets).toFixed(2),
    feedLoopUsPerPacket: +((inSave * 1000) / packets).toFixed(2),
    burstSaveRtpUsPerPacketMedian: +costs[2].toFixed(2),
    burstSaveRtpUsPerPacketMin: +costs[0].toFixed(2),
  }));
  fs.rmSync(dir, { recursive: true, force: true });
  logger.flush();
}

void main();
