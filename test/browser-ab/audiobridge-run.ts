/**
 * The official AudioBridge demo (Debian's janus-demos: /usr/share/janus/demos/audiobridgetest.html,
 * unchanged) in headless Chromium against our server. Meant to run in a private network namespace
 * (`unshare -n`). Page A joins alone first (it must hear silence), then page B joins; both must
 * then hear the other's fake-microphone beeps (WebAudio analyser on the remote track, and
 * totalAudioEnergy from getStats). Prints one JSON line, then exits.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { adminPost, startMediaServer } from '../media-support';
import { UdpListener } from '../audiobridge-support';

const DEMOS = '/usr/share/janus/demos';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'application/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.woff': 'font/woff', '.woff2': 'font/woff2' };

/** In-page probe: peak RMS of the remote audio over `ms`, and the receiver's totalAudioEnergy. */
const PROBE = `async (ms) => {
  const pc = mixertest && mixertest.webrtcStuff && mixertest.webrtcStuff.pc;
  if (!pc) return { error: 'no pc' };
  const r = pc.getReceivers().find((x) => x.track && x.track.kind === 'audio');
  if (!r) return { error: 'no audio receiver' };
  window.__ctx = window.__ctx || new AudioContext();
  const ctx = window.__ctx;
  await ctx.resume();
  const src = ctx.createMediaStreamSource(new MediaStream([r.track]));
  const an = ctx.createAnalyser();
  an.fftSize = 2048;
  src.connect(an);
  const buf = new Float32Array(an.fftSize);
  let peak = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    an.getFloatTimeDomainData(buf);
    let s = 0;
    for (const v of buf) s += v * v;
    peak = Math.max(peak, Math.sqrt(s / buf.length));
    await new Promise((res) => setTimeout(res, 40));
  }
  src.disconnect();
  let energy = 0, received = 0, sent = 0;
  (await pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') { energy = s.totalAudioEnergy || 0; received = s.packetsReceived || 0; window.__in = s; }
    if (s.type === 'outbound-rtp' && s.kind === 'audio') sent = s.packetsSent || 0;
  });
  return { peak, energy, received, sent, discarded: window.__in ? window.__in.packetsDiscarded : 0, samples: window.__in ? window.__in.totalSamplesReceived : 0 };
}`;

async function joinDemo(page: Page, base: string, name: string, errors: string[]): Promise<void> {
  page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
  await page.goto(`${base}/audiobridgetest.html`);
  await page.click('#start');
  await page.waitForSelector('#username', { state: 'visible', timeout: 30000 });
  await page.fill('#username', name);
  await page.click('#register');
  // joined, then configure with the offer, then the answer: the demo shows the participant list and the mixed audio element
  await page.waitForFunction('typeof mixertest !== "undefined" && mixertest && mixertest.webrtcStuff && mixertest.webrtcStuff.pc && mixertest.webrtcStuff.pc.connectionState === "connected"', undefined, { timeout: 40000 });
}

/** 48 kHz mono WAV: 250 ms bursts of a gliding tone with 150 ms gaps, like syllables. */
function toneBursts(seconds: number): Buffer {
  const rate = 48000;
  const n = rate * seconds;
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + n * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(n * 2, 40);
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = (i % (rate * 0.4)) / rate;
    const on = t < 0.25;
    const f = 300 + 400 * Math.sin((2 * Math.PI * i) / (rate * 3));
    phase += (2 * Math.PI * f) / rate;
    const env = on ? Math.sin((Math.PI * t) / 0.25) : 0;
    b.writeInt16LE(Math.round(Math.sin(phase) * env * 12000), 44 + i * 2);
  }
  return b;
}

async function main(): Promise<void> {
  const srv = await startMediaServer();
  const web = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (url === '/settings.js') {
      res.writeHead(200, { 'content-type': 'application/javascript' });
      res.end(`var server = ${JSON.stringify(srv.wsUrl)}; var iceServers = null; var token = null; var apisecret = null;`);
      return;
    }
    const file = path.join(DEMOS, path.normalize(url).replace(/^(\.\.[/\\])+/, ''));
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404);
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(data);
    });
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-ab-chromium-'));
  // the fake microphone's default beeps are short clicks that Chrome's noise suppression removes:
  // feed it speech-like tone bursts instead
  const wav = path.join(dir, 'voice.wav');
  fs.writeFileSync(wav, toneBursts(10));
  const ctx = await chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
      ...(process.env.CHROMIUM_ARGS ? process.env.CHROMIUM_ARGS.split(' ') : []),
    ],
  });
  const errors: string[] = [];
  const out: Record<string, unknown> = {};
  // what the server mixes, heard through an rtp_forward of the demo room's mix
  const fwd = await new UdpListener().open();
  try {
    const a = ctx.pages()[0] ?? (await ctx.newPage());
    await joinDemo(a, base, 'alice', errors);
    const f = await adminPost(srv.adminUrl, { janus: 'message_plugin', plugin: 'janus.plugin.audiobridge', request: { request: 'rtp_forward', room: 1234, secret: 'adminpwd', host: '127.0.0.1', port: fwd.port } });
    out.forward = f.response?.audiobridge;
    out.alone = await a.evaluate(`(${PROBE})(2500)`);
    const b = await ctx.newPage();
    await joinDemo(b, base, 'bob', errors);
    // both probes at once: each page should hear the other's voice through the mix
    const [pa, pb] = await Promise.all([a.evaluate(`(${PROBE})(4000)`), b.evaluate(`(${PROBE})(4000)`)]);
    out.pages = [pa, pb];
    out.mixRms = fwd.heard.rms();
    out.forwardPackets = fwd.packets;
    out.participantsA = await a.evaluate('$("#list li").length');
    if (process.env.AB_DEBUG) {
      const adm = (b: Record<string, unknown>) => adminPost(srv.adminUrl, b);
      const infos: unknown[] = [];
      for (const sid of (await adm({ janus: 'list_sessions' })).sessions ?? []) {
        for (const hid of (await adm({ janus: 'list_handles', session_id: sid })).handles ?? []) {
          infos.push((await adm({ janus: 'handle_info', session_id: sid, handle_id: hid })).info);
        }
      }
      out.handles = infos;
    }
  } catch (err) {
    out.error = String((err as Error)?.stack ?? err);
  } finally {
    fwd.close();
    out.errors = errors;
    await ctx.close();
    web.close();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stdout.write(JSON.stringify({ error: String(err?.stack ?? err) }) + '\n');
    process.exit(1);
  },
);
