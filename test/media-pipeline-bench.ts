/**
 * CPU per packet of the core's own per-packet work, in-process (not a spec; the echo bench
 * measures the whole server, which a busy machine makes unreadable). Outbound: RtpOut.send with
 * real SRTP keys to a real UDP socket on loopback; inbound: what the core does after werift's
 * parse (before: re-serialise; after: the decrypted bytes), werift's parse alone given for reference.
 *
 *   node dist/test/media-pipeline-bench.js [distRoot=dist] [packets=100000] [rounds=7]
 *
 * distRoot lets the same harness load another build (e.g. the commit before the change).
 */
import * as dgram from 'node:dgram';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { RtpHeader, RtpPacket, SrtpSession } from 'werift';

const root = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
const N = Number(process.argv[3] ?? 100000);
const ROUNDS = Number(process.argv[4] ?? 7);
const EXT_MID = 'urn:ietf:params:rtp-hdrext:sdes:mid';
const EXT_ABS = 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time';
const EXT_TWCC = 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01';

function cpuUs(fn: () => void): number {
  const t0 = process.cpuUsage();
  fn();
  const t = process.cpuUsage(t0);
  return t.user + t.system;
}

async function main(): Promise<void> {
  const { RtpOut } = require(path.join(root, 'core/media/rtp-out')) as { RtpOut: new (s: unknown) => { send(b: Buffer, l: number, e: unknown, x: unknown): boolean } };
  let adapter: { installWeriftAdapter?: () => void; rawRtpOf?: (p: RtpPacket) => Buffer | undefined } = {};
  try {
    adapter = require(path.join(root, 'core/media/werift-adapter'));
    adapter.installWeriftAdapter?.();
  } catch {
    // older builds: no adapter functions for the inbound path
  }
  const sink = dgram.createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', () => r()));
  const port = (sink.address() as { port: number }).port;
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const k = randomBytes(16), s = randomBytes(14);
  const srtp = new SrtpSession({ keys: { localMasterKey: k, localMasterSalt: s, remoteMasterKey: k, remoteMasterSalt: s }, profile: 7 } as never);
  const cand = { host: '127.0.0.1', port, type: 'host', transport: 'udp' };
  const stub = { send: () => undefined };
  const transport = { type: 'udp', closed: false, socket: sock as unknown };
  const dtls = {
    sendRtcp: async () => undefined, state: 'connected', transportSequenceNumber: 0, bytesSent: 0, packetsSent: 0, srtp,
    iceTransport: { connection: { send: async () => undefined, canSendApplicationData: () => true,
      nominated: { packetsSent: 0, bytesSent: 0, localCandidate: cand, remoteCandidate: cand, protocol: { type: 'stun', transport } } } },
  };
  const sender = {
    dtlsTransport: dtls, ssrc: 0x11223344, codec: { payloadType: 96 }, seqOffset: 0, timestampOffset: 0,
    rtpTimestamp: 0, octetCount: 0, packetCount: 0, headerBytesSent: 0, rtcpRunning: true,
    rtxSsrc: 1, rtxSequenceNumber: 0, retransmittedPacketsSent: 0, retransmittedBytesSent: 0, mid: '1', ntpTimestamp: 0n,
    runRtcp: async () => undefined,
  };
  const out = new RtpOut(sender);
  const exts = [{ id: 1, uri: EXT_MID }, { id: 2, uri: EXT_ABS }, { id: 3, uri: EXT_TWCC }];
  const e = { audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoFlipped: false, videoBackCamera: false, minDelay: -1, maxDelay: -1 };
  const src = Buffer.alloc(1500);
  const len = new RtpPacket(new RtpHeader({ payloadType: 100, sequenceNumber: 0, timestamp: 0, ssrc: 5 }), randomBytes(1100)).serialize().copy(src);
  let seq = 0;
  const outbound: number[] = [];
  const outboundNoSocket: number[] = [];
  const inbound: number[] = [];
  const parseOnly: number[] = [];
  const wire = new RtpPacket(new RtpHeader({ payloadType: 100, sequenceNumber: 7, timestamp: 9, ssrc: 5, extension: true, extensions: [{ id: 1, payload: Buffer.from('0') }] }), randomBytes(1100)).serialize();
  const raw = adapter.rawRtpOf;
  let sinkLen = 0;
  for (let r = 0; r < ROUNDS; r++) {
    // outbound, in bursts of 50 with a turn of the event loop between (the socket sends on nextTick)
    // (the whole loop is timed: the datagrams leave in the event-loop turns between bursts)
    const t0 = process.cpuUsage();
    for (let i = 0; i < N; i += 50) {
      for (let j = 0; j < 50; j++) {
        src.writeUInt16BE(seq++ & 0xffff, 2);
        out.send(src, len, e, exts);
      }
      await new Promise((res) => setImmediate(res));
    }
    const t = process.cpuUsage(t0);
    outbound.push((t.user + t.system) / N);
    // the core's own work: the same chain with a socket stub (no dgram/kernel send)
    transport.socket = stub;
    outboundNoSocket.push(
      cpuUs(() => {
        for (let i = 0; i < N; i++) {
          src.writeUInt16BE(seq++ & 0xffff, 2);
          out.send(src, len, e, exts);
        }
      }) / N,
    );
    transport.socket = sock;
    await new Promise((res) => setImmediate(res));
    parseOnly.push(
      cpuUs(() => {
        for (let i = 0; i < N; i++) sinkLen += RtpPacket.deSerialize(wire).payload.length;
      }) / N,
    );
    inbound.push(
      cpuUs(() => {
        for (let i = 0; i < N; i++) {
          const p = RtpPacket.deSerialize(wire);
          const b = (raw && raw(p)) ?? p.serialize();
          sinkLen += b.length;
        }
      }) / N,
    );
  }
  const fmt = (a: number[]) => {
    const v = [...a].sort((x, y) => x - y);
    return { min: +v[0].toFixed(2), median: +v[v.length >> 1].toFixed(2), max: +v[v.length - 1].toFixed(2) };
  };
  console.log(JSON.stringify({ root, packets: N, rounds: ROUNDS, outboundUsPerPacket: fmt(outbound), outboundNoSocketUsPerPacket: fmt(outboundNoSocket), inboundUsPerPacket: fmt(inbound), weriftParseOnlyUsPerPacket: fmt(parseOnly), inboundPath: raw ? 'decrypted bytes' : 're-serialise', sinkLen: sinkLen > 0 }));
  sock.close();
  sink.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
