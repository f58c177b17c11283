import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { RtpHeader, RtpPacket, type RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { JanusServer, type ServerOptions } from '../core/server';
import { loopbackPeer } from './support/peer';
import { freePorts, udpRange } from './support/ports';

export { sleep, until } from './support/wait';

/**
 * Test support for the media stack: an in-process server with loopback-only ICE, a Janus
 * WebSocket client, and a werift peer that plays the browser. Ports come from support/ports.
 */

export interface MediaServer {
  server: JanusServer;
  folder: string;
  wsUrl: string;
  adminUrl: string;
  /** The server's `rtp_port_range`, [lo, hi]. */
  rtpPorts: [number, number];
  stop(): Promise<void>;
}

export async function startMediaServer(
  janusExtra: Record<string, string | number | boolean> = {},
  opts: Partial<ServerOptions> = {},
  /** Overrides of other modules' config files (e.g. a plugin's `general.path`). */
  moduleOverrides: Record<string, Record<string, string | number | boolean>> = {},
): Promise<MediaServer> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'janus-ts-media-'));
  const ports = await freePorts('ws', 'admin');
  const rtpPorts = udpRange(200);
  const logFile = path.join(folder, 'janus.log');
  const server = await JanusServer.start({
    configsFolder: path.resolve(__dirname, '..', '..', 'conf'),
    overrides: {
      janus: {
        'general.admin_secret': 'janusoverlord',
        'media.rtp_port_range': rtpPorts.join('-'),
        'nat.ice_enforce_list': '127.0.0.1',
        ...janusExtra,
      },
      'janus.transport.http': { 'general.http': false, 'admin.admin_http': true, 'admin.admin_port': ports.admin, 'admin.admin_ip': '127.0.0.1' },
      'janus.transport.websockets': { 'general.ws_port': ports.ws, 'general.ws_ip': '127.0.0.1', 'admin.admin_ws': false },
      ...moduleOverrides,
    },
    settings: (s) => {
      s.logToStdout = false;
      s.logToFile = logFile;
    },
    ...opts,
  });
  return {
    server,
    folder,
    rtpPorts,
    wsUrl: `ws://127.0.0.1:${ports.ws}`,
    adminUrl: `http://127.0.0.1:${ports.admin}/admin`,
    async stop() {
      await server.stop();
      fs.rmSync(folder, { recursive: true, force: true });
    },
  };
}

type Msg = Record<string, any>;

/** A Janus API client over WebSocket: request/reply by transaction, events kept for waiting. */
export class JanusWs {
  readonly events: Msg[] = [];
  private readonly pending = new Map<string, (m: Msg) => void>();
  private waiters: Array<{ pred: (m: Msg) => boolean; resolve: (m: Msg) => void }> = [];
  private tx = 0;
  session = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Msg;
      const t = m.transaction as string | undefined;
      if (t && this.pending.has(t) && m.janus !== 'event') {
        const r = this.pending.get(t)!;
        this.pending.delete(t);
        r(m);
        return;
      }
      this.events.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  static async connect(url: string): Promise<JanusWs> {
    const ws = new WebSocket(url, 'janus-protocol');
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    return new JanusWs(ws);
  }

  request(body: Msg): Promise<Msg> {
    const transaction = `t${++this.tx}`;
    return new Promise((resolve) => {
      this.pending.set(transaction, resolve);
      this.ws.send(JSON.stringify({ ...body, transaction, ...(this.session && body.session_id === undefined ? { session_id: this.session } : {}) }));
    });
  }

  async createSession(): Promise<number> {
    const r = await this.request({ janus: 'create' });
    this.session = r.data.id;
    return this.session;
  }

  async attach(plugin = 'janus.plugin.echotest'): Promise<number> {
    const r = await this.request({ janus: 'attach', plugin });
    if (r.janus !== 'success') throw new Error(JSON.stringify(r));
    return r.data.id;
  }

