/**
 * The cheap subscriber for the fan-out bench ("lite" client): werift still does ICE and DTLS, but
 * once SRTP keys exist the RTP datagrams of a PeerConnection bypass werift's per-packet pipeline
 * (SRTP decrypt + auth, RtpPacket parse, router, receiver stats, NACK generator, track events,
 * a packet clone per track). Instead each datagram's cleartext RTP header is read (SSRC, sequence
 * number) and only the first 32 bytes of its payload are decrypted, with the SRTP session key of
 * werift's own key derivation and one AES-ECB keystream computation per packet (two counter
 * blocks), enough to read the bench's stamp (stream tag, send time, packet number). The auth tag
 * is not checked: the bench measures delivery and delay, not integrity.
 *
 * Minimal RTCP as a browser would send: a receiver report per PeerConnection every second
 * (extended highest sequence number per SSRC; loss and jitter left 0) and one PLI per video SSRC
 * when it first appears. No NACK: a lost packet stays lost, so delivery is the raw figure.
 * Incoming SRTCP (the server's sender reports) is counted and dropped.
 *
 * Profiles: AEAD_AES_128_GCM (RFC 7714) and AES_CM_128_HMAC_SHA1_80 (RFC 3711), the two werift
 * offers. Patches RTCDtlsTransport.prototype.startSrtp in the process that calls installLitePath().
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import { PictureLossIndication, RTCDtlsTransport, RtcpPayloadSpecificFeedback, RtcpReceiverInfo, RtcpRrPacket, type RTCPeerConnection } from 'werift';

/** What a subscriber does with one packet's stamp (see fanout-worker.ts's publisher). */
export type StampSink = (tag: number, sentAt: number, n: number) => void;

const PROFILE_AES_CM = 0x0001;
const PROFILE_GCM = 0x0007;

interface SsrcState {
  ssrc: number;
  lastSeq: number;
  roc: number;
  started: boolean;
}

/** The private parts of werift 0.24.4's RTCDtlsTransport this file uses. */
interface DtlsTransportInternals {
  srtpStarted: boolean;
  state: string;
  updateSrtpSession(): void;
  srtp: { remoteContext: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer; profile: number } };
  iceTransport: { connection: { onData: { subscribe(f: (d: Buffer) => void): unknown } } };
  sendRtcp(packets: unknown[]): Promise<unknown>;
}

const sinks = new WeakMap<object, StampSink>();
/** Datagrams per kind across the process: [rtp, rtcp in, undecodable]. */
export const liteCounters = { rtp: 0, rtcpIn: 0, short: 0 };

/** Route the RTP of this PeerConnection's (bundled) DTLS transport to `sink`. */
export function bindLiteSink(pc: RTCPeerConnection, sink: StampSink): void {
  for (const t of pc.getTransceivers()) sinks.set(t.dtlsTransport as unknown as object, sink);
}

let installed = false;

export function installLitePath(): void {
  if (installed) return;
  installed = true;
  const proto = RTCDtlsTransport.prototype as unknown as DtlsTransportInternals & { startSrtp(): void };
  if (typeof proto.startSrtp !== 'function' || typeof proto.updateSrtpSession !== 'function') {
    throw new Error('werift RTCDtlsTransport.startSrtp/updateSrtpSession not found (expects werift 0.24.4)');
  }
  proto.startSrtp = function (this: DtlsTransportInternals) {
    if (this.srtpStarted) return;
    this.srtpStarted = true;
    this.updateSrtpSession();
    startLite(this);
  };
}

