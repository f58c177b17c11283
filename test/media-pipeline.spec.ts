/**
 * The per-packet stages of core/media (inbound/, outbound/, rtp-out.ts) on real RTP packets and
 * real SRTP (werift's SrtpSession decrypts what we send).
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RtpHeader, RtpPacket, SrtpSession, type RTCRtpSender } from 'werift';
import type { RtpPacket as PluginRtp } from '../core/plugin-api';
import { EXT } from '../core/media/codecs';
import { InboundChain } from '../core/media/inbound/chain';
import { InPacket } from '../core/media/inbound/in-packet';
import { ExtensionsStage, RawBytesStage, ReceivingStage, SubstreamStage } from '../core/media/inbound/stages';
import { HeaderWriter } from '../core/media/outbound/header-writer';
import { NACK_HISTORY, NackHistory } from '../core/media/outbound/nack-history';
import { OutPacket } from '../core/media/outbound/out-packet';
import { SrtpSend } from '../core/media/outbound/srtp-send';
import { PeerStream } from '../core/media/peer-stream';
import { RtpOut } from '../core/media/rtp-out';
import { installWeriftAdapter } from '../core/media/werift-adapter';
import type { DtlsState } from '../core/media/werift-adapter/media';

const noExt = () => ({ audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoFlipped: false, videoBackCamera: false, minDelay: -1, maxDelay: -1 });

function rtpBytes(seq: number, payload: Buffer, opts: { csrc?: number[]; ext?: boolean; marker?: boolean; ssrc?: number; pt?: number } = {}): Buffer {
  return new RtpPacket(
    new RtpHeader({
      payloadType: opts.pt ?? 100, sequenceNumber: seq, timestamp: 90000 + seq * 3000, ssrc: opts.ssrc ?? 0xdeadbeef, marker: !!opts.marker,
      csrc: opts.csrc ?? [], extension: !!opts.ext, extensionProfile: 0xbede,
      extensions: opts.ext ? [{ id: 7, payload: Buffer.from([1, 2, 3]) }] : [],
    }),
    payload,
  ).serialize();
}

/** SRTP keys both ways and a DTLS transport whose nominated pair is plain UDP to a socket that records. */
function srtpRig() {
  const k1 = randomBytes(16), s1 = randomBytes(14), k2 = randomBytes(16), s2 = randomBytes(14);
  const ours = new SrtpSession({ keys: { localMasterKey: k1, localMasterSalt: s1, remoteMasterKey: k2, remoteMasterSalt: s2 }, profile: 7 } as never);
  const peer = new SrtpSession({ keys: { localMasterKey: k2, localMasterSalt: s2, remoteMasterKey: k1, remoteMasterSalt: s1 }, profile: 7 } as never);
  const datagrams: Buffer[][] = [];
  const cand = { host: '127.0.0.1', port: 5000, type: 'host', transport: 'udp' };
  const dtls = {
    sendRtcp: async () => undefined, state: 'connected', transportSequenceNumber: 0, bytesSent: 0, packetsSent: 0, srtp: ours,
    iceTransport: {
      connection: {
        send: async () => assert.fail('plain UDP pairs must not go through werift'),
        canSendApplicationData: () => true,
        nominated: {
          packetsSent: 0, bytesSent: 0, localCandidate: cand, remoteCandidate: cand,
          protocol: { type: 'stun', transport: { type: 'udp', closed: false, socket: { send: (parts: readonly Buffer[]) => datagrams.push([...parts]) } } },
        },
      },
    },
  };
  return { dtls, datagrams, peer, ours };
}