  /** A message with its ack; returns the transaction to wait for the event. */
  async message(handle: number, body: Msg, jsep?: Msg): Promise<{ reply: Msg; transaction: string }> {
    const transaction = `t${++this.tx}`;
    const reply = await new Promise<Msg>((resolve) => {
      this.pending.set(transaction, resolve);
      this.ws.send(JSON.stringify({ janus: 'message', session_id: this.session, handle_id: handle, transaction, body, ...(jsep ? { jsep } : {}) }));
    });
    return { reply, transaction };
  }

  waitFor(pred: (m: Msg) => boolean, timeoutMs = 8000, what = 'event'): Promise<Msg> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout waiting for ${what}; got ${JSON.stringify(this.events.map((e) => e.janus + (e.reason ? `(${e.reason})` : '') + (e.plugindata ? ':' + JSON.stringify(e.plugindata.data) : '')))}`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** The werift client of the media tests (support/peer). */
export function clientPeer(opts: { lossPct?: number } = {}): RTCPeerConnection {
  return loopbackPeer(opts);
}

/** Wait until the client's ICE gathering completed (half-trickle: candidates in the SDP). */
export async function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve) => {
    const sub = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') {
        sub.unSubscribe();
        resolve();
      }
    });
  });
}

/** Sends numbered RTP packets on a transceiver: payload starts with the sequence number. */
export class RtpPump {
  private seq = 1000;
  private ts = 0;
  sent = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly t: RTCRtpTransceiver,
    private readonly pt: number,
    private readonly size: number,
    private readonly tsStep: number,
  ) {}

  start(pps: number): void {
    const every = Math.max(1, Math.round(1000 / pps));
    this.timer = setInterval(() => this.sendOne(), every);
  }

  sendOne(): void {
    const payload = Buffer.alloc(this.size, 0xab);
    // a VP8 descriptor that reads as a keyframe start, so nothing downstream drops it
    payload[0] = 0x10;
    payload[1] = 0x00;
    payload.writeUInt32BE(this.sent, 4);
    const header = new RtpHeader({ payloadType: this.pt, sequenceNumber: this.seq++ & 0xffff, timestamp: (this.ts += this.tsStep) >>> 0, marker: true });
    this.t.sender.sendRtp(new RtpPacket(header, payload)).catch(() => undefined);
    this.sent++;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

export async function adminPost(url: string, body: Msg): Promise<Msg> {
  const payload = JSON.stringify({ admin_secret: 'janusoverlord', transaction: 'a' + Math.random(), ...body });
  try {
    return (await (await fetch(url, { method: 'POST', body: payload })).json()) as Msg;
  } catch {
    // a reused keep-alive socket may have been closed under us: one fresh try
    return (await (await fetch(url, { method: 'POST', body: payload, headers: { connection: 'close' } })).json()) as Msg;
  }
}

/** Every RTP packet the client receives on this transceiver (its receiver track, and any later ones). */
export function onTracks(t: RTCRtpTransceiver, fn: (rtp: RtpPacket) => void): void {
  const seen = new Set<unknown>();
  const hook = (track: { onReceiveRtp: { subscribe(f: (r: RtpPacket) => void): unknown } }) => {
    if (seen.has(track)) return;
    seen.add(track);
    track.onReceiveRtp.subscribe(fn);
  };
  hook(t.receiver.track);
  t.onTrack.subscribe((track) => hook(track));
}

/**
 * A werift client in a video echo with EchoTest: session, handle, offer, answer, webrtcup.
 * What the caller then pumps and counts is its own business.
 */
export async function openVideoEcho(wsUrl: string, webrtcupMs = 8000) {
  const janus = await JanusWs.connect(wsUrl);
  await janus.createSession();
  const handle = await janus.attach();
  const pc = clientPeer();
  const video = pc.addTransceiver('video', { direction: 'sendrecv' });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const { transaction } = await janus.message(handle, { video: true }, { type: 'offer', sdp: pc.localDescription!.sdp });
  const ev = await janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction);
  await pc.setRemoteDescription(ev.jsep);
  await janus.waitFor((m) => m.janus === 'webrtcup', webrtcupMs, 'webrtcup');
  return { janus, handle, pc, video, answer: ev.jsep as { type: string; sdp: string } };
}
