/**
 * Fan-out benchmark client process (forked by videoroom-fanout.ts): either the publisher, or K
 * subscribers. werift peers with candidates on one address only. Subscribers are either full
 * werift receivers (`client: 'werift'`, each packet through werift's whole receive pipeline) or
 * the cheap "lite" client (srtp-peek.ts: werift for ICE and DTLS only, RTP counted from the
 * datagrams). Both stamp-based: the publisher writes its tag, send time and packet number in
 * each payload, so delivery and one-way delay are measured the same way with either client.
 */
import { performance } from 'node:perf_hooks';
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, useNACK, usePLI, useREMB, useSdesMid, type RTCRtpTransceiver } from 'werift';
import { relaxConsentResponseTimeout } from '../core/media/ice-config';
import { installWeriftAdapter } from '../core/media/werift-adapter';
import { JanusClient } from './janus-client';
import { bindLiteSink, installLitePath, liteCounters } from './srtp-peek';

const VR = 'janus.plugin.videoroom';
// werift clients give each consent response only 500 ms on loopback (browsers are more patient):
// with a server event loop busy for a second during mass set-up, the publisher's pair expired.
relaxConsentResponseTimeout();
// the clients' DTLS handshakes with node:crypto too (as our server does): werift's pure-JS curve
// work would make the clients, not the server under test, the join storm's bottleneck
installWeriftAdapter();
const now = () => performance.timeOrigin + performance.now();

interface StartCmd {
  cmd: 'start';
  role: 'pub' | 'sub';
  url: string;
  room: number;
  feed: number;
  count: number;
  ip: string;
  ports: [number, number];
  /** Subscribers: full werift receive pipeline, or the cheap header-peeking client. */
  client?: 'werift' | 'lite';
  /** Subscribers: report ready only once each got a packet (false: at webrtcup; publisher paused). */
  waitMedia?: boolean;
}

function peer(ip: string, ports: [number, number]): RTCPeerConnection {
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: [ip],
    iceInterfaceAddresses: { udp4: ip } as never,
    icePortRange: ports,
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI(), useREMB()] })],
    },
    headerExtensions: { audio: [useSdesMid()], video: [useSdesMid()] },
  });
}

async function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((r) => {
    const s = pc.iceGatheringStateChange.subscribe((st) => {
      if (st === 'complete') {
        s.unSubscribe();
        r();
      }
    });
  });
}

const send = (m: unknown) => process.send!(m);
/** Which step of a join failed, in the error. */
const phase = <T>(name: string, p: Promise<T>): Promise<T> => p.catch((e: Error) => Promise.reject(new Error(`${name}: ${e.message}`)));

/** Delay histogram: 0.1 ms buckets up to 5 s (the last bucket holds everything slower). */
const BUCKETS = 50000;