describe('Media pipeline: outbound stages', () => {
  it('HeaderWriter: our SSRC/PT and extensions, the plugin\'s seq/ts/marker/CSRC/payload unchanged', () => {
    const w = new HeaderWriter();
    assert.equal(w.prepare([{ id: 1, uri: EXT.mid }, { id: 2, uri: EXT.audioLevel }, { id: 9, uri: 'urn:x' }], '0'), true);
    const payload = randomBytes(500);
    const src = Buffer.alloc(1500, 0xee);
    const len = rtpBytes(4242, payload, { csrc: [0x01020304], ext: true, marker: true }).copy(src);
    const p = new OutPacket();
    p.src = src;
    p.srcLength = len;
    p.ext = { ...noExt(), audioLevel: 30, audioLevelVad: true };
    assert.equal(w.parse(p), true);
    p.out = Buffer.alloc(w.maxLength(p));
    w.write(p, 0x11223344, 111, () => 7);
    const out = RtpPacket.deSerialize(p.out.subarray(0, p.length));
    assert.equal(out.header.ssrc, 0x11223344);
    assert.equal(out.header.payloadType, 111);
    assert.equal(out.header.sequenceNumber, 4242);
    assert.equal(out.header.timestamp, 90000 + 4242 * 3000);
    assert.equal(out.header.marker, true);
    assert.deepEqual(out.header.csrc, [0x01020304]);
    // the source's extension (id 7) is gone; ours: mid "0" and audio level with the VAD bit
    assert.deepEqual(out.header.extensions.map((e) => [e.id, [...e.payload]]), [[1, [0x30]], [2, [0x80 | 30]]]);
    assert.deepEqual(out.payload, payload);
  });

  it('HeaderWriter: refuses packets it cannot frame, and two-byte extension ids', () => {
    const w = new HeaderWriter();
    const p = new OutPacket();
    p.ext = noExt();
    for (const bad of ['90000001000000000000000000', '4000000100000000', '8000']) {
      p.src = Buffer.from(bad, 'hex');
      p.srcLength = p.src.length;
      assert.equal(w.parse(p), false, bad);
    }
    // a length beyond the buffer
    p.src = rtpBytes(1, Buffer.alloc(10));
    p.srcLength = p.src.length + 1;
    assert.equal(w.parse(p), false);
    assert.equal(w.prepare([{ id: 15, uri: EXT.twcc }], '0'), false);
  });

  it('NackHistory: the slot a packet is built in keeps it until its sequence number comes round again', () => {
    const h = new NackHistory();
    const p = new OutPacket();
    const put = (seq: number, fill: number) => {
      p.seq = seq;
      h.reserve(p, 100);
      p.out.fill(fill, 0, 100);
      p.length = 100;
      h.commit(p);
    };
    put(10, 1);
    assert.deepEqual(h.find(10), Buffer.alloc(100, 1));
    assert.equal(h.find(11), undefined);
    put(10 + NACK_HISTORY, 2);
    assert.equal(h.find(10), undefined, 'overwritten slot still answers the old sequence number');
    // reserved but not committed: not a packet yet
    p.seq = 20;
    h.reserve(p, 100);
    assert.equal(h.find(20), undefined);
  });

  it('SrtpSend: AES-GCM a werift peer decrypts, sent as header view + ciphertext + tag (no assembled datagram)', () => {
    const r = srtpRig();
    const send = new SrtpSend(r.dtls as unknown as DtlsState);
    assert.equal(send.supported(), true);
    const slot = Buffer.alloc(1500);
    const plain = rtpBytes(65535, randomBytes(700), { ssrc: 0x11223344 });
    plain.copy(slot);
    send.send(slot, 12, plain.length, 0x11223344, 65535);
    assert.equal(r.datagrams.length, 1);
    const [hdr, enc, tag] = r.datagrams[0];
    assert.equal(hdr.buffer, slot.buffer, 'the header is not a view of the history slot');
    assert.equal(tag.length, 16);
    assert.deepEqual(r.peer.decrypt(Buffer.concat([hdr, enc, tag])), plain);
    // across the wrap the rollover counter moves: the next packet still decrypts
    const next = rtpBytes(0, randomBytes(50), { ssrc: 0x11223344 });
    send.send(next, 12, next.length, 0x11223344, 0);
    assert.deepEqual(r.peer.decrypt(Buffer.concat(r.datagrams[1])), next);
    assert.equal(r.dtls.packetsSent, 2);
    assert.equal(r.dtls.iceTransport.connection.nominated.packetsSent, 2);
  });

  it('RtpOut: never shifts the plugin\'s seq/ts, never keeps its buffer, and retransmits what it sent', () => {
    const r = srtpRig();
    const sender = {
      dtlsTransport: r.dtls, ssrc: 0x11223344, codec: { payloadType: 96 },
      // werift's offsets (replaceRTP) must not move what the plugin decided
      seqOffset: 1000, timestampOffset: 5000,
      rtpTimestamp: 0, octetCount: 0, packetCount: 0, headerBytesSent: 0, rtcpRunning: true,
      rtxSsrc: 0x55667788, rtxSequenceNumber: 0, retransmittedPacketsSent: 0, retransmittedBytesSent: 0, mid: '1', ntpTimestamp: 0n,
      runRtcp: async () => undefined,
    };
    const out = new RtpOut(sender as unknown as RTCRtpSender);
    const payload = randomBytes(400);
    const src = Buffer.alloc(1500);
    const len = rtpBytes(300, payload).copy(src);
    assert.equal(out.send(src, len, noExt(), [{ id: 1, uri: EXT.mid }]), true);
    src.fill(0); // the plugin reuses its buffer at once
    const sent = RtpPacket.deSerialize(r.peer.decrypt(Buffer.concat(r.datagrams[0])));
    assert.equal(sent.header.sequenceNumber, 300);
    assert.equal(sent.header.timestamp, 90000 + 300 * 3000);
    assert.deepEqual(sent.payload, payload);
    assert.equal(sender.packetCount, 1);
    assert.equal(sender.octetCount, 400);
    assert.equal(out.retransmit([300]), 1);
    const again = RtpPacket.deSerialize(r.peer.decrypt(Buffer.concat(r.datagrams[1])));
    assert.equal(again.header.sequenceNumber, 300);
    assert.deepEqual(again.payload, payload);
    assert.equal(sender.retransmittedPacketsSent, 1);
  });
});

