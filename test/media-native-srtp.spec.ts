import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import { once } from 'node:events';
import { RtpHeader, RtpPacket, SrtpSession, type RTCRtpSender } from 'werift';
import { EXT } from '../core/media/codecs';
import { configureNativeSrtp, loadNativeSrtp, nativeSrtp, type NativeSrtpAddon } from '../core/media/outbound/native-send';
import { RtpOut } from '../core/media/rtp-out';

const noExt = { audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoFlipped: false, videoBackCamera: false, minDelay: -1, maxDelay: -1 };

async function udp(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

/** A sender whose DTLS transport has a real SRTP session and a nominated plain-UDP pair on loopback. */
async function rig(opts: { rtx?: boolean } = {}) {
  const k1 = randomBytes(16), s1 = randomBytes(12), k2 = randomBytes(16), s2 = randomBytes(12);
  const keys = (a: Buffer, b: Buffer, c: Buffer, d: Buffer) => ({ keys: { localMasterKey: a, localMasterSalt: b, remoteMasterKey: c, remoteMasterSalt: d }, profile: 7 }) as never;
  const ours = new SrtpSession(keys(k1, s1, k2, s2));
  const peer = new SrtpSession(keys(k2, s2, k1, s1));
  const local = await udp();
  const remote = await udp();
  const received: Buffer[] = [];
  remote.on('message', (m) => received.push(m));
  const viaWerift: Buffer[] = [];
  const pair = {
    packetsSent: 0, bytesSent: 0,
    localCandidate: { host: '127.0.0.1', port: local.address().port, type: 'host', transport: 'udp' },
    remoteCandidate: { host: '127.0.0.1', port: remote.address().port, type: 'host', transport: 'udp' },
    protocol: { type: 'stun', transport: { type: 'udp', closed: false, socket: local } },
  };
  const conn = { nominated: pair, canSendApplicationData: () => true, send: async (b: Buffer) => void viaWerift.push(b) };
  const dtls = { sendRtcp: async () => undefined, state: 'connected', transportSequenceNumber: 1, bytesSent: 0, packetsSent: 0, srtp: ours, iceTransport: { connection: conn } };
  const sender = {
    dtlsTransport: dtls, ssrc: 0x91223344, codec: { payloadType: 96 }, rtpTimestamp: 0, octetCount: 0, packetCount: 0,
    headerBytesSent: 0, rtcpRunning: true, rtxPayloadType: opts.rtx ? 97 : undefined, rtxSsrc: 0x55667788,
    rtxSequenceNumber: 65535, retransmittedPacketsSent: 0, retransmittedBytesSent: 0, mid: '0', ntpTimestamp: 0n,
    runRtcp: async () => undefined,
  };
  const out = new RtpOut(sender as unknown as RTCRtpSender);
  const exts = [{ id: 1, uri: EXT.mid }, { id: 3, uri: EXT.twcc }];
  const close = () => {
    local.close();
    remote.close();
  };
  /** Resolves when `n` datagrams have arrived in all. */
  const arrived = async (n: number) => {
    while (received.length < n) await once(remote, 'message');
  };
  return { out, sender, dtls, pair, peer, received, viaWerift, exts, local, arrived, close };
}

function packet(seq: number, payload: Buffer): { buf: Buffer; length: number } {
  const p = new RtpPacket(new RtpHeader({ payloadType: 100, sequenceNumber: seq, timestamp: 90 * seq, ssrc: 0xdeadbeef }), payload);
  const buf = Buffer.alloc(1500, 0xee);
  return { buf, length: p.serialize().copy(buf) };
}

describe('Media stack: the native outbound SRTP stage (srtp_gcm_send.c)', () => {
  let addon: NativeSrtpAddon;
  before(() => {
    // CI builds it (`npm run build` with the C compiler .ci/run installs): missing is a failure here
    assert.equal(loadNativeSrtp(), undefined, 'the native addon loads');
    assert.equal(configureNativeSrtp(true), undefined);
    addon = nativeSrtp()!;
  });
  after(() => configureNativeSrtp(false));

  it('sends SRTP a werift peer decrypts, to the pair\'s address from the pair\'s socket, across a sequence wrap', async () => {
    const r = await rig();
    const seqs = [65533, 65534, 65535, 0, 1, 2];
    const payloads = seqs.map(() => randomBytes(700));
    seqs.forEach((seq, i) => {
      const p = packet(seq, payloads[i]);
      assert.equal(r.out.send(p.buf, p.length, noExt, r.exts), true);
    });
    await r.arrived(seqs.length);
    assert.equal(r.viaWerift.length, 0, 'nothing through werift');
    r.received.forEach((d, i) => {
      // the peer's context tracks the rollover counter: packets after the wrap only decrypt with ROC 1
      const plain = RtpPacket.deSerialize(r.peer.decrypt(d));
      assert.equal(plain.header.sequenceNumber, seqs[i]);
      assert.equal(plain.header.ssrc, 0x91223344);
      assert.deepEqual(plain.payload, payloads[i]);
    });
    assert.equal(r.pair.packetsSent, seqs.length);
    assert.equal(r.dtls.packetsSent, seqs.length);
    assert.equal(r.pair.bytesSent, r.received.reduce((n, d) => n + d.length, 0));
    r.close();
  });

  it('retransmits from the history through the same stage, RTX-wrapped when negotiated', async () => {
    const r = await rig({ rtx: true });
    const payload = randomBytes(300);
    const p = packet(4000, payload);
    r.out.send(p.buf, p.length, noExt, r.exts);
    assert.equal(r.out.retransmit([4000, 4001]), 1);
    await r.arrived(2);
    const rtx = RtpPacket.deSerialize(r.peer.decrypt(r.received[1]));
    assert.equal(rtx.header.ssrc, 0x55667788);
    assert.equal(rtx.header.payloadType, 97);
    assert.equal(rtx.payload.readUInt16BE(0), 4000);
    assert.deepEqual(rtx.payload.subarray(2), payload);
    r.close();
  });

  it('sends nothing on a closed socket, and nothing without consent', async () => {
    const r = await rig();
    r.pair.protocol.transport.closed = true;
    const p = packet(10, randomBytes(100));
    r.out.send(p.buf, p.length, noExt, r.exts);
    r.pair.protocol.transport.closed = false;
    (r.dtls.iceTransport.connection as { canSendApplicationData: () => boolean }).canSendApplicationData = () => false;
    r.out.send(p.buf, p.length, noExt, r.exts);
    r.local.close();
    (r.dtls.iceTransport.connection as { canSendApplicationData: () => boolean }).canSendApplicationData = () => true;
    r.pair.protocol.transport.closed = true;
    r.out.send(p.buf, p.length, noExt, r.exts);
    assert.equal(r.pair.packetsSent, 0);
    assert.equal(r.viaWerift.length, 0);
    r.close = () => undefined;
  });

  it('rejects bad arguments with a TypeError, never reading past a buffer', async () => {
    const ctx = addon.gcmContext(randomBytes(16), randomBytes(12));
    const s = await udp();
    const addr = addon.sockaddr('127.0.0.1', 9)!;
    const fd = 0;
    const buf = Buffer.alloc(100);
    const bad: Array<() => unknown> = [
      () => addon.gcmContext(randomBytes(15), randomBytes(12)),
      () => addon.gcmContext(randomBytes(16), randomBytes(11)),
      () => addon.gcmContext('k' as never, randomBytes(12)),
      () => addon.protectSend(ctx, fd, addr, buf, 12, 101, 1, 0, 1),
      () => addon.protectSend(ctx, fd, addr, buf, 11, 100, 1, 0, 1),
      () => addon.protectSend(ctx, fd, addr, buf, 50, 40, 1, 0, 1),
      () => addon.protectSend(ctx, -1, addr, buf, 12, 100, 1, 0, 1),
      () => addon.protectSend(ctx, fd, Buffer.alloc(3), buf, 12, 100, 1, 0, 1),
      () => addon.protectSend({}, fd, addr, buf, 12, 100, 1, 0, 1),
      () => addon.protectSend(ctx, fd, addr, Buffer.alloc(3000), 12, 3000, 1, 0, 1),
      () => (addon.protectSend as (...a: unknown[]) => number)(ctx, fd),
      () => addon.sockaddr(1 as never, 5),
      () => addon.sockaddr('127.0.0.1', 70000),
    ];
    for (const f of bad) assert.throws(f, TypeError);
    assert.equal(addon.sockaddr('not an address', 5), undefined);
    assert.equal(addon.sockaddr('::1', 5)!.length, 28);
    s.close();
  });
});
