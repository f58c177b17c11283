/**
 * The receiving end of a remote publisher (`add_remote_publisher`): one UDP port for all its RTP
 * (and data channel envelopes), one for RTCP. Streams are told apart by SSRC, Janus's scheme:
 * 1000 + mindex × 10 + simulcast substream. The RTCP port only learns where the source is (the
 * source's forwarder sends there first); keyframe requests for the source go back to that address.
 *
 * Anything arriving on these ports is untrusted: malformed packets, unknown SSRCs, failed SRTP
 * are dropped, never thrown. Per packet: no allocation of ours (node's dgram gives each datagram
 * its own Buffer).
 */
import * as dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import type { DataPacket, RtpPacket } from '../../../core/plugin-api';
import { SrtpReceiver, type SrtpSuite } from '../../../core/plugin-api';
import { isRtcp, writePli } from './rtcp-feedback';

export const REMOTE_BASE_SSRC = 1000;
export const REMOTE_SSRC_STEP = 10;

/** What the feed needs to know of a publisher stream. */
export interface FeedStream {
  readonly type: 'audio' | 'video' | 'data';
  readonly mindex: number;
  readonly mid: string;
  readonly simulcast: boolean;
}

/** Where the feed delivers: VideoRoom's publisher path. */
export interface FeedSink {
  stream(mindex: number): FeedStream | undefined;
  rtp(packet: RtpPacket): void;
  data(packet: DataPacket): void;
}

export interface FeedOptions {
  family: 'udp4' | 'udp6';
  /** Address to bind (an interface's, or any). */
  bindAddress?: string;
  /** Requested ports (0 or undefined: any free one). */
  port?: number;
  rtcpPort?: number;
  /** Multicast group to join on the RTP port. */
  mcast?: string;
  srtp?: { suite: SrtpSuite; key: Buffer };
}

/** Keyframe requests to one source are spaced at least this much (per m-line). */
const PLI_MIN_INTERVAL_MS = 100;

export class RemoteFeed {
  port = 0;
  rtcpPort = 0;
  /** performance.now() of the last valid RTP packet (0: none yet). */
  lastRtp = 0;
  /** Counters for the Admin API / tests. */
  readonly stats = { packets: 0, dropped: 0, plis: 0 };
  /** Per m-line ssrc-audio-level extension id (0: none), from the stream description. */
  readonly audioLevelExt: number[] = [];
  private readonly rtp: dgram.Socket;
  private readonly rtcp: dgram.Socket;
  private rtcpAddr?: { address: string; port: number };
  private readonly srtp?: SrtpReceiver;
  private readonly packet: RtpPacket = {
    mindex: 0,
    mid: '',
    video: false,
    buffer: Buffer.alloc(0),
    length: 0,
    substream: 0,
    extensions: { audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1 },
  };
  private readonly dataPacket: DataPacket = { label: '', binary: false, buffer: Buffer.alloc(0), length: 0 };
  private readonly pli = Buffer.alloc(12);
  private readonly lastPli: number[] = [];
  private closed = false;

  constructor(
    private readonly sink: FeedSink,
    private readonly opts: FeedOptions,
  ) {
    const sockOpts: dgram.SocketOptions = { type: opts.family, reuseAddr: opts.mcast !== undefined };
    this.rtp = dgram.createSocket(sockOpts);
    this.rtcp = dgram.createSocket(sockOpts);
    if (opts.srtp) this.srtp = new SrtpReceiver(opts.srtp.key, opts.srtp.suite);
    for (const s of [this.rtp, this.rtcp]) s.on('error', () => undefined);
    this.rtp.on('message', (msg) => this.onRtp(msg));
    this.rtcp.on('message', (msg, rinfo) => this.onRtcp(msg, rinfo));
  }

