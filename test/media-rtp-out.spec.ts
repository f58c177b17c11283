import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { RtpHeader, RtpPacket, SrtpSession, type RTCRtpSender } from 'werift';
import { EXT } from '../core/media/codecs';
import { ntpOfMs, RtpOut } from '../core/media/rtp-out';

const noExt = { audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoFlipped: false, videoBackCamera: false, minDelay: -1, maxDelay: -1 };

/** A werift sender/DTLS pair reduced to what RtpOut reads, with a real SRTP session. */
function rig(opts: { rtx?: boolean; profile?: number } = {}) {
  const k1 = randomBytes(16), s1 = randomBytes(14), k2 = randomBytes(16), s2 = randomBytes(14);
  const profile = opts.profile ?? 7;
  const ours = new SrtpSession({ keys: { localMasterKey: k1, localMasterSalt: s1, remoteMasterKey: k2, remoteMasterSalt: s2 }, profile } as never);
  const peer = new SrtpSession({ keys: { localMasterKey: k2, localMasterSalt: s2, remoteMasterKey: k1, remoteMasterSalt: s1 }, profile } as never);
  const sent: Buffer[] = [];
  const rtcp: Buffer[] = [];
  let rtcpWaiter: (() => void) | undefined;
  const dtls = {
    sendRtcp: async (packets: Array<{ serialize(): Buffer }>) => {
      rtcp.push(Buffer.concat(packets.map((x) => x.serialize())));
      rtcpWaiter?.();
    },
    state: 'connected', transportSequenceNumber: 10, bytesSent: 0, packetsSent: 0, srtp: ours,
    iceTransport: { connection: { send: async (b: Buffer) => void sent.push(b) } },
  };
  const sender = {
    dtlsTransport: dtls, ssrc: 0x11223344, codec: { payloadType: 96 }, seqOffset: 0, timestampOffset: 0,
    rtpTimestamp: 0, octetCount: 0, packetCount: 0, headerBytesSent: 0, rtcpRunning: true,
    rtxPayloadType: opts.rtx ? 97 : undefined, rtxSsrc: 0x55667788, rtxSequenceNumber: 65535,
    retransmittedPacketsSent: 0, retransmittedBytesSent: 0, mid: '1', ntpTimestamp: 0n, cname: 'janus-ts', stopped: false,
    runRtcp: async () => undefined,
  };
  const exts = [
    { id: 3, uri: EXT.absSendTime }, { id: 1, uri: EXT.mid }, { id: 5, uri: EXT.twcc }, { id: 4, uri: EXT.playoutDelay }, { id: 9, uri: 'urn:unknown' },
  ];
  const out = new RtpOut(sender as unknown as RTCRtpSender);
  const nextRtcp = () => new Promise<Buffer>((resolve) => (rtcpWaiter = () => resolve(rtcp[rtcp.length - 1])));
  return { out, sender, dtls, sent, peer, exts, nextRtcp };
}

let lastLength = 0;
function source(seq: number, payload: Buffer, opts: { csrc?: number; ext?: boolean; marker?: boolean } = {}): Buffer {
  const p = new RtpPacket(
    new RtpHeader({
      payloadType: 100, sequenceNumber: seq, timestamp: 1000 + seq, ssrc: 0xdeadbeef, marker: !!opts.marker,
      csrc: opts.csrc ? [opts.csrc] : [], extension: !!opts.ext, extensionProfile: 0xbede,
      extensions: opts.ext ? [{ id: 7, payload: Buffer.from([1, 2, 3]) }] : [],
    }),
    payload,
  );
  // a bigger buffer than the packet, as plugins hand theirs
  const b = Buffer.alloc(1500, 0xee);
  lastLength = p.serialize().copy(b);
  return b;
}

