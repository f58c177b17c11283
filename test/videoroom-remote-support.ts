/**
 * Two (or more) of our servers in one process for the remote publisher tests: each its own TCP
 * ports and server RTP range, werift peers on loopback. Run inside a network namespace.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PictureLossIndication, type RTCPeerConnection, type RTCRtpTransceiver, type RtpPacket } from 'werift';
import { JanusServer } from '../core/server';
import { gathered, JanusWs } from './media-support';
import { Received, TaggedPump, vrPeer, watch } from './videoroom-media-support';

export const VR = 'janus.plugin.videoroom';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Msg = Record<string, any>;

export interface Instance {
  server: JanusServer;
  wsUrl: string;
  /** One session + handle for sync requests (and its events: a room participant if it joined). */
  janus: JanusWs;
  handle: number;
  stop(): Promise<void>;
}

/** Start instance `n` (0, 1, ...): TCP 25600 + 10n.., server RTP 45000 + 200n.., `general` extra for the VideoRoom jcfg. */
export async function startInstance(n: number, vrGeneral = '', vrRooms = ''): Promise<Instance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vr-remote-'));
  const conf = path.resolve(__dirname, '..', '..', 'conf');
  for (const f of fs.readdirSync(conf)) if (f.endsWith('.jcfg')) fs.copyFileSync(path.join(conf, f), path.join(dir, f));
  fs.writeFileSync(path.join(dir, `${VR}.jcfg`), `general: { ${vrGeneral} }\n${vrRooms}\n`);
  const p = 25600 + n * 10;
  const rtp = 45000 + n * 200;
  const server = await JanusServer.start({
    configsFolder: dir,
    settings: (s) => {
      s.logToStdout = false;
      if (process.env.VR_KEEP_LOGS) s.logToFile = path.join(dir, 'janus.log');
    },
    overrides: {
      janus: { 'general.debug_level': process.env.VR_KEEP_LOGS ? 4 : 1, 'general.admin_secret': 'janusoverlord', 'media.rtp_port_range': `${rtp}-${rtp + 199}`, 'nat.ice_enforce_list': '127.0.0.1' },
      'janus.transport.http': { 'general.http': false, 'admin.admin_http': false },
      'janus.transport.websockets': { 'general.ws_port': p, 'general.ws_ip': '127.0.0.1', 'admin.admin_ws': false },
    },
  });
  const wsUrl = `ws://127.0.0.1:${p}`;
  const janus = await JanusWs.connect(wsUrl);
  await janus.createSession();
  const handle = await janus.attach(VR);
  return {
    server,
    wsUrl,
    janus,
    handle,
    async stop() {
      janus.close();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
}

/** A synchronous VideoRoom request on the instance's handle: the plugin's answer. */
export async function sync(i: Instance, body: Msg): Promise<Msg> {
  const { reply } = await i.janus.message(i.handle, body);
  assert.equal(reply.janus, 'success', JSON.stringify(reply));
  return reply.plugindata.data;
}

export async function event(janus: JanusWs, transaction: string): Promise<Msg> {
  return janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction, 20000, `event ${transaction}`);
}

export interface Pub {
  janus: JanusWs;
  handle: number;
  pc: RTCPeerConnection;
  audio: RTCRtpTransceiver;
  video: RTCRtpTransceiver;
  pumps: TaggedPump[];
  id: number;
  /** The streams as announced (what a backend passes to add_remote_publisher). */
  streams: Msg[];
  dc?: ReturnType<RTCPeerConnection['createDataChannel']>;
  /** PLIs the publisher received on its video sender. */
  plis: number;
}