async function runSubscribers(c: StartCmd): Promise<void> {
  const hist = new Uint32Array(BUCKETS);
  let win = { t0: Infinity, t1: -Infinity };
  let received = 0;
  let failed = 0;
  /** When each subscriber got its first packet (ms, epoch): "joined and receiving". */
  let lastFirstPacket = 0;
  const gotFirst = new Uint8Array(c.count);
  /** Summed ms per join phase (lite subscribers): where a join's time goes, server or client side. */
  const phases = { attach: 0, offer: 0, clientSdp: 0, start: 0, webrtcup: 0, n: 0 };
  const pcs: RTCPeerConnection[] = [];
  const clients: JanusClient[] = [];
  // retransmissions (NACK) carry the same payload: count each packet once per subscriber
  const seen: Array<Set<number>> = [];
  const onStamp = (sub: number, tag: number, sent: number, n: number) => {
    if (!gotFirst[sub]) {
      gotFirst[sub] = 1;
      lastFirstPacket = Math.max(lastFirstPacket, now());
    }
    if (sent < win.t0 || sent > win.t1) return;
    const key = tag * 0x1000000 + n;
    const s = (seen[sub] ??= new Set());
    if (s.has(key)) return;
    s.add(key);
    received++;
    const d = Math.max(0, now() - sent);
    hist[Math.min(BUCKETS - 1, Math.floor(d * 10))]++;
  };
  const onRtp = (sub: number, p: RtpPacket) => {
    const pl = p.payload;
    if (pl.length >= 20) onStamp(sub, pl.readUInt32BE(4), pl.readDoubleBE(8), pl.readUInt32BE(16));
  };
  const lite = c.client === 'lite';
  if (lite) installLitePath();
  // this process's CPU over the measuring window (client cost per received packet)
  let cpu0 = process.cpuUsage();
  let cpuWindow = 0;
  const span = Math.max(1, Math.floor((c.ports[1] - c.ports[0] + 1) / c.count));
  const one = async (i: number) => {
    const t0 = now();
    const j = await JanusClient.connect(c.url);
    clients.push(j);
    const h = await j.attach(VR);
    const tAttach = now();
    const ev = await phase('join', j.message(h, { request: 'join', ptype: 'subscriber', room: c.room, streams: [{ feed: c.feed }] }));
    const tOffer = now();
    if (!ev.jsep) throw new Error('no offer: ' + JSON.stringify(ev.plugindata?.data));
    const lo = c.ports[0] + i * span;
    const pc = peer(c.ip, [lo, lo + span - 1]);
    pcs.push(pc);
    if (lite) {
      await pc.setRemoteDescription(ev.jsep);
      await pc.setLocalDescription(await pc.createAnswer());
      bindLiteSink(pc, (tag, sent, n) => onStamp(i, tag, sent, n));
      await gathered(pc);
      const tSdp = now();
      const up = phase('webrtcup', j.waitFor((m) => m.janus === 'webrtcup' && m.sender === h, 20000));
      up.catch(() => undefined); // awaited below; not unhandled if 'start' fails first
      await phase('start', j.message(h, { request: 'start' }, { type: 'answer', sdp: pc.localDescription!.sdp }));
      const tStart = now();
      await up;
      phases.attach += tAttach - t0;
      phases.offer += tOffer - tAttach;
      phases.clientSdp += tSdp - tOffer;
      phases.start += tStart - tSdp;
      phases.webrtcup += now() - tStart;
      phases.n++;
      return;
    }
    const hooked = new Set<unknown>();
    const hook = (tr: { onReceiveRtp: { subscribe(f: (p: RtpPacket) => void): unknown } }) => {
      if (hooked.has(tr)) return;
      hooked.add(tr);
      tr.onReceiveRtp.subscribe((p) => onRtp(i, p));
    };
    pc.onTransceiverAdded.subscribe((t) => t.onTrack.subscribe(hook));
    await pc.setRemoteDescription(ev.jsep);
    for (const t of pc.getTransceivers()) t.onTrack.subscribe(hook);
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    const up = j.waitFor((m) => m.janus === 'webrtcup' && m.sender === h, 20000);
    await j.message(h, { request: 'start' }, { type: 'answer', sdp: pc.localDescription!.sdp });
    await up;
  };
  // a few at a time: connection set-up is CPU-heavy for werift
  const queue = [...Array(c.count).keys()];
  await Promise.all(
    [...Array(Math.min(4, c.count))].map(async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        await one(i).catch((e) => {
          failed++;
          process.stderr.write(`subscriber ${i} failed: ${(e as Error).message}\n`);
        });
      }
    }),
  );
  // joined and receiving: wait (bounded) until every subscriber that joined got a packet
  const deadline = c.waitMedia === false ? 0 : now() + 10000;
  while (gotFirst.reduce((a, b) => a + b, 0) < c.count - failed && now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const silent = c.waitMedia === false ? 0 : c.count - failed - gotFirst.reduce((a, b) => a + b, 0);
  send({ ready: true, failed, silent, receivingAt: lastFirstPacket, phases });
  process.on('message', (m: { cmd: string; t0?: number; t1?: number }) => {
    if (m.cmd === 'window') {
      win = { t0: m.t0!, t1: m.t1! };
      seen.length = 0;
      hist.fill(0);
      received = 0;
      setTimeout(() => (cpu0 = process.cpuUsage()), Math.max(0, m.t0! - now()));
      setTimeout(() => {
        const u = process.cpuUsage(cpu0);
        cpuWindow = u.user + u.system;
      }, Math.max(0, m.t1! - now()));
    }
    if (m.cmd === 'report') {
      const sparse: Array<[number, number]> = [];
      for (let i = 0; i < BUCKETS; i++) if (hist[i]) sparse.push([i, hist[i]]);
      send({ received, hist: sparse, failed, cpuMicros: cpuWindow, lite: { ...liteCounters } });
    }
    if (m.cmd === 'stop') {
      for (const pc of pcs) pc.close().catch(() => undefined);
      for (const j of clients) j.close();
      setTimeout(() => process.exit(0), 300);
    }
  });
}