function startLite(t: DtlsTransportInternals): void {
  const ctx = t.srtp.remoteContext;
  const gcm = ctx.profile === PROFILE_GCM;
  if (!gcm && ctx.profile !== PROFILE_AES_CM) throw new Error(`lite client: SRTP profile ${ctx.profile} not supported`);
  const ecb: Cipher = createCipheriv('aes-128-ecb', ctx.srtpSessionKey, null);
  ecb.setAutoPadding(false);
  const salt = Buffer.from(ctx.srtpSessionSalt);
  const blocks = Buffer.alloc(32);
  const ssrcs = new Map<number, SsrcState>();
  const rtcpSsrc = (Math.random() * 0xffffffff) >>> 0;
  let sink: StampSink | undefined;

  const rr = setInterval(() => {
    if (t.state === 'closed' || t.state === 'failed') return clearInterval(rr);
    if (ssrcs.size === 0) return;
    const reports = [...ssrcs.values()].map(
      (s) => new RtcpReceiverInfo({ ssrc: s.ssrc, fractionLost: 0, packetsLost: 0, highestSequence: ((s.roc << 16) | s.lastSeq) >>> 0, jitter: 0, lsr: 0, dlsr: 0 }),
    );
    t.sendRtcp([new RtcpRrPacket({ ssrc: rtcpSsrc, reports })]).catch(() => undefined);
  }, 1000);
  rr.unref();

  t.iceTransport.connection.onData.subscribe((data: Buffer) => {
    const b0 = data[0];
    if (b0 < 128 || b0 > 191) return; // not RTP/RTCP (DTLS, STUN)
    const pt = data[1] & 0x7f;
    if (pt >= 64 && pt <= 95) {
      liteCounters.rtcpIn++; // RTCP (RFC 5761 demultiplexing)
      return;
    }
    const cc = b0 & 0x0f;
    let h = 12 + 4 * cc;
    if (b0 & 0x10) {
      if (data.length < h + 4) return void liteCounters.short++;
      h += 4 + 4 * data.readUInt16BE(h + 2);
    }
    // payload must hold the 20-byte stamp, plus the auth tag (16 GCM, 10 AES-CM)
    if (data.length < h + 20 + (gcm ? 16 : 10)) return void liteCounters.short++;
    liteCounters.rtp++;
    const seq = data.readUInt16BE(2);
    const ssrc = data.readUInt32BE(8);
    let s = ssrcs.get(ssrc);
    if (!s) ssrcs.set(ssrc, (s = { ssrc, lastSeq: seq, roc: 0, started: false }));
    // rollover counter (RFC 3711 3.3.1, simplified: in-order stream with small reordering)
    let roc = s.roc;
    const d = seq - s.lastSeq;
    if (d < -0x8000) {
      roc = s.roc = (s.roc + 1) >>> 0;
      s.lastSeq = seq;
    } else if (d > 0x8000) {
      roc = (s.roc - 1) >>> 0; // late packet from before the rollover
    } else if (d > 0) s.lastSeq = seq;
    // counter blocks for the first 32 bytes of the encrypted payload
    if (gcm) {
      // IV = (0^16 | SSRC | ROC | SEQ) XOR salt[0..12]; payload starts at counter 2
      blocks.writeUInt16BE(0, 0);
      blocks.writeUInt32BE(ssrc, 2);
      blocks.writeUInt32BE(roc, 6);
      blocks.writeUInt16BE(seq, 10);
      for (let i = 0; i < 12; i++) blocks[i] ^= salt[i];
      blocks.copy(blocks, 16, 0, 12);
      blocks.writeUInt32BE(2, 12);
      blocks.writeUInt32BE(3, 28);
    } else {
      // IV = salt<<16 XOR SSRC<<64 XOR index<<16, block counter in the low 16 bits
      salt.copy(blocks, 0, 0, 14);
      blocks[14] = 0;
      blocks[15] = 0;
      blocks[4] ^= ssrc >>> 24;
      blocks[5] ^= (ssrc >>> 16) & 0xff;
      blocks[6] ^= (ssrc >>> 8) & 0xff;
      blocks[7] ^= ssrc & 0xff;
      blocks[8] ^= roc >>> 24;
      blocks[9] ^= (roc >>> 16) & 0xff;
      blocks[10] ^= (roc >>> 8) & 0xff;
      blocks[11] ^= roc & 0xff;
      blocks[12] ^= seq >>> 8;
      blocks[13] ^= seq & 0xff;
      blocks.copy(blocks, 16, 0, 16);
      blocks[31] = 1;
    }
    const ks = ecb.update(blocks);
    for (let i = 4; i < 20; i++) ks[i] ^= data[h + i];
    const tag = ks.readUInt32BE(4);
    if (!s.started) {
      s.started = true;
      // a browser asks for a key frame when a video stream starts
      if (tag === 2) {
        const pli = new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: rtcpSsrc, mediaSsrc: ssrc }) });
        t.sendRtcp([pli]).catch(() => undefined);
      }
    }
    sink ??= sinks.get(t);
    if (sink) sink(tag, ks.readDoubleBE(8), ks.readUInt32BE(16));
  });
}
