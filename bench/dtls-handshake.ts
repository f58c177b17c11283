/**
 * DTLS handshakes per second in one process: werift's DtlsClient and DtlsServer (as our
 * PeerConnections use them: ECDSA P-256 certificate, extended master secret, SRTP profiles,
 * certificate request) over an in-memory datagram pair, `concurrency` handshakes at a time,
 * `count` in all. Both ends run here, so each handshake costs the client's and the server's work.
 *
 *   npm run build && node dist/bench/dtls-handshake.js [--js] [--curve x25519|p256] [--count 300] [--concurrency 10]
 *   node dist/bench/dtls-handshake.js [--js] --pc 20     # 20 werift PeerConnection pairs on loopback, all at once
 *
 * --pc N measures the whole connection (ICE on 127.0.0.1, DTLS, SRTP keys), closer to a join
 * storm: the time until all N pairs are connected and the CPU it took.
 *
 * --js keeps werift's JavaScript curves (tweetnacl, @noble/curves) for the "before" figure;
 * by default core/media/werift-adapter.ts moves ECDHE to node:crypto (OpenSSL).
 */
import * as path from 'node:path';
import { DtlsClient, DtlsServer, RTCDtlsTransport, RTCPeerConnection } from 'werift';
import { installWeriftAdapter } from '../core/media/werift-adapter';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : dflt;
}
const JS = process.argv.includes('--js');
const CURVE = arg('curve', 'x25519');
const COUNT = Math.min(5000, Number(arg('count', '300')));
const CONCURRENCY = Math.min(500, Number(arg('concurrency', '10')));
const PC_PAIRS = Math.min(200, Number(arg('pc', '0')));

/** One end of an in-memory datagram link (werift's DTLS transport interface). */
interface End {
  onData?: (buf: Buffer) => void;
  send(buf: Buffer): Promise<void>;
  close(): void;
}
function link(): [End, End] {
  const a: End = { send: async (buf) => void setImmediate(() => b.onData?.(buf)), close: () => undefined };
  const b: End = { send: async (buf) => void setImmediate(() => a.onData?.(buf)), close: () => undefined };
  return [a, b];
}

async function handshake(cert: { certPem: string; privateKey: string; signatureHash: unknown }): Promise<void> {
  const [ca, sa] = link();
  const common = { cert: cert.certPem, key: cert.privateKey, signatureHash: cert.signatureHash as never, srtpProfiles: [7, 1] as Array<1 | 7>, extendedMasterSecret: true };
  const server = new DtlsServer({ ...common, transport: sa as never, certificateRequest: true });
  const client = new DtlsClient({ ...common, transport: ca as never });
  const done = Promise.all([new Promise<void>((r) => server.onConnect.once(() => r())), new Promise<void>((r) => client.onConnect.once(() => r()))]);
  const failed = new Promise<never>((_, rej) => {
    server.onError.once((e: unknown) => rej(e));
    client.onError.once((e: unknown) => rej(e));
  });
  failed.catch(() => undefined); // an error after the handshake is not this bench's concern
  await client.connect();
  await Promise.race([done, failed]);
  client.close();
  server.close();
}

function loopbackPeer(): RTCPeerConnection {
  return new RTCPeerConnection({ iceServers: [], iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'], iceInterfaceAddresses: { udp4: '127.0.0.1' } as never });
}

/** N PeerConnection pairs (one data channel each, so DTLS and SCTP come up) connected at once. */
async function peerConnections(n: number): Promise<void> {
  const connected = (pc: RTCPeerConnection) =>
    new Promise<void>((resolve, reject) => {
      pc.connectionStateChange.subscribe((s) => (s === 'connected' ? resolve() : s === 'failed' ? reject(new Error('failed')) : undefined));
    });
  const pairs = Array.from({ length: n }, () => [loopbackPeer(), loopbackPeer()] as const);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    pairs.map(async ([a, b]) => {
      a.createDataChannel('x');
      const up = Promise.all([connected(a), connected(b)]);
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription!);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription!);
      await up;
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      dtlsCrypto: JS ? 'javascript (werift)' : 'node:crypto',
      peerConnectionPairs: n,
      secondsUntilAllConnected: +wall.toFixed(2),
      cpuMsPerPair: +((cpu.user + cpu.system) / 1000 / n).toFixed(1),
    }),
  );
  await Promise.all(pairs.flatMap(([a, b]) => [a.close(), b.close()]));
}

async function main(): Promise<void> {
  installWeriftAdapter({ nativeDtlsCrypto: !JS });
  if (PC_PAIRS > 0) {
    await RTCDtlsTransport.SetupCertificate();
    await peerConnections(2); // warm-up
    await peerConnections(PC_PAIRS);
    process.exit(0);
  }
  // the curve the client offers (werift offers X25519 first, as browsers do)
  const lib = path.join(path.dirname(require.resolve('werift')), '..', '..');
  const consts = require(path.join(lib, 'dtls/src/cipher/const.js')) as { NamedCurveAlgorithmList: number[] };
  consts.NamedCurveAlgorithmList.splice(0, consts.NamedCurveAlgorithmList.length, ...(CURVE === 'p256' ? [23] : [29]));
  const cert = await RTCDtlsTransport.SetupCertificate();

  for (let i = 0; i < 20; i++) await handshake(cert); // warm-up (JIT)
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < COUNT) {
      next++;
      await handshake(cert);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(
    JSON.stringify({
      dtlsCrypto: JS ? 'javascript (werift)' : 'node:crypto',
      curve: CURVE,
      handshakes: COUNT,
      concurrency: CONCURRENCY,
      wallSeconds: +wall.toFixed(2),
      handshakesPerSecond: +(COUNT / wall).toFixed(1),
      cpuMsPerHandshake: +(cpuMs / COUNT).toFixed(2),
    }),
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
