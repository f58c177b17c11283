/**
 * Browser echo test runner, meant to run inside a private network namespace
 * (`unshare -n sh -c 'ip link set lo up; exec node echotest-run.js'`): our server on loopback,
 * a page with the official janus.js doing the EchoTest in headless Chromium with fake devices.
 * Prints one JSON line with the measurements on stdout, then exits.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { startMediaServer } from '../media-support';
import { freePort } from '../support/ports';

const JANUS_JS = '/usr/share/javascript/janus-gateway/janus.js';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** Measured from the moment the PeerConnection is up: the spec judges its first 10 s. */
const RUN_MS = Number(process.env.RUN_MS ?? 11000);
/** How long the PeerConnection may take to come up (a loaded machine: Chromium starting, ICE, DTLS). */
const UP_MS = 30000;

const page = (wsUrl: string) => `<!doctype html><html><body>
<video id="remote" autoplay playsinline muted></video>
<audio id="remoteaudio" autoplay></audio>
<script>window.adapter = { browserDetails: { browser: 'chrome', version: 156 } };</script>
<script src="/janus.js"></script>
<script>
window.result = { state: 'starting', samples: [], events: [] };
const R = window.result;
Janus.init({ debug: false, callback: () => {
  const janus = new Janus({ server: ${JSON.stringify(wsUrl)}, success: () => {
    janus.attach({ plugin: 'janus.plugin.echotest',
      success: (h) => {
        window.echotest = h;
        h.createOffer({
          tracks: [{ type: 'audio', capture: true, recv: true }, { type: 'video', capture: true, recv: true }],
          success: (jsep) => h.send({ message: { audio: true, video: true }, jsep }),
          error: (e) => { R.state = 'error'; R.error = 'createOffer: ' + JSON.stringify(e); },
        });
      },
      error: (e) => { R.state = 'error'; R.error = 'attach: ' + e; },
      mediaState: (m, on, mid) => R.events.push('media:' + m + ':' + on),
      onmessage: (msg, jsep) => { R.events.push('msg:' + JSON.stringify(msg)); if (jsep) window.echotest.handleRemoteJsep({ jsep }); },
      onremotetrack: (track, mid, on) => {
        R.events.push('remotetrack:' + track.kind + ':' + on);
        // echoed audio goes to an unmuted element, as in the demos: Chrome then plays (decodes) it
        if (track.kind === 'audio' && on) { const a = document.getElementById('remoteaudio'); a.srcObject = new MediaStream([track]); a.play().catch(() => {}); }
      },
      webrtcState: (on, reason) => { R.events.push('webrtcState:' + on); if (on) { R.state = 'up'; R.upAt = Date.now(); } else R.events.push('hangup:' + reason); },
    });
  }, error: (e) => { R.state = 'error'; R.error = 'janus: ' + e; } });
}});
async function sample() {
  const pc = window.echotest && window.echotest.webrtcStuff && window.echotest.webrtcStuff.pc;
  if (pc) {
    const st = await pc.getStats();
    let out = 0, decoded = 0, avail = 0;
    const a = { packets: 0, discarded: 0, samples: 0, concealed: 0 };
    st.forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') out += s.bytesSent;
      if (s.type === 'inbound-rtp' && s.kind === 'video') decoded += s.framesDecoded || 0;
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        a.packets += s.packetsReceived || 0;
        a.discarded += s.packetsDiscarded || 0;
        a.samples += s.totalSamplesReceived || 0;
        a.concealed += s.concealedSamples || 0;
      }
      if (s.type === 'candidate-pair' && s.nominated && s.availableOutgoingBitrate) avail = s.availableOutgoingBitrate;
    });
    R.samples.push({ t: Date.now(), out, decoded, avail, audio: a });
  }
  setTimeout(sample, 500);
}
sample();
</script></body></html>`;

