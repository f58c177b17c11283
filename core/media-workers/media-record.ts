import type { DataPacket, RtcpPacket, RtpExtensions, RtpPacket } from '../plugin-api';
import type { RingWriter } from './packet-ring';

/**
 * The record format on the packet rings (both directions). Fixed 28-byte header, then the mid,
 * data channel label/protocol and the packet bytes:
 *   u8 kind, u8 mindex, u8 flags, u8 substream, u32 handle key,
 *   i16 audioLevel, i16 videoRotation, i16 minDelay, i16 maxDelay,
 *   u8 midLen, u8 labelLen, u16 protocolLen, u32 payloadLen, u32 written (RTP: Date.now() mod 2^32,
 *   for readers that drop what waited too long; 0 otherwise).
 * Writing and reading allocate nothing per packet (views and strings are cached).
 */
export const enum RecordKind {
  Rtp = 1,
  Rtcp = 2,
  Data = 3,
  /** A JSON event from the worker (rare: kept in order with the packets around it). */
  Event = 4,
}

/**
 * A queued RTP record to relay that is older than this is dropped unread (`RecordReader`'s
 * `maxAgeMs`): on route queues, and on the main thread's ring of plugin relays into a worker. A
 * full ring is seconds of media: a worker that fell behind sent every packet seconds late
 * (measured: 17 % on time at p50 4.9 s, then 0 %, where Janus kept 60-85 %). Well above a busy
 * worker's normal queueing (largest loop delay ~40 ms at N=100). Never for packets handed to
 * plugins (recordings must not lose any).
 */
export const RELAY_MAX_AGE_MS = 200;

const F_VIDEO = 1;
const F_VAD = 2;
const F_BACK = 4;
const F_FLIP = 8;
const F_BINARY = 16;
const HEADER = 28;

export function writeRtp(ring: RingWriter, key: number, p: RtpPacket): boolean {
  const midLen = p.mid.length > 255 ? 0 : p.mid.length;
  const at = ring.reserve(HEADER + midLen + p.length);
  if (at < 0) return false;
  const d = ring.data;
  const e = p.extensions;
  d[at] = RecordKind.Rtp;
  d[at + 1] = p.mindex;
  d[at + 2] = (p.video ? F_VIDEO : 0) | (e.audioLevelVad ? F_VAD : 0) | (e.videoBackCamera ? F_BACK : 0) | (e.videoFlipped ? F_FLIP : 0);
  d[at + 3] = p.substream;
  d.writeUInt32LE(key, at + 4);
  d.writeInt16LE(e.audioLevel, at + 8);
  d.writeInt16LE(e.videoRotation, at + 10);
  d.writeInt16LE(clamp16(e.minDelay), at + 12);
  d.writeInt16LE(clamp16(e.maxDelay), at + 14);
  d[at + 16] = midLen;
  d[at + 17] = 0;
  d.writeUInt16LE(0, at + 18);
  d.writeUInt32LE(p.length, at + 20);
  d.writeUInt32LE(Date.now() >>> 0, at + 24);
  let off = at + HEADER;
  if (midLen) off += d.write(p.mid, off, midLen, 'latin1');
  p.buffer.copy(d, off, 0, p.length);
  ring.commit(at, HEADER + midLen + p.length);
  return true;
}

export function writeRtcp(ring: RingWriter, key: number, p: RtcpPacket): boolean {
  const at = ring.reserve(HEADER + p.length);
  if (at < 0) return false;
  const d = ring.data;
  d.fill(0, at, at + HEADER);
  d[at] = RecordKind.Rtcp;
  d[at + 1] = p.mindex;
  d[at + 2] = p.video ? F_VIDEO : 0;
  d.writeUInt32LE(key, at + 4);
  d.writeUInt32LE(p.length, at + 20);
  p.buffer.copy(d, at + HEADER, 0, p.length);
  ring.commit(at, HEADER + p.length);
  return true;
}

export function writeData(ring: RingWriter, key: number, p: DataPacket): boolean {
  const label = Buffer.byteLength(p.label);
  const proto = p.protocol ? Buffer.byteLength(p.protocol) : 0;
  if (label > 255 || proto > 65535) return false;
  const at = ring.reserve(HEADER + label + proto + p.length);
  if (at < 0) return false;
  const d = ring.data;
  d.fill(0, at, at + HEADER);
  d[at] = RecordKind.Data;
  d[at + 2] = p.binary ? F_BINARY : 0;
  d.writeUInt32LE(key, at + 4);
  d[at + 17] = label;
  d.writeUInt16LE(proto, at + 18);
  d.writeUInt32LE(p.length, at + 20);
  let off = at + HEADER;
  off += d.write(p.label, off, label, 'utf8');
  if (proto) off += d.write(p.protocol as string, off, proto, 'utf8');
  p.buffer.copy(d, off, 0, p.length);
  ring.commit(at, HEADER + label + proto + p.length);
  return true;
}

/** A JSON event (key 0 = not tied to a handle). False when the ring is full: send it another way. */
export function writeEvent(ring: RingWriter, key: number, event: unknown): boolean {
  const json = Buffer.from(JSON.stringify(event));
  const at = ring.reserve(HEADER + json.length);
  if (at < 0) return false;
  const d = ring.data;
  d.fill(0, at, at + HEADER);
  d[at] = RecordKind.Event;
  d.writeUInt32LE(key, at + 4);
  d.writeUInt32LE(json.length, at + 20);
  json.copy(d, at + HEADER);
  ring.commit(at, HEADER + json.length);
  return true;
}

