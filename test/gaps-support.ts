/** Shared by the gaps-* tests: a werift server on this area's ports (TCP 26000-26999, UDP 46000-46499) and werift clients (UDP 46500-46999). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { RTCPeerConnection, RTCRtpCodecParameters, useAbsSendTime, useNACK, usePLI, useREMB, useSdesMid, type RTCRtpTransceiver } from 'werift';
import { JanusServer } from '../core/server';
import type { Settings } from '../core/config/settings';
import { gathered, JanusWs, RtpPump } from './media-support';

export const VR = 'janus.plugin.videoroom';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Msg = Record<string, any>;

let nextUdp = 46500 + (process.pid % 10) * 40;
export function gapsPeer(): RTCPeerConnection {
  const lo = nextUdp;
  nextUdp += 4;
  if (nextUdp > 46990) nextUdp = 46500;
  return new RTCPeerConnection({
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' } as never,
    icePortRange: [lo, lo + 3],
    bundlePolicy: 'max-bundle',
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI(), useREMB()] })],
    },
    headerExtensions: { audio: [useSdesMid(), useAbsSendTime()], video: [useSdesMid(), useAbsSendTime()] },
  });
}

export async function startGapsServer(tcp: number, janus: Record<string, string | number | boolean> = {}, settings?: (s: Settings) => void): Promise<{ server: JanusServer; wsUrl: string; adminUrl: string; dir: string; stop(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gaps-test-'));
  const conf = path.resolve(__dirname, '..', '..', 'conf');
  for (const f of fs.readdirSync(conf)) if (f.endsWith('.jcfg')) fs.copyFileSync(path.join(conf, f), path.join(dir, f));
  const server = await JanusServer.start({
    configsFolder: dir,
    settings: (s) => {
      s.logToStdout = false;
      settings?.(s);
    },
    overrides: {
      janus: { 'general.debug_level': 1, 'general.admin_secret': 'janusoverlord', 'media.rtp_port_range': '46000-46499', 'nat.ice_enforce_list': '127.0.0.1', ...janus },
      'janus.transport.http': { 'general.port': tcp, 'general.ip': '127.0.0.1', 'admin.admin_port': tcp + 1, 'admin.admin_ip': '127.0.0.1' },
      'janus.transport.websockets': { 'general.ws_port': tcp + 2, 'general.ws_ip': '127.0.0.1', 'admin.admin_ws': false },
    },
  });
  return {
    server,
    dir,
    wsUrl: `ws://127.0.0.1:${tcp + 2}`,
    adminUrl: `http://127.0.0.1:${tcp + 1}/admin`,
    async stop() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    },
  };
}


export function event(janus: JanusWs, transaction: string): Promise<Msg> {
  return janus.waitFor((m) => m.janus === 'event' && m.transaction === transaction, 8000, `event ${transaction}`);
}

export interface Pub {
  janus: JanusWs;
  handle: number;
  pc: RTCPeerConnection;
  video: RTCRtpTransceiver;
  pump: RtpPump;
  rembs: number[];
}

export async function publisher(wsUrl: string, room: number, id: number): Promise<Pub> {
  const janus = await JanusWs.connect(wsUrl);
  await janus.createSession();
  const handle = await janus.attach(VR);
  const pc = gapsPeer();
  const video = pc.addTransceiver('video', { direction: 'sendonly' });
  const rembs: number[] = [];
  video.sender.onRtcp.subscribe((p) => {
    const fb = (p as unknown as { type: number; feedback?: { bitrate?: bigint } }).feedback;
    if (p.type === 206 && fb?.bitrate !== undefined) rembs.push(Number(fb.bitrate));
  });
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const { transaction } = await janus.message(handle, { request: 'joinandconfigure', ptype: 'publisher', room, id }, { type: 'offer', sdp: pc.localDescription!.sdp });
  const ev = await event(janus, transaction);
  assert.equal(ev.plugindata.data.videoroom, 'joined', JSON.stringify(ev.plugindata.data));
  await pc.setRemoteDescription(ev.jsep);
  await janus.waitFor((m) => m.janus === 'webrtcup' && m.sender === handle, 8000, 'publisher webrtcup');
  const pump = new RtpPump(video, video.codecs[0].payloadType!, 600, 3000);
  pump.start(30);
  return { janus, handle, pc, video, pump, rembs };
}

