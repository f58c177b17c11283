/**
 * `rtp_forward`: a copy of one publisher stream sent as plain RTP to a UDP host:port (Janus's
 * RTP forwarders), with the SSRC and payload type optionally rewritten.
 */
import * as dgram from 'node:dgram';
import type { JsonObject } from '../../../core/plugin-api';
import type { StreamType } from '../participant/publisher-stream';

/** One socket per address family for every forwarder of the plugin. */
const sockets: Partial<Record<'udp4' | 'udp6', dgram.Socket>> = {};

function socket(family: 'udp4' | 'udp6'): dgram.Socket {
  let s = sockets[family];
  if (!s) {
    s = dgram.createSocket(family);
    s.on('error', () => undefined);
    s.unref();
    sockets[family] = s;
  }
  return s;
}

export function closeForwarderSockets(): void {
  for (const f of ['udp4', 'udp6'] as const) {
    sockets[f]?.close();
    sockets[f] = undefined;
  }
}

export class RtpForwarder {
  private readonly sock: dgram.Socket;

  constructor(
    readonly streamId: number,
    readonly type: StreamType,
    readonly host: string,
    readonly port: number,
    readonly family: 'udp4' | 'udp6',
    readonly ssrc?: number,
    readonly pt?: number,
    /** Simulcast substream to forward (0 = lowest) when the publisher simulcasts. */
    readonly substream = 0,
  ) {
    this.sock = socket(family);
  }

  /** Forward one packet (the buffer is copied: UDP sends complete asynchronously). */
  send(src: Buffer, length: number): void {
    const b = Buffer.allocUnsafe(length);
    src.copy(b, 0, 0, length);
    if (this.type !== 'data' && length >= 12) {
      if (this.ssrc !== undefined) b.writeUInt32BE(this.ssrc >>> 0, 8);
      if (this.pt !== undefined) b[1] = (b[1] & 0x80) | (this.pt & 0x7f);
    }
    this.sock.send(b, 0, length, this.port, this.host);
  }

  toJson(): JsonObject {
    const j: JsonObject = { stream_id: this.streamId, type: this.type, host: this.host, port: this.port };
    if (this.ssrc !== undefined) j.ssrc = this.ssrc;
    if (this.pt !== undefined) j.pt = this.pt;
    return j;
  }
}
