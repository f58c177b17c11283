/** In-process server and a small WebSocket Janus client for the VideoRoom tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { JanusServer } from '../core/server';
import { freePorts, rtpPortRange } from './support/ports';
import { Sessions } from '../core/sessions';
import type { MediaPort } from '../core/media/media-port';
import type { JsonObject, RtpPacket } from '../core/plugin-api';
import type VideoRoomPlugin from '../plugins/videoroom';

export const VR = 'janus.plugin.videoroom';

export interface TestServer {
  server: JanusServer;
  dir: string;
  wsUrl: string;
  httpUrl: string;
  ports: { http: number; admin: number; ws: number };
  adminUrl: string;
  plugin: VideoRoomPlugin;
  stop(): Promise<void>;
}

/** Start a server on our ports with a private copy of conf/ (so `permanent` never touches the repo). */
export async function startServer(opts: { media?: MediaPort; werift?: boolean; videoroomJcfg?: string; http?: Record<string, string | number | boolean> } = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vr-test-'));
  const conf = path.resolve(__dirname, '..', '..', 'conf');
  for (const f of fs.readdirSync(conf)) if (f.endsWith('.jcfg')) fs.copyFileSync(path.join(conf, f), path.join(dir, f));
  if (opts.videoroomJcfg !== undefined) fs.writeFileSync(path.join(dir, `${VR}.jcfg`), opts.videoroomJcfg);
  const ports = await freePorts('http', 'admin', 'ws');
  const server = await JanusServer.start({
    configsFolder: dir,
    media: opts.media,
    // without a media port of its own a test is about signalling only, unless it asks for werift
    signallingOnly: !opts.media && !opts.werift,
    settings: (s) => {
      s.logToStdout = false;
      // a log file only on demand: the async file logger must not race the folder's removal
      if (process.env.VR_KEEP_LOGS) s.logToFile = path.join(dir, 'janus.log');
    },
    overrides: {
      janus: { 'general.debug_level': process.env.VR_KEEP_LOGS ? 4 : 1, 'general.admin_secret': 'janusoverlord', 'media.rtp_port_range': rtpPortRange(), 'nat.ice_enforce_list': '127.0.0.1' },
      'janus.transport.http': { 'general.port': ports.http, 'general.ip': '127.0.0.1', 'admin.admin_port': ports.admin, 'admin.admin_ip': '127.0.0.1', ...opts.http },
      'janus.transport.websockets': { 'general.ws_port': ports.ws, 'general.ws_ip': '127.0.0.1', 'admin.admin_ws': false },
    },
  });
  const plugin = server.modules.plugins.get(VR) as unknown as VideoRoomPlugin;
  return {
    server, dir, plugin, ports,
    httpUrl: `http://127.0.0.1:${ports.http}/janus`,
    adminUrl: `http://127.0.0.1:${ports.admin}/admin`,
    wsUrl: `ws://127.0.0.1:${ports.ws}`,
    async stop() {
      await server.stop();
      // the logger may still be flushing into the folder: retry, and never fail a test over cleanup
      if (!process.env.VR_KEEP_LOGS) {
        try {
          fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
        } catch {
          /* left in the temp folder */
        }
      }
    },
  };
}

let txn = 0;

/** One Janus session with one VideoRoom handle over WebSocket; events are queued for `next`. */
export class VrClient {
  private ws!: WebSocket;
  private pending = new Map<string, (m: JsonObject) => void>();
  readonly events: JsonObject[] = [];
  private waiters: Array<() => void> = [];
  session = 0;
  handle = 0;

  static async open(url: string): Promise<VrClient> {
    const c = new VrClient();
    c.ws = new WebSocket(url, 'janus-protocol');
    await new Promise<void>((res, rej) => {
      c.ws.once('open', () => res());
      c.ws.once('error', rej);
    });
    c.ws.on('message', (d) => {
      const m = JSON.parse(String(d)) as JsonObject;
      const tx = m.transaction as string | undefined;
      if (tx && this.isReply(m) && c.pending.has(tx)) {
        const cb = c.pending.get(tx)!;
        c.pending.delete(tx);
        cb(m);
        return;
      }
      c.events.push(m);
      for (const w of c.waiters.splice(0)) w();
    });
    c.session = ((await c.req({ janus: 'create' })).data as JsonObject).id as number;
    c.handle = ((await c.req({ janus: 'attach', session_id: c.session, plugin: VR })).data as JsonObject).id as number;
    return c;
  }

  private static isReply(m: JsonObject): boolean {
    return m.janus === 'success' || m.janus === 'error' || m.janus === 'ack';
  }

  req(body: JsonObject): Promise<JsonObject> {
    const tx = `t${++txn}`;
    return new Promise((res) => {
      this.pending.set(tx, res);
      this.ws.send(JSON.stringify({ ...body, transaction: tx }));
    });
  }

