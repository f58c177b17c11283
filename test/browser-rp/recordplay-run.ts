/**
 * Record&Play with the official demo page, unchanged (Debian's janus-demos recordplaytest.html +
 * janus.js), in headless Chromium with fake devices. Meant to run inside a private network
 * namespace. One page records for a few seconds and stops; a second page picks that recording
 * from the list and plays it back. Prints one JSON line, then exits.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { startMediaServer } from '../media-support';
import { freePort } from '../support/ports';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const DEMOS = '/usr/share/janus/demos';
const RECORD_MS = 6000;

const types: Record<string, string> = { '.html': 'text/html', '.js': 'application/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf' };

/** The demo folder as is, but settings.js points janus.js at our WebSocket port. */
function pages(wsUrl: string, port: number): http.Server {
  return http.createServer((req, res) => {
    const p = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (p === '/settings.js') {
      res.writeHead(200, { 'content-type': 'application/javascript' });
      // Debian's settings.js predates the demo scripts' `token`/`apisecret` (upstream defines them)
      return void res.end(`var server = "${wsUrl}";\nvar iceServers = null;\nvar token = null;\nvar apisecret = null;\n`);
    }
    const file = path.join(DEMOS, path.normalize(p).replace(/^(\.\.[/\\])+/, ''));
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404);
        return void res.end();
      }
      res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
      res.end(data);
    });
  }).listen(port, '127.0.0.1');
}

/** The Start button only works once janus.js finished initialising: click until the page reacts. */
async function startDemo(page: import('playwright-core').Page): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await page.click('#start');
    try {
      await page.waitForSelector('#record:not([disabled])', { timeout: 1000 });
      return;
    } catch {
      // not initialised yet
    }
  }
  throw new Error('the demo never attached to janus.plugin.recordplay');
}

interface Result {
  recordingId?: string;
  nfo?: string;
  files?: string[];
  listed?: boolean;
  framesDecoded?: number;
  colour?: number[];
  done?: boolean;
  alerts: string[];
  error?: string;
  folder?: string;
}

async function main(): Promise<void> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-rp-chromium-'));
  const srv = await startMediaServer({}, {}, { 'janus.plugin.recordplay': { 'general.path': folder } });
  const PAGES_PORT = await freePort();
  const web = pages(srv.wsUrl, PAGES_PORT);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-rp-profile-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
  });
  const out: Result = { alerts: [], folder };
  try {
    const rec = ctx.pages()[0] ?? (await ctx.newPage());
    const logs: string[] = [];
    rec.on('console', (m) => logs.push(m.text()));
    if (process.env.RP_DEBUG) {
      rec.on('console', (m) => process.stderr.write(`rec: ${m.text()}\n`));
      rec.on('pageerror', (e) => process.stderr.write(`rec error: ${e.message}\n`));
      rec.on('requestfailed', (r) => process.stderr.write(`rec failed: ${r.url()}\n`));
      rec.on('response', (r) => r.status() >= 400 && process.stderr.write(`rec ${r.status()}: ${r.url()}\n`));
    }
    await rec.goto(`http://127.0.0.1:${PAGES_PORT}/recordplaytest.html`, { waitUntil: 'networkidle' });
    await startDemo(rec);
    await rec.click('#record');
    await rec.waitForSelector('.bootbox-input', { timeout: 5000 });
    await rec.fill('.bootbox-input', 'Chromium says hello');
    await rec.click('.bootbox-accept');
    // recording: the id arrives with the "recording" event
    const t0 = Date.now();
    while (!logs.some((l) => l.includes('The ID of the current recording is')) && Date.now() - t0 < 15000) await new Promise((r) => setTimeout(r, 200));
    out.recordingId = /The ID of the current recording is (\d+)/.exec(logs.find((l) => l.includes('The ID of the current recording is')) ?? '')?.[1];
    await new Promise((r) => setTimeout(r, RECORD_MS));
    await rec.click('#stop');
    await rec.waitForSelector('.bootbox .bootbox-body', { timeout: 20000 });
    out.alerts.push(await rec.innerText('.bootbox .bootbox-body'));
    const nfo = path.join(folder, `${out.recordingId}.nfo`);
    const t1 = Date.now();
    while (!fs.existsSync(nfo) && Date.now() - t1 < 10000) await new Promise((r) => setTimeout(r, 200));
    out.nfo = fs.existsSync(nfo) ? fs.readFileSync(nfo, 'utf8') : undefined;
    out.files = fs.readdirSync(folder);

    // a second page plays it back
    const play = await ctx.newPage();
    if (process.env.RP_DEBUG) play.on('console', (m) => process.stderr.write(`play: ${m.text()}\n`));
    await play.goto(`http://127.0.0.1:${PAGES_PORT}/recordplaytest.html`, { waitUntil: 'networkidle' });
    await startDemo(play);
    await play.waitForSelector(`#recslist a[id="${out.recordingId}"]`, { timeout: 15000, state: 'attached' });
    out.listed = true;
    await play.evaluate((id) => (globalThis as unknown as { $: (s: string) => { click(): void } }).$(`#recslist a[id="${id}"]`).click(), out.recordingId);
    await play.waitForSelector('#play:not([disabled])', { timeout: 5000 });
    await play.click('#play');
    const t2 = Date.now();
    while (Date.now() - t2 < 20000) {
      await new Promise((r) => setTimeout(r, 500));
      const st = (await play.evaluate(`(() => {
        const v = document.querySelector('#videobox video');
        if (!v || !v.videoWidth) return { frames: 0 };
        const c = document.createElement('canvas');
        c.width = 16; c.height = 16;
        const g = c.getContext('2d');
        g.drawImage(v, 0, 0, 16, 16);
        const d = g.getImageData(0, 0, 16, 16).data;
        let r = 0, gr = 0, b = 0;
        for (let i = 0; i < d.length; i += 4) { r += d[i]; gr += d[i + 1]; b += d[i + 2]; }
        const n = d.length / 4;
        return { frames: v.getVideoPlaybackQuality().totalVideoFrames, colour: [Math.round(r / n), Math.round(gr / n), Math.round(b / n)] };
      })()`)) as { frames: number; colour?: number[] };
      out.framesDecoded = st.frames;
      if (st.colour) out.colour = st.colour;
      if (st.frames > 60) break;
    }
  } catch (err) {
    out.error = String((err as Error)?.stack ?? err);
  } finally {
    await ctx.close();
    web.close();
    await srv.server.stop();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stdout.write(JSON.stringify({ alerts: [], error: String(err?.stack ?? err) }) + '\n');
    process.exit(1);
  },
);
