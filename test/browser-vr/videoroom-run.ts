/**
 * Browser VideoRoom runner, meant to run inside a private network namespace
 * (`unshare -n sh -c 'ip link set lo up; exec node videoroom-run.js'`): our server on loopback
 * serving the demo page (demos_folder), two headless Chromium pages with fake devices join one
 * room through janus.js and each subscribes to the other. Prints one JSON line, then exits.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startServer } from '../videoroom-helpers';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const RUN_MS = Number(process.env.RUN_MS ?? 25000);
interface PageStats {
  framesDecoded: number;
  remoteTracks: number;
  joined: boolean;
  errors: string[];
  feeds: string[];
}

async function main(): Promise<void> {
  const demos = path.resolve(__dirname, '..', '..', '..', 'demos');
  const srv = await startServer({ werift: true, http: { 'general.demos_folder': demos } });
  const base = srv.httpUrl.replace(/\/janus$/, '');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-vr-chromium-'));
  const ctx = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
  });
  const out: { pages: PageStats[]; page?: number; ms?: number; error?: string } = { pages: [] };
  const t0 = Date.now();
  try {
    const p1 = ctx.pages()[0] ?? (await ctx.newPage());
    const p2 = await ctx.newPage();
    if (process.env.VR_DEBUG) for (const [n, p] of [['A', p1], ['B', p2]] as const) p.on('console', (m) => process.stderr.write(`${n}: ${m.text()}\n`));
    const pageOk = await fetch(`${base}/videoroom.html`);
    out.page = pageOk.status;
    await p1.goto(`${base}/videoroom.html?autojoin=1&room=1234&name=alice`);
    await p2.goto(`${base}/videoroom.html?autojoin=1&room=1234&name=bob`);
    while (Date.now() - t0 < RUN_MS) {
      await new Promise((r) => setTimeout(r, 500));
      out.pages = [(await p1.evaluate('window.demoStats()')) as PageStats, (await p2.evaluate('window.demoStats()')) as PageStats];
      if (out.pages.every((s) => s.framesDecoded > 30) || out.pages.some((s) => s.errors.length > 0)) break;
    }
    out.ms = Date.now() - t0;
  } catch (err) {
    out.error = String((err as Error)?.stack ?? err);
  } finally {
    await ctx.close();
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stdout.write(JSON.stringify({ pages: [], error: String(err?.stack ?? err) }) + '\n');
    process.exit(1);
  },
);