describe('Media pipeline: inbound stages', () => {
  before(() => installWeriftAdapter());

  it('RawBytesStage: the decrypted bytes werift parsed, not a re-serialised copy; a packet werift built is serialised', () => {
    const bytes = rtpBytes(9, randomBytes(200), { ext: true });
    const p = new InPacket();
    p.rtp = RtpPacket.deSerialize(bytes);
    new RawBytesStage().process(p);
    assert.equal(p.buffer, bytes);
    // what werift makes itself (e.g. an RTX packet it unwrapped) has no bytes of its own
    const built = RtpPacket.deSerialize(bytes);
    p.rtp = new RtpPacket(new RtpHeader({ ...built.header, sequenceNumber: 10 }), built.payload);
    new RawBytesStage().process(p);
    assert.notEqual(p.buffer, bytes);
    assert.equal(RtpPacket.deSerialize(p.buffer).header.sequenceNumber, 10);
  });

  it('SubstreamStage + ReceivingStage: rid order and SSRCs give the substream; "receiving" once per substream', () => {
    const s = new PeerStream(1, '1', 'video');
    s.rids = ['h', 'm', 'l'];
    const seen: number[] = [];
    const sub = new SubstreamStage();
    const recv = new ReceivingStage((_s, n) => seen.push(n));
    const p = new InPacket();
    p.stream = s;
    for (const [rid, ssrc] of [['l', 1], ['h', 3], ['l', 1]] as const) {
      p.rid = rid;
      p.rtp = RtpPacket.deSerialize(rtpBytes(1, Buffer.alloc(10), { ssrc }));
      sub.process(p);
      recv.process(p);
    }
    assert.deepEqual(seen, [0, 2]);
    assert.deepEqual(s.peerSsrc, [1, 0, 3]);
  });

  it('ExtensionsStage: audio level, video orientation and playout delay as plugins read them; reset per packet', () => {
    const st = new ExtensionsStage();
    const p = new InPacket();
    p.ext = { [EXT.audioLevel]: { v: true, level: 42 }, [EXT.videoOrientation]: { c: 1, f: 0, r1: 1, r0: 1 }, [EXT.playoutDelay]: Buffer.from([0x01, 0x40, 0x20]) };
    st.process(p);
    assert.deepEqual({ ...p.extensions }, {
      audioLevel: 42, audioLevelVad: true, videoRotation: 270, videoBackCamera: true, videoFlipped: false, minDelay: 20, maxDelay: 32,
    });
    p.ext = undefined;
    st.process(p);
    assert.deepEqual({ ...p.extensions }, noExt());
  });

  it('InboundChain: counters, receiving and the plugin packet for a real packet; nothing held after the call', () => {
    const s = new PeerStream(0, '0', 'audio');
    const delivered: Array<{ length: number; sameBytes: boolean; level: number }> = [];
    const receiving: number[] = [];
    const bytes = rtpBytes(5, randomBytes(160));
    const chain = new InboundChain({
      streamOf: () => s,
      twcc: () => undefined,
      mediaReceiving: (_s, n) => receiving.push(n),
      rtp: (pkt: PluginRtp) => delivered.push({ length: pkt.length, sameBytes: pkt.buffer === bytes, level: pkt.extensions.audioLevel }),
      closed: () => false,
    });
    chain.receive(s, RtpPacket.deSerialize(bytes), { [EXT.audioLevel]: { v: false, level: 10 } }, undefined);
    chain.receive(s, RtpPacket.deSerialize(bytes), undefined, undefined);
    assert.deepEqual(delivered, [
      { length: bytes.length, sameBytes: true, level: 10 },
      { length: bytes.length, sameBytes: true, level: -1 },
    ]);
    assert.deepEqual(receiving, [0]);
    assert.equal(s.in.packets, 2);
    assert.equal(s.in.bytes, 2 * bytes.length);
  });
});