export async function publisher(wsUrl: string, room: number, id: number, data = false): Promise<Pub> {
  const janus = await JanusWs.connect(wsUrl);
  await janus.createSession();
  const handle = await janus.attach(VR);
  const pc = vrPeer();
  const audio = pc.addTransceiver('audio', { direction: 'sendonly' });
  const video = pc.addTransceiver('video', { direction: 'sendonly' });
  const dc = data ? pc.createDataChannel('chat') : undefined;
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const { transaction } = await janus.message(handle, { request: 'joinandconfigure', ptype: 'publisher', room, id, display: `p${id}` }, { type: 'offer', sdp: pc.localDescription!.sdp });
  const ev = await event(janus, transaction);
  assert.equal(ev.plugindata.data.videoroom, 'joined', JSON.stringify(ev.plugindata.data));
  await pc.setRemoteDescription(ev.jsep);
  await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 20000, 'publisher webrtcup');
  const p: Pub = { janus, handle, pc, audio, video, pumps: [], id, streams: ev.plugindata.data.streams, dc, plis: 0 };
  video.sender.onRtcp.subscribe((r) => {
    if ((r as { feedback?: unknown }).feedback instanceof PictureLossIndication) p.plis++;
  });
  return p;
}

export function pump(p: Pub, pps = 50): void {
  const a = new TaggedPump(p.audio, p.id * 10 + 1, 160, 960);
  const v = new TaggedPump(p.video, p.id * 10 + 2, 900, 3000);
  a.start(pps);
  v.start(pps);
  p.pumps.push(a, v);
}

export interface Sub {
  janus: JanusWs;
  handle: number;
  pc: RTCPeerConnection;
  received: Map<string, Received>;
  attached: Msg;
  texts: string[];
  /** Per mid: the pump counters (payload bytes 8-11) received. */
  counters: Map<string, Set<number>>;
}

/** Subscribe on a new session of `wsUrl`, answer with werift, `start`, wait for webrtcup. */
export async function subscriber(wsUrl: string, body: Msg): Promise<Sub> {
  const janus = await JanusWs.connect(wsUrl);
  await janus.createSession();
  const handle = await janus.attach(VR);
  const { transaction } = await janus.message(handle, { request: 'join', ptype: 'subscriber', ...body });
  const ev = await event(janus, transaction);
  assert.equal(ev.plugindata.data.videoroom, 'attached', JSON.stringify(ev.plugindata.data));
  const pc = vrPeer();
  const texts: string[] = [];
  pc.onDataChannel.subscribe((ch) => ch.onMessage.subscribe((m) => texts.push(String(m))));
  const received = new Map<string, Received>();
  const counters = new Map<string, Set<number>>();
  const track = (t: RTCRtpTransceiver) => {
    if (received.has(t.mid!)) return;
    const r = new Received();
    received.set(t.mid!, r);
    watch(t, r);
    const set = new Set<number>();
    counters.set(t.mid!, set);
    const seen = new Set<unknown>();
    const hook = (tr: { onReceiveRtp: { subscribe(f: (p: RtpPacket) => void): unknown } }) => {
      if (seen.has(tr)) return;
      seen.add(tr);
      tr.onReceiveRtp.subscribe((p) => p.payload.length >= 12 && set.add(p.payload.readUInt32BE(8)));
    };
    hook(t.receiver.track);
    t.onTrack.subscribe((tr) => hook(tr));
  };
  pc.onTransceiverAdded.subscribe(track);
  await pc.setRemoteDescription(ev.jsep);
  for (const t of pc.getTransceivers()) track(t);
  await pc.setLocalDescription(await pc.createAnswer());
  await gathered(pc);
  const st = await janus.message(handle, { request: 'start' }, { type: 'answer', sdp: pc.localDescription!.sdp });
  const started = await event(janus, st.transaction);
  assert.equal(started.plugindata.data.started, 'ok', JSON.stringify(started.plugindata.data));
  await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 20000, 'subscriber webrtcup');
  return { janus, handle, pc, received, attached: ev.plugindata.data, texts, counters };
}

/** What a backend sends `add_remote_publisher` for a publisher's announced streams. */
export function remoteStreams(streams: Msg[]): Msg[] {
  return streams.map((s) => {
    const o: Msg = { type: s.type, mindex: s.mindex, mid: s.mid };
    for (const k of ['codec', 'description', 'disabled', 'stereo', 'fec', 'dtx', 'simulcast', 'svc', 'h264_profile', 'vp9_profile']) if (s[k] !== undefined) o[k] = s[k];
    return o;
  });
}

/** Poll until `f()` holds (or fail with `what`). */
export async function until(f: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