  /** Bind both ports; rejects (and closes) when a port can't be had. */
  async open(): Promise<void> {
    const bind = (s: dgram.Socket, port: number, address?: string) =>
      new Promise<number>((resolve, reject) => {
        const onErr = (err: Error) => reject(err);
        s.once('error', onErr);
        s.bind({ port, address, exclusive: true }, () => {
          s.off('error', onErr);
          resolve(s.address().port);
        });
      });
    try {
      this.port = await bind(this.rtp, this.opts.port ?? 0, this.opts.mcast ? undefined : this.opts.bindAddress);
      if (this.opts.mcast) this.rtp.addMembership(this.opts.mcast, this.opts.bindAddress);
      this.rtcpPort = await bind(this.rtcp, this.opts.rtcpPort ?? 0, this.opts.bindAddress);
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private onRtp(buf: Buffer): void {
    if (this.closed) return;
    const len = buf.length;
    // RTP version 2, and not RTCP (payload types 64-95 with the marker are RTCP's 192-223)
    if (len < 12 || (buf[0] & 0xc0) !== 0x80 || isRtcp(buf, len)) return this.drop();
    const ssrc = buf.readUInt32BE(8);
    if (ssrc < REMOTE_BASE_SSRC) return this.drop();
    const diff = ssrc - REMOTE_BASE_SSRC;
    const mindex = (diff / REMOTE_SSRC_STEP) | 0;
    const substream = diff - mindex * REMOTE_SSRC_STEP;
    const s = this.sink.stream(mindex);
    if (s === undefined || (!s.simulcast && substream > 0) || substream > 2) return this.drop();
    if (s.type === 'data') {
      // Janus's envelope: a bare RTP header, payload type 1 = binary; never SRTP
      const d = this.dataPacket;
      d.binary = (buf[1] & 0x7f) !== 0;
      d.buffer = buf.subarray(12);
      d.length = len - 12;
      this.lastRtp = performance.now();
      this.stats.packets++;
      this.sink.data(d);
      return;
    }
    let n = len;
    if (this.srtp !== undefined) {
      n = this.srtp.unprotectRtp(buf, len);
      if (n < 0) return this.drop();
    }
    const p = this.packet;
    p.mindex = mindex;
    p.mid = s.mid;
    p.video = s.type === 'video';
    p.buffer = buf;
    p.length = n;
    p.substream = substream;
    const ext = p.extensions;
    ext.audioLevel = -1;
    ext.audioLevelVad = false;
    const alId = this.audioLevelExt[mindex];
    if (!p.video && alId > 0) readAudioLevel(buf, n, alId, ext);
    this.lastRtp = performance.now();
    this.stats.packets++;
    this.sink.rtp(p);
  }

  private drop(): void {
    this.stats.dropped++;
  }

  /** Whatever arrives first on the RTCP port (RTP or RTCP) tells where the source is. */
  private onRtcp(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed || buf.length < 12 || (buf[0] & 0xc0) !== 0x80) return;
    const a = this.rtcpAddr;
    if (a === undefined || a.address !== rinfo.address || a.port !== rinfo.port) this.rtcpAddr = { address: rinfo.address, port: rinfo.port };
  }

  /** Ask the source for a keyframe on one video m-line (or all of them). */
  requestKeyframe(mindex: number | undefined, videoMindexes: readonly number[]): void {
    if (this.closed || this.rtcpAddr === undefined) return;
    const list = mindex === undefined ? videoMindexes : [mindex];
    const now = performance.now();
    for (const m of list) {
      if (now - (this.lastPli[m] ?? -Infinity) < PLI_MIN_INTERVAL_MS) continue;
      this.lastPli[m] = now;
      writePli(this.pli, REMOTE_BASE_SSRC + m * REMOTE_SSRC_STEP);
      this.stats.plis++;
      this.rtcp.send(this.pli, 0, 12, this.rtcpAddr.port, this.rtcpAddr.address);
    }
  }

  get latched(): boolean {
    return this.rtcpAddr !== undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [this.rtp, this.rtcp]) {
      try {
        s.close();
      } catch {
        // never bound
      }
    }
  }
}

/** ssrc-audio-level (RFC 6464) from a one-byte (0xBEDE) or two-byte header extension block. */
function readAudioLevel(b: Buffer, len: number, id: number, ext: RtpPacket['extensions']): void {
  if (!(b[0] & 0x10)) return;
  let off = 12 + (b[0] & 0x0f) * 4;
  if (off + 4 > len) return;
  const profile = b.readUInt16BE(off);
  const end = off + 4 + b.readUInt16BE(off + 2) * 4;
  if (end > len) return;
  off += 4;
  const twoByte = (profile & 0xfff0) === 0x1000;
  if (profile !== 0xbede && !twoByte) return;
  while (off < end) {
    if (b[off] === 0) {
      off++;
      continue;
    }
    let eid: number;
    let elen: number;
    if (twoByte) {
      if (off + 2 > end) return;
      eid = b[off];
      elen = b[off + 1];
      off += 2;
    } else {
      eid = b[off] >> 4;
      elen = (b[off] & 0x0f) + 1;
      off++;
      if (eid === 15) return;
    }
    if (off + elen > end) return;
    if (eid === id && elen >= 1) {
      ext.audioLevel = b[off] & 0x7f;
      ext.audioLevelVad = (b[off] & 0x80) !== 0;
      return;
    }
    off += elen;
  }
}
