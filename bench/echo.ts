/**
 * Echo throughput bench: our server (EchoTest) in a child process, one werift client in this
 * process sending video-sized RTP at fixed rates over loopback. Reports, per rate, packets sent
 * and echoed back, loss, and the server's CPU time per packet (user+system from /proc, divided
 * by the packets it received and echoed).
 *
 *   npm run build && node dist/bench/echo.js [seconds=8] [rates=1000,2000,4000,6000] [payload=1100]
 *
 * Bounded: every rate runs for the given seconds (max 30), then the server is stopped.
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { RtpHeader, RtpPacket } from 'werift';
import { adminPost, onTracks, sleep, startMediaServer, openVideoEcho } from '../test/media-support';

const CLK_TCK = 100; // Linux USER_HZ

function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
  // fields 14 and 15 (utime, stime) are at 11 and 12 after the command name
  return ((Number(parts[11]) + Number(parts[12])) * 1000) / CLK_TCK;
}

async function serverMain(): Promise<void> {
  const srv = await startMediaServer({ 'general.debug_level': 2, 'media.no_media_timer': 0 });
  process.send?.({ wsUrl: srv.wsUrl, adminUrl: srv.adminUrl });
  process.on('message', async (m) => {
    if (m === 'stop') {
      await srv.stop();
      process.exit(0);
    }
  });
}

async function clientMain(): Promise<void> {
  const seconds = Math.min(30, Number(process.argv[2] ?? 8));
  const rates = (process.argv[3] ?? '1000,2000,4000,6000').split(',').map(Number);
  const payloadSize = Number(process.argv[4] ?? 1100);
  const child: ChildProcess = fork(__filename, ['server'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const { wsUrl, adminUrl } = await new Promise<{ wsUrl: string; adminUrl: string }>((r) => child.once('message', (m) => r(m as { wsUrl: string; adminUrl: string })));
  const serverCounters = async () => {
    const info = await adminPost(`${adminUrl}/${janus.session}/${handle}`, { janus: 'handle_info' });
    const st = info.info?.webrtc?.media?.['0']?.stats;
    return { in: st?.in?.packets ?? 0, out: st?.out?.packets ?? 0 };
  };
  const { janus, handle, pc, video } = await openVideoEcho(wsUrl, 10000);
  let received = 0;
  onTracks(video, () => received++);
  const pt = video.codecs[0].payloadType!;
  const payload = Buffer.alloc(payloadSize, 0xab);
  payload[0] = 0x10;
  let seq = 0;
  let ts = 0;
  const results = [];
  for (const rate of rates) {
    await sleep(500);
    const rx0 = received;
    const srv0 = await serverCounters();
    let sent = 0;
    const cpu0 = cpuMs(child.pid!);
    const me0 = process.cpuUsage();
    const t0 = Date.now();
    // 5 ms ticks, sending what the rate owes so far (setInterval alone cannot do > 1 kHz)
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const elapsed = Date.now() - t0;
        const due = Math.min(Math.floor((elapsed * rate) / 1000), rate * seconds);
        while (sent < due) {
          const header = new RtpHeader({ payloadType: pt, sequenceNumber: seq++ & 0xffff, timestamp: (ts += 30) >>> 0, marker: true });
          video.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
          sent++;
        }
        if (elapsed >= seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    await sleep(500);
    const cpu = cpuMs(child.pid!) - cpu0;
    const me = process.cpuUsage(me0);
    const echoed = received - rx0;
    const srv1 = await serverCounters();
    results.push({
      rate,
      sent,
      echoed,
      serverIn: srv1.in - srv0.in,
      serverOut: srv1.out - srv0.out,
      lossPct: Math.round((1000 * (sent - echoed)) / sent) / 10,
      serverCpuPct: Math.round((100 * cpu) / (Date.now() - t0)),
      serverUsPerPacket: Math.round((cpu * 1000) / (sent + echoed)),
      serverUsPerEcho: Math.round((cpu * 1000) / Math.max(1, echoed)),
      clientCpuPct: Math.round((me.user + me.system) / 10 / (Date.now() - t0)),
    });
    console.log(JSON.stringify(results[results.length - 1]));
  }
  await pc.close();
  janus.close();
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  console.log(`payload ${payloadSize} B, ${seconds} s per rate, werift ${JSON.parse(fs.readFileSync(require.resolve('werift').replace(/lib\/.*$/, 'package.json'), 'utf8')).version}, node ${process.version}`);
}

if (process.argv[2] === 'server') void serverMain();
else
  clientMain().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
