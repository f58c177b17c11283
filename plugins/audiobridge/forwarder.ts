/** `rtp_forward` of a room's mix: plain RTP to host:port (the mixer builds the packets). */
import * as dgram from 'node:dgram';
import type { JsonObject } from '../../core/plugin-api';
import type { MixCodec } from './mixer/protocol';

export class RtpForwarder {
  private readonly socket: dgram.Socket;

  constructor(
    readonly id: number,
    readonly host: string,
    readonly port: number,
    readonly ssrc: number,
    readonly codec: MixCodec,
    readonly pt: number,
    readonly group: number,
    readonly groupName: string | undefined,
    readonly alwaysOn: boolean,
  ) {
    this.socket = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
    this.socket.on('error', () => undefined);
    this.socket.unref();
  }

  send(buf: Buffer, off: number, len: number): void {
    this.socket.send(buf, off, len, this.port, this.host);
  }

  describe(): JsonObject {
    const o: JsonObject = { stream_id: this.id };
    if (this.groupName !== undefined) o.group = this.groupName;
    o.ip = this.host;
    o.port = this.port;
    o.ssrc = this.ssrc || this.id;
    o.codec = this.codec;
    o.ptype = this.pt;
    o.always_on = this.alwaysOn;
    return o;
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      /* already closed */
    }
  }
}