async function runPublisher(c: StartCmd): Promise<void> {
  const j = await JanusClient.connect(c.url);
  const h = await j.attach(VR);
  // a room of our own for the run (creation is open on stock configs)
  const exists = await j.sync(h, { request: 'exists', room: c.room });
  if (!exists.exists) await j.sync(h, { request: 'create', room: c.room, publishers: 1, bitrate: 0, fir_freq: 0 });
  const pc = peer(c.ip, c.ports);
  // when a run loses its publisher, say which side gave up and when
  const t0 = now();
  pc.connectionStateChange.subscribe((st) => process.stderr.write(`publisher connection ${st} at +${((now() - t0) / 1000).toFixed(1)} s\n`));
  pc.iceConnectionStateChange.subscribe((st) => process.stderr.write(`publisher ICE ${st} at +${((now() - t0) / 1000).toFixed(1)} s\n`));
  j.onEvent((m) => {
    if (m.janus === 'hangup' || m.janus === 'detached') process.stderr.write(`publisher got ${m.janus} (${m.reason ?? ''}) at +${((now() - t0) / 1000).toFixed(1)} s\n`);
  });
  const audio = pc.addTransceiver('audio', { direction: 'sendonly' });
  const video = pc.addTransceiver('video', { direction: 'sendonly' });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const up = j.waitFor((m) => m.janus === 'webrtcup' && m.sender === h, 20000);
  const ev = await j.message(h, { request: 'joinandconfigure', ptype: 'publisher', room: c.room, id: c.feed, display: 'bench' }, { type: 'offer', sdp: pc.localDescription!.sdp });
  if (!ev.jsep) throw new Error('publisher: ' + JSON.stringify(ev.plugindata?.data));
  await pc.setRemoteDescription(ev.jsep);
  await up;
  let win = { t0: Infinity, t1: -Infinity };
  let sentInWindow = 0;
  /** Media paused while subscribers join (--quiet-join: the join's own cost, no fan-out). */
  let paused = false;
  const pump = (t: RTCRtpTransceiver, size: number, tsStep: number, pps: number, tag: number) => {
    let seq = 1;
    let ts = 1000;
    let n = 0;
    const start = now();
    const tick = () => {
      if (paused) {
        // resume on schedule from now, without a burst for the paused time
        n = Math.floor(((now() - start) * pps) / 1000);
        return;
      }
      // catch up to the schedule (timers drift)
      const due = Math.floor(((now() - start) * pps) / 1000);
      while (n < due) {
        const payload = Buffer.alloc(size, 0xab);
        payload[0] = 0x10;
        payload[1] = 0;
        payload.writeUInt32BE(tag, 4);
        const sentAt = now();
        payload.writeDoubleBE(sentAt, 8);
        payload.writeUInt32BE(n, 16);
        const pt = t.codecs[0].payloadType!;
        t.sender.sendRtp(new RtpPacket(new RtpHeader({ payloadType: pt, sequenceNumber: seq++ & 0xffff, timestamp: (ts += tsStep) >>> 0, marker: true }), payload)).catch(() => undefined);
        if (sentAt >= win.t0 && sentAt <= win.t1) sentInWindow++;
        n++;
      }
    };
    return setInterval(tick, 5);
  };
  // ~1 Mbit/s of video in 90 packets/s, 50 audio packets/s
  const timers = [pump(video, 1380, 1000, 90, 2), pump(audio, 120, 960, 50, 1)];
  send({ ready: true, failed: 0 });
  process.on('message', (m: { cmd: string; t0?: number; t1?: number }) => {
    if (m.cmd === 'window') {
      win = { t0: m.t0!, t1: m.t1! };
      sentInWindow = 0;
    }
    if (m.cmd === 'pause' || m.cmd === 'resume') paused = m.cmd === 'pause';
    if (m.cmd === 'report') send({ sentInWindow });
    if (m.cmd === 'stop') {
      for (const t of timers) clearInterval(t);
      pc.close().catch(() => undefined);
      j.close();
      setTimeout(() => process.exit(0), 300);
    }
  });
}

// the bench process is gone (killed, or overran its time bound): do not linger
process.on('disconnect', () => process.exit(0));
process.once('message', (c: StartCmd) => {
  const run = c.role === 'pub' ? runPublisher(c) : runSubscribers(c);
  run.catch((e) => {
    send({ error: String((e as Error)?.stack ?? e) });
    setTimeout(() => process.exit(1), 100);
  });
});