  /** A synchronous request: the plugin's `data`. */
  async sync(body: JsonObject): Promise<JsonObject> {
    const r = await this.req({ janus: 'message', session_id: this.session, handle_id: this.handle, body });
    if (r.janus !== 'success') throw new Error(`expected success, got ${JSON.stringify(r)}`);
    return (r.plugindata as JsonObject).data as JsonObject;
  }

  /** An asynchronous request: expects `ack`, then returns the event with the same transaction. */
  async async(body: JsonObject, jsep?: JsonObject): Promise<{ data: JsonObject; jsep?: JsonObject; raw: JsonObject }> {
    const tx = `t${++txn}`;
    const ack = await new Promise<JsonObject>((res) => {
      this.pending.set(tx, res);
      this.ws.send(JSON.stringify({ janus: 'message', session_id: this.session, handle_id: this.handle, body, ...(jsep ? { jsep } : {}), transaction: tx }));
    });
    if (ack.janus !== 'ack') throw new Error(`expected ack, got ${JSON.stringify(ack)}`);
    const ev = await this.next((m) => m.transaction === tx);
    return { data: (ev.plugindata as JsonObject).data as JsonObject, jsep: ev.jsep as JsonObject | undefined, raw: ev };
  }

  /** Wait for (and remove) the first queued event matching `pred`. */
  async next(pred: (m: JsonObject) => boolean, timeoutMs = 3000): Promise<JsonObject> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.events.findIndex(pred);
      if (i >= 0) return this.events.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timeout waiting for an event; queued: ${JSON.stringify(this.events).slice(0, 1500)}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** The next plugin event (no transaction) whose data matches `pred`. */
  async nextPlugin(pred: (d: JsonObject) => boolean = () => true, timeoutMs = 3000): Promise<{ data: JsonObject; jsep?: JsonObject }> {
    const ev = await this.next((m) => m.janus === 'event' && !!m.plugindata && pred((m.plugindata as JsonObject).data as JsonObject), timeoutMs);
    return { data: (ev.plugindata as JsonObject).data as JsonObject, jsep: ev.jsep as JsonObject | undefined };
  }

  /** Plugin events queued right now (after letting the event loop run). */
  async pluginEvents(waitMs = 50): Promise<JsonObject[]> {
    await new Promise((r) => setTimeout(r, waitMs));
    const out = this.events.filter((m) => m.janus === 'event' && m.plugindata).map((m) => (m.plugindata as JsonObject).data as JsonObject);
    this.events.splice(0, this.events.length, ...this.events.filter((m) => !(m.janus === 'event' && m.plugindata)));
    return out;
  }

  close(): void {
    this.ws.close();
  }
}

/** A browser-like offer: opus audio, VP8 (+H.264) video, a data channel. */
export function offerSdp(n: number, o: { audio?: boolean; video?: boolean; data?: boolean; vcodec?: string; acodec?: string } = {}): string {
  const { audio = true, video = true, data = true, vcodec = 'VP8', acodec = 'opus' } = o;
  const l = ['v=0', `o=- ${1000 + n} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0'];
  let mid = 0;
  const common = () => ['c=IN IP4 127.0.0.1', `a=ice-ufrag:u${n}`, `a=ice-pwd:pppppppppppppppppppppp${n}`, 'a=fingerprint:sha-256 12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0:12:34:56:78:9A:BC:DE:F0', 'a=setup:actpass', `a=mid:${mid++}`];
  if (audio) l.push('m=audio 9 UDP/TLS/RTP/SAVPF 111 0', ...common(), 'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'a=sendonly', 'a=rtcp-mux', acodec === 'opus' ? 'a=rtpmap:111 opus/48000/2' : `a=rtpmap:111 ${acodec}/8000`, 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:0 PCMU/8000');
  if (video) l.push('m=video 9 UDP/TLS/RTP/SAVPF 96 102', ...common(), 'a=extmap:3 urn:3gpp:video-orientation', 'a=sendonly', 'a=rtcp-mux', `a=rtpmap:96 ${vcodec}/90000`, 'a=rtcp-fb:96 nack pli', 'a=rtpmap:102 H264/90000', 'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f');
  if (data) l.push('m=application 9 UDP/DTLS/SCTP webrtc-datachannel', ...common(), 'a=sctp-port:5000');
  return l.join('\r\n') + '\r\n';
}

/** The handle's plugin state and core handle (to drive media callbacks in tests). */
export function pluginSession(ts: TestServer, c: VrClient): unknown {
  const sessions = ts.server.container.resolve(Sessions);
  return sessions.get(c.session)!.handles.get(c.handle)!.pluginState;
}

export function rtpPacket(mindex: number, seq: number, ts: number, ssrc: number, video: boolean, substream = 0, audioLevel = -1): RtpPacket {
  const b = Buffer.alloc(112);
  b[0] = 0x80;
  b[1] = video ? 96 : 111;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(ts >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  return {
    mindex, mid: String(mindex), video, buffer: b, length: b.length, substream,
    extensions: { audioLevel, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1 },
  };
}