describe('Media stack: the lean RTP sending path (rtp-out.ts)', () => {
  it('sends SRTP (AES-GCM) a werift peer decrypts: our SSRC/PT, the core\'s extensions only, same payload', () => {
    const r = rig();
    const payload = randomBytes(900);
    const src = source(500, payload, { csrc: 0xabcdef01, ext: true, marker: true });
    const len = lastLength;
    assert.equal(r.out.send(src, len, { ...noExt, minDelay: 10, maxDelay: 20 }, r.exts), true);
    assert.equal(r.sent.length, 1);
    const plain = RtpPacket.deSerialize(r.peer.decrypt(r.sent[0]));
    const h = plain.header;
    assert.equal(h.ssrc, 0x11223344);
    assert.equal(h.payloadType, 96);
    assert.equal(h.sequenceNumber, 500);
    assert.equal(h.timestamp, 1500);
    assert.equal(h.marker, true);
    assert.deepEqual(h.csrc, [0xabcdef01]);
    assert.deepEqual(h.extensions.map((e) => e.id), [1, 3, 4, 5]);
    assert.equal(h.extensions[0].payload.toString(), '1');
    assert.deepEqual([...h.extensions[2].payload], [0, 0xa0, 0x14]);
    assert.equal(h.extensions[3].payload.readUInt16BE(0), 11);
    assert.equal(r.dtls.transportSequenceNumber, 11);
    assert.deepEqual(plain.payload, payload);
    // werift's counters for its sender reports
    assert.equal(r.sender.packetCount, 1);
    assert.equal(r.sender.octetCount, 900);
    assert.equal(r.sender.rtpTimestamp, 1500);
    const ntp = (r.sender as unknown as { ntpTimestamp: bigint }).ntpTimestamp;
    const ms = Number(ntp >> 32n) * 1000 - 2208988800000;
    assert.ok(Math.abs(ms - Date.now()) < 2000, `NTP time ${ntp}`);
  });

  it('follows the rollover counter across a sequence wrap, and retransmits with the right one', () => {
    const r = rig();
    const pl = (i: number) => Buffer.alloc(100, i);
    const seqs = [65533, 65534, 65535, 0, 1, 2];
    for (const s of seqs) r.out.send(source(s, pl(s & 0xff)), 12 + 100, noExt, []);
    for (let i = 0; i < seqs.length; i++) {
      const p = RtpPacket.deSerialize(r.peer.decrypt(r.sent[i]));
      assert.equal(p.header.sequenceNumber, seqs[i]);
      assert.deepEqual(p.payload, pl(seqs[i] & 0xff));
      assert.equal(p.header.extension, false);
    }
    // a NACK for packets before and after the wrap: both decrypt (wrong ROC = auth failure)
    assert.equal(r.out.retransmit([65535, 1, 4242]), 2);
    const a = RtpPacket.deSerialize(r.peer.decrypt(r.sent[6]));
    assert.equal(a.header.sequenceNumber, 65535);
    assert.deepEqual(a.payload, pl(0xff));
    const b = RtpPacket.deSerialize(r.peer.decrypt(r.sent[7]));
    assert.equal(b.header.sequenceNumber, 1);
    assert.equal(r.sender.retransmittedPacketsSent, 2);
  });

  it('wraps retransmissions in RTX (RFC 4588) when negotiated', () => {
    const r = rig({ rtx: true });
    const payload = randomBytes(300);
    r.out.send(source(77, payload), 12 + 300, noExt, r.exts);
    assert.equal(r.out.retransmit([77]), 1);
    const p = RtpPacket.deSerialize(r.peer.decrypt(r.sent[1]));
    assert.equal(p.header.ssrc, 0x55667788);
    assert.equal(p.header.payloadType, 97);
    assert.equal(p.header.sequenceNumber, 65535);
    assert.equal(p.payload.readUInt16BE(0), 77);
    assert.deepEqual(p.payload.subarray(2), payload);
    assert.equal(r.sender.rtxSequenceNumber, 0);
    // the next one after the RTX sequence wrap still decrypts
    r.out.retransmit([77]);
    assert.equal(RtpPacket.deSerialize(r.peer.decrypt(r.sent[2])).header.sequenceNumber, 0);
  });

  it('leaves other SRTP profiles to werift, and ignores truncated packets', () => {
    const r = rig({ profile: 1 });
    assert.equal(r.out.send(source(1, Buffer.alloc(10)), 22, noExt, []), false);
    const g = rig();
    const bad = Buffer.from('90000001000000000000000000', 'hex'); // X bit, no room for the extension header
    assert.equal(g.out.send(bad, bad.length, noExt, []), true);
    assert.equal(g.sent.length, 0);
  });

  it('sends a sender report (SR + SDES CNAME) each second with the chain\'s counters, not werift\'s loop', async () => {
    const r = rig();
    const payloads = [randomBytes(100), randomBytes(200), randomBytes(300)];
    payloads.forEach((pl, i) => {
      const b = source(900 + i, pl);
      r.out.send(b, lastLength, noExt, r.exts);
    });
    assert.equal(r.sender.rtcpRunning, true, "werift's own loop stays off");
    const sr = await r.nextRtcp();
    assert.equal(sr[1], 200);
    assert.equal(sr.readUInt32BE(4), 0x11223344);
    assert.equal(sr.readUInt32BE(16), 1000 + 902, 'RTP time of the last packet');
    assert.equal(sr.readUInt32BE(20), 3, 'packet count');
    assert.equal(sr.readUInt32BE(24), 600, 'octet count (payload bytes)');
    const ntp = sr.readBigUInt64BE(8);
    assert.ok(Math.abs(Number(ntp >> 32n) - 2208988800 - Date.now() / 1000) < 5, 'NTP time is now');
    assert.equal(sr[29], 202, 'SDES follows');
    assert.equal(sr[36], 1, 'CNAME item');
    assert.equal(sr.subarray(38, 38 + sr[37]).toString(), 'janus-ts');
    assert.equal(sr.length, 28 + 4 * (sr.readUInt16BE(30) + 1));
    assert.equal((r.sender as unknown as { lastSRtimestamp: number }).lastSRtimestamp, Number((ntp >> 16n) & 0xffffffffn));
    (r.sender as { stopped: boolean }).stopped = true;
  });

  it('converts epoch milliseconds to NTP time', () => {
    assert.equal(ntpOfMs(0), 2208988800n << 32n);
    assert.equal(ntpOfMs(1500), ((2208988801n) << 32n) | 2147483648n);
  });
});

describe('Media stack: consent freshness tolerance', () => {
  it('waits 3 s for a consent response (a busy event loop does not fail the pair)', () => {
    const { relaxConsentResponseTimeout } = require('../core/media/ice-config') as typeof import('../core/media/ice-config');
    relaxConsentResponseTimeout();
    const w = require('werift') as { consentResponseTimeoutMs(rtt?: number): number };
    assert.equal(w.consentResponseTimeoutMs(0.001), 3000);
    assert.equal(w.consentResponseTimeoutMs(undefined), 3000);
    assert.equal(w.consentResponseTimeoutMs(2), 4200);
  });
});
