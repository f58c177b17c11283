/**
 * AudioBridge mixer cost per 20 ms tick, measured on RoomMixer directly (what a room's worker runs
 * each tick: jitter buffers, Opus decode, mix, Opus encode), for N participants with 3 talkers
 * (the others send packets marked silent by the audio-level extension, as browsers do) and with
 * everyone talking; with and without the shared encoding of the full mix. Then the largest N one
 * worker keeps on time (p99 tick cost under 20 ms).
 *
 *   npx tsc -p . && node dist/bench/audiobridge-mixer.js [ticks]
 */
import { OpusEncoder } from '@discordjs/opus';
import { performance } from 'node:perf_hooks';
import { RoomMixer } from '../plugins/audiobridge/mixer/room-mixer';
import { FLAG_SILENT } from '../plugins/audiobridge/mixer/ring';
import type { LegSettings } from '../plugins/audiobridge/mixer/protocol';

const TICKS = Number(process.argv[2] ?? 200);
const RATE = Number(process.env.RATE ?? 16000);

/** Pre-encoded 20 ms Opus frames of a tone, as a browser would send them (48 kHz). */
function toneFrames(freq: number, n: number): Buffer[] {
  const enc = new OpusEncoder(48000, 1);
  const pcm = Buffer.alloc(1920);
  const out: Buffer[] = [];
  let ph = 0;
  for (let k = 0; k < n; k++) {
    for (let i = 0; i < 960; i++) {
      pcm.writeInt16LE(Math.round(Math.sin(ph) * 5000), i * 2);
      ph += (2 * Math.PI * freq) / 48000;
    }
    out.push(enc.encode(pcm));
  }
  return out;
}

const frames = Array.from({ length: 8 }, (_, i) => toneFrames(300 + 170 * i, 50));
const silence = Buffer.from([0xf8, 0xff, 0xfe]);

function settings(slot: number): LegSettings {
  return { muted: false, volume: 100, spatial: 50, send: true, group: 0, bitrate: 0, complexity: 4, expectedLoss: 0, fec: false, prebuffer: 2, pt: 111, ssrc: slot };
}

interface Result {
  mean: number;
  p50: number;
  p99: number;
  max: number;
  encodes: number;
}

function run(n: number, talkers: number, share: boolean, ticks = TICKS): Result {
  const m = new RoomMixer({ samplingRate: RATE, stereo: false, defaultBitrate: 0, defaultExpectedLoss: 0 });
  m.shareEncoding = share;
  for (let i = 1; i <= n; i++) m.addLeg(i, 'opus', settings(i));
  const out = new Uint8Array(m.maxOutput());
  const costs: number[] = [];
  let encodes = 0;
  const warm = 20;
  for (let t = 0; t < ticks + warm; t++) {
    for (let i = 1; i <= n; i++) {
      const talking = i <= talkers;
      m.push(i, t & 0xffff, talking ? 0 : FLAG_SILENT, talking ? frames[i % 8][t % 50] : silence);
    }
    const t0 = performance.now();
    m.tick(out);
    const dt = performance.now() - t0;
    if (t >= warm) {
      costs.push(dt);
      encodes += m.stats.encoded;
    }
  }
  costs.sort((a, b) => a - b);
  return {
    mean: costs.reduce((a, b) => a + b, 0) / costs.length,
    p50: costs[Math.floor(costs.length * 0.5)],
    p99: costs[Math.floor(costs.length * 0.99)],
    max: costs[costs.length - 1],
    encodes: encodes / costs.length,
  };
}

const f = (x: number) => x.toFixed(2).padStart(6);
console.log(`AudioBridge mixer, ${RATE} Hz mono, Opus complexity 4, ${TICKS} ticks per row (ms per 20 ms tick)`);
console.log('   N  talkers  shared   mean    p50    p99    max  encodes/tick');
for (const n of [10, 25, 50]) {
  for (const talkers of [3, n]) {
    for (const share of [true, false]) {
      const r = run(n, talkers, share);
      console.log(`${String(n).padStart(4)}  ${String(talkers).padStart(7)}  ${share ? '   yes' : '    no'} ${f(r.mean)} ${f(r.p50)} ${f(r.p99)} ${f(r.max)}  ${r.encodes.toFixed(1).padStart(6)}`);
    }
  }
}

/** Largest N whose p99 tick cost stays under the 20 ms budget (one worker = one core at most). */
function largest(talkers: (n: number) => number): number {
  let lo = 10;
  let hi = 2000;
  while (hi - lo > Math.max(2, lo * 0.05)) {
    const mid = Math.floor((lo + hi) / 2);
    const r = run(mid, talkers(mid), true, 60);
    if (r.p99 < 20) lo = mid;
    else hi = mid;
  }
  return lo;
}
console.log(`largest N on time (p99 < 20 ms), 3 talkers: ~${largest(() => 3)}`);
console.log(`largest N on time (p99 < 20 ms), all talking: ~${largest((n) => n)}`);
