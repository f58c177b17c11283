/** A plain-RTP participant's UDP leg (`rtp` on join): one local port, optional remote to send to. */
import * as dgram from 'node:dgram';

export class PlainRtpLeg {
  private socket?: dgram.Socket;
  localPort = 0;
  remoteIp?: string;
  remotePort = 0;
  peerSsrc = 0;

  constructor(private readonly onPacket: (buf: Buffer) => void) {}

  get canSend(): boolean {
    return this.remoteIp !== undefined && this.remotePort > 0;
  }

  /** Bind a port in [min, max] (random start, then upwards), on the address we tell the peer. */
  async bind(ip: string, min: number, max: number): Promise<boolean> {
    const span = max - min + 1;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < Math.min(span, 100); i++) {
      const port = min + ((start + i) % span);
      const s = dgram.createSocket('udp4');
      const ok = await new Promise<boolean>((resolve) => {
        s.once('error', () => resolve(false));
        s.bind(port, ip, () => resolve(true));
      });
      if (ok) {
        s.removeAllListeners('error');
        s.on('error', () => undefined);
        s.on('message', (msg) => {
          if (msg.length >= 12) {
            this.peerSsrc = msg.readUInt32BE(8);
            this.onPacket(msg);
          }
        });
        this.socket = s;
        this.localPort = port;
        return true;
      }
      s.close();
    }
    return false;
  }

  send(buf: Buffer, off: number, len: number): void {
    if (this.socket && this.remoteIp && this.remotePort) this.socket.send(buf, off, len, this.remotePort, this.remoteIp);
  }

  close(): void {
    try {
      this.socket?.close();
    } catch {
      /* already closed */
    }
    this.socket = undefined;
  }
}

/** The ssrc-audio-level value of a plain RTP packet (one-byte header extensions), -1 when absent. */
export function audioLevelOf(buf: Buffer, extId: number): number {
  if (extId <= 0 || buf.length < 12 || !(buf[0] & 0x10)) return -1;
  let off = 12 + (buf[0] & 0x0f) * 4;
  if (off + 4 > buf.length || buf.readUInt16BE(off) !== 0xbede) return -1;
  const end = Math.min(buf.length, off + 4 + buf.readUInt16BE(off + 2) * 4);
  off += 4;
  while (off < end) {
    const b = buf[off];
    if (b === 0) {
      off++;
      continue;
    }
    const id = b >> 4;
    const len = (b & 0x0f) + 1;
    if (id === 15) break;
    if (id === extId && off + 1 < end) return buf[off + 1] & 0x7f;
    off += 1 + len;
  }
  return -1;
}
