/**
 * `rtp_forward`: a copy of one publisher stream sent as plain RTP to a UDP host:port (Janus's
 * RTP forwarders), with the SSRC and payload type optionally rewritten. The sockets belong to one
 * plugin instance (`ForwarderSockets`), so stopping one server never closes another's.
 */
import * as dgram from 'node:dgram';
import type { DataPacket, JsonObject } from '../../core/plugin-api';
import type { StreamType } from './stream-type';

export type UdpFamily = 'udp4' | 'udp6';

/** One unbound socket per address family, shared by every forwarder of a plugin instance. */
export class ForwarderSockets {
  private readonly sockets: Partial<Record<UdpFamily, dgram.Socket>> = {};

  get(family: UdpFamily): dgram.Socket {
    let s = this.sockets[family];
    if (!s) {
      s = dgram.createSocket(family);
      // a send to an unreachable host must not take the server down (Janus only logs it)
      s.on('error', () => undefined);
      s.unref();
      this.sockets[family] = s;
    }
    return s;
  }

  close(): void {
    for (const f of ['udp4', 'udp6'] as const) {
      this.sockets[f]?.close();
      this.sockets[f] = undefined;
    }
  }
}

export interface RtpForwarderOptions {
  streamId: number;
  type: StreamType;
  host: string;
  port: number;
  family: UdpFamily;
  ssrc?: number;
  pt?: number;
  /** Simulcast substream to forward (0 = lowest) when the publisher simulcasts. */
  substream?: number;
}

export class RtpForwarder {
  readonly streamId: number;
  readonly type: StreamType;
  readonly host: string;
  readonly port: number;
  readonly family: UdpFamily;
  readonly ssrc?: number;
  readonly pt?: number;
  readonly substream: number;
  /** Takes every substream and picks one itself (`rtp_forward` with `simulcast: true`). */
  readonly anySubstream: boolean = false;

  constructor(o: RtpForwarderOptions, private readonly sock: dgram.Socket) {
    this.streamId = o.streamId;
    this.type = o.type;
    this.host = o.host;
    this.port = o.port;
    this.family = o.family;
    this.ssrc = o.ssrc;
    this.pt = o.pt;
    this.substream = o.substream ?? 0;
  }

  /** Forward one packet (the buffer is copied: UDP sends complete asynchronously). */
  send(src: Buffer, length: number, _substream = 0): void {
    const b = Buffer.allocUnsafe(length);
    src.copy(b, 0, 0, length);
    if (this.type !== 'data' && length >= 12) {
      if (this.ssrc !== undefined) b.writeUInt32BE(this.ssrc >>> 0, 8);
      if (this.pt !== undefined) b[1] = (b[1] & 0x80) | (this.pt & 0x7f);
    }
    this.sock.send(b, 0, length, this.port, this.host);
  }

  /** A data channel message of the stream (subclasses frame it, e.g. for remote publishers). */
  sendData(packet: DataPacket): void {
    this.send(packet.buffer, packet.length);
  }

  toJson(): JsonObject {
    const j: JsonObject = { stream_id: this.streamId, type: this.type, host: this.host, port: this.port };
    if (this.ssrc !== undefined) j.ssrc = this.ssrc;
    if (this.pt !== undefined) j.pt = this.pt;
    return j;
  }
}