async function main(): Promise<void> {
  const srv = await startMediaServer();
  const html = page(srv.wsUrl);
  const web = http.createServer((req, res) => {
    if (req.url === '/janus.js') {
      res.writeHead(200, { 'content-type': 'application/javascript' });
      fs.createReadStream(JANUS_JS).pipe(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html);
  });
  const pagePort = await freePort();
  await new Promise<void>((r) => web.listen(pagePort, '127.0.0.1', () => r()));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  let result: Record<string, unknown> = {};
  try {
    const p = ctx.pages()[0] ?? (await ctx.newPage());
    await p.goto(`http://127.0.0.1:${pagePort}/`);
    // RUN_MS from the moment it is up, not from the page load: on a loaded machine it comes up
    // seconds later, and a window that ends early measures less than the spec judges
    const started = Date.now();
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      const r = (await p.evaluate('window.result')) as { state: string; upAt?: number };
      if (r.state === 'error') break;
      if (r.upAt ? Date.now() - r.upAt >= RUN_MS : Date.now() - started >= UP_MS) break;
    }
    result = (await p.evaluate('window.result')) as Record<string, unknown>;
    // the browser closes its PeerConnection without a Janus hangup: we must notice (DTLS alert)
    const closedAt = Date.now();
    await p.evaluate('window.echotest.webrtcStuff.pc.close()');
    while (Date.now() - closedAt < 5000) {
      await new Promise((r) => setTimeout(r, 100));
      const ev = (await p.evaluate('window.result.events')) as string[];
      const hang = ev.find((e) => e.startsWith('hangup:'));
      if (hang) {
        result.hangup = hang;
        result.hangupMs = Date.now() - closedAt;
        break;
      }
    }
  } finally {
    await ctx.close();
    web.close();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // bitrate per sample window, measured from the moment the PeerConnection came up
  type Audio = { packets: number; discarded: number; samples: number; concealed: number };
  const samples = (result.samples as Array<{ t: number; out: number; decoded: number; avail: number; audio: Audio }>) ?? [];
  const upAt = (result.upAt as number) ?? 0;
  const kbps: Array<{ s: number; kbps: number; avail: number }> = [];
  for (let i = 2; i < samples.length; i++) {
    const a = samples[i - 2];
    const b = samples[i];
    kbps.push({ s: Math.round((b.t - upAt) / 100) / 10, kbps: Math.round(((b.out - a.out) * 8) / (b.t - a.t)), avail: Math.round(b.avail / 1000) });
  }
  const within10 = kbps.filter((k) => k.s <= 10);
  // echoed audio that Chrome played, from 3 s after the PeerConnection came up (past the jitter
  // buffer's start) to the last sample: what a listener hears, not just packets that arrived
  const none: Audio = { packets: 0, discarded: 0, samples: 0, concealed: 0 };
  const last = samples.length ? samples[samples.length - 1] : undefined;
  const from = samples.find((x) => x.t >= upAt + 3000) ?? last;
  const audio = from && last && upAt
    ? {
        seconds: Math.round(last.t - from.t) / 1000,
        packets: last.audio.packets - from.audio.packets,
        discarded: last.audio.discarded - from.audio.discarded,
        samples: last.audio.samples - from.audio.samples,
        concealed: last.audio.concealed - from.audio.concealed,
        total: last.audio,
      }
    : { seconds: 0, ...none, total: none };
  const out = {
    state: result.state,
    error: result.error,
    events: result.events,
    hangup: result.hangup,
    hangupMs: result.hangupMs,
    framesDecoded: samples.length ? samples[samples.length - 1].decoded : 0,
    audio,
    maxKbpsWithin10s: within10.reduce((m, k) => Math.max(m, k.kbps), 0),
    /** Chrome's own bandwidth estimate (availableOutgoingBitrate of the selected pair). */
    maxAvailKbpsWithin10s: within10.reduce((m, k) => Math.max(m, k.avail), 0),
    kbps,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stdout.write(JSON.stringify({ state: 'error', error: String(err?.stack ?? err) }) + '\n');
    process.exit(1);
  },
);