const clamp16 = (n: number) => (n > 32767 ? 32767 : n < -32768 ? -32768 : n);

/** What a reader hands on: one of the packet shapes, reused for every record. */
export interface RecordSink {
  rtp(key: number, p: RtpPacket): void;
  rtcp(key: number, p: RtcpPacket): void;
  data(key: number, p: DataPacket): void;
  event(key: number, event: unknown): void;
}

/**
 * Turns ring records into plugin-API packets. The packet bytes are copied into one scratch
 * buffer (the ring slot is released right after the callback, and plugins may rewrite in
 * place); `buffer.length === length` through a cache of views of that scratch.
 */
export class RecordReader {
  private readonly scratch = Buffer.allocUnsafe(16384);
  private readonly views: Buffer[] = [];
  private readonly ext: RtpExtensions = {
    audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1,
  };
  private readonly rtpPacket: RtpPacket = { mindex: 0, mid: '', video: false, buffer: this.scratch, length: 0, substream: 0, extensions: this.ext };
  private readonly rtcpPacket: RtcpPacket = { mindex: 0, video: false, buffer: this.scratch, length: 0 };
  /** Last mid strings seen, by their bytes: mids are few and short ("0", "1", "audio"…). */
  private readonly mids = new Map<number, string>();

  /** RTP records dropped unread because they waited longer than `maxAgeMs`. */
  stale = 0;

  /**
   * `maxAgeMs` (0 = none): RTP records older than this are dropped unread. A thread that falls
   * behind then skips what is already too late instead of relaying everything seconds late (a
   * full 512 KB queue holds seconds of a source's media): it catches up, and what it relays stays
   * fresh. Only for queues of packets to relay (routes), never for the plugin's own packets.
   */
  constructor(
    private readonly sink: RecordSink,
    private readonly maxAgeMs = 0,
  ) {}

  /** Bound once, passed to RingReader.start/drain. */
  readonly onRecord = (d: Buffer, at: number, _len: number): void => {
    const kind = d[at];
    const key = d.readUInt32LE(at + 4);
    const midLen = d[at + 16];
    const labelLen = d[at + 17];
    const protoLen = d.readUInt16LE(at + 18);
    const len = d.readUInt32LE(at + 20);
    let off = at + HEADER;
    if (kind === RecordKind.Rtp) {
      if (this.maxAgeMs > 0 && ((Date.now() - d.readUInt32LE(at + 24)) >>> 0) > this.maxAgeMs) {
        this.stale++;
        return;
      }
      const p = this.rtpPacket;
      const flags = d[at + 2];
      p.mindex = d[at + 1];
      p.video = (flags & F_VIDEO) !== 0;
      p.substream = d[at + 3];
      const e = this.ext;
      e.audioLevel = d.readInt16LE(at + 8);
      e.audioLevelVad = (flags & F_VAD) !== 0;
      e.videoRotation = d.readInt16LE(at + 10);
      e.videoBackCamera = (flags & F_BACK) !== 0;
      e.videoFlipped = (flags & F_FLIP) !== 0;
      e.minDelay = d.readInt16LE(at + 12);
      e.maxDelay = d.readInt16LE(at + 14);
      p.mid = this.mid(d, off, midLen);
      off += midLen;
      p.buffer = this.copy(d, off, len);
      p.length = len;
      this.sink.rtp(key, p);
    } else if (kind === RecordKind.Rtcp) {
      const p = this.rtcpPacket;
      p.mindex = d[at + 1];
      p.video = (d[at + 2] & F_VIDEO) !== 0;
      p.buffer = this.copy(d, off, len);
      p.length = len;
      this.sink.rtcp(key, p);
    } else if (kind === RecordKind.Data) {
      const label = d.toString('utf8', off, off + labelLen);
      off += labelLen;
      const protocol = protoLen ? d.toString('utf8', off, off + protoLen) : undefined;
      off += protoLen;
      // data channel messages are rare and may be kept by plugins: a copy of their own
      const buffer = Buffer.from(d.subarray(off, off + len));
      const p: DataPacket = { label, binary: (d[at + 2] & F_BINARY) !== 0, buffer, length: len };
      if (protocol !== undefined) p.protocol = protocol;
      this.sink.data(key, p);
    } else if (kind === RecordKind.Event) {
      this.sink.event(key, JSON.parse(d.toString('utf8', off, off + len)));
    }
  };

  private copy(d: Buffer, off: number, len: number): Buffer {
    if (len > this.scratch.length) return Buffer.from(d.subarray(off, off + len));
    d.copy(this.scratch, 0, off, off + len);
    let v = this.views[len];
    if (!v) this.views[len] = v = this.scratch.subarray(0, len);
    return v;
  }

  private mid(d: Buffer, off: number, len: number): string {
    if (len === 0) return '';
    // up to 4 bytes fold into a number key; longer mids are rare enough to decode each time
    if (len <= 3) {
      let k = len;
      for (let i = 0; i < len; i++) k = (k << 8) | d[off + i];
      let s = this.mids.get(k);
      if (s === undefined) this.mids.set(k, (s = d.toString('latin1', off, off + len)));
      return s;
    }
    return d.toString('latin1', off, off + len);
  }
}
