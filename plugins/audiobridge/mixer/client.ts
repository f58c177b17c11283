/** The main thread's handle on a room's mixer worker. */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { createRing, RingWriter } from './ring';
import type { FromMixer, LegSettings, MixCodec, RoomSetup, ToMixer } from './protocol';

export interface MixerEvents {
  /** One tick's packets: records [kind u8][id u32][len u16][RTP], `length` bytes in all. */
  onTick(batch: Buffer): void;
  onFile(id: string, started: boolean): void;
  onError(text: string): void;
}

export class MixerClient {
  private readonly worker: Worker;
  private readonly ring: RingWriter;
  private stopped = false;

  constructor(setup: Omit<RoomSetup, 'ringBuffer'>, private readonly events: MixerEvents) {
    const ringBuffer = createRing();
    this.ring = new RingWriter(ringBuffer);
    this.worker = new Worker(path.join(__dirname, 'worker.js'), { workerData: { ...setup, ringBuffer } satisfies RoomSetup });
    this.worker.on('message', (m: FromMixer) => {
      if (m.op === 'tick') this.events.onTick(Buffer.from(m.batch, 0, m.length));
      else if (m.op === 'file-started') this.events.onFile(m.id, true);
      else if (m.op === 'file-stopped') this.events.onFile(m.id, false);
      else if (m.op === 'error') this.events.onError(m.text);
    });
    this.worker.on('error', (err) => this.events.onError(err.message));
    // never keep the process alive for a mixer
    this.worker.unref();
  }

  get droppedPackets(): number {
    return this.ring.dropped;
  }

  private send(m: ToMixer, transfer?: ArrayBuffer[]): void {
    if (!this.stopped) this.worker.postMessage(m, transfer ?? []);
  }

  addLeg(slot: number, codec: MixCodec, settings: LegSettings): void {
    this.send({ op: 'add', slot, codec, settings });
  }

  updateLeg(slot: number, settings: Partial<LegSettings>): void {
    this.send({ op: 'update', slot, settings });
  }

  removeLeg(slot: number): void {
    this.send({ op: 'remove', slot });
  }

  resetLeg(slot: number): void {
    this.send({ op: 'reset', slot });
  }

  setForwarder(id: number, codec: MixCodec, pt: number, ssrc: number, group: number, alwaysOn: boolean): void {
    this.send({ op: 'forwarder', id, codec, pt, ssrc, group, alwaysOn });
  }

  removeForwarder(id: number): void {
    this.send({ op: 'forwarder-remove', id });
  }

  record(path: string | undefined, finalPath?: string): void {
    this.send({ op: 'record', path, finalPath });
  }

  playFile(id: string, packets: Uint8Array[], loop: boolean, group: number): void {
    this.send({ op: 'file', id, packets, loop, group });
  }

  stopFile(id: string): void {
    this.send({ op: 'file-remove', id });
  }

  /**
   * Queue one RTP packet for a leg: header parsed here (seq, timestamp, payload bounds), payload
   * copied into the shared ring. Hot path: no allocation.
   */
  pushRtp(slot: number, buf: Buffer, len: number, flags: number): boolean {
    if (this.stopped || len < 12 || buf[0] >> 6 !== 2) return false;
    let off = 12 + (buf[0] & 0x0f) * 4;
    if (buf[0] & 0x10) {
      if (off + 4 > len) return false;
      off += 4 + buf.readUInt16BE(off + 2) * 4;
    }
    let end = len;
    if (buf[0] & 0x20) end -= buf[len - 1];
    if (off >= end) return false;
    return this.ring.push(slot, buf.readUInt16BE(2), buf.readUInt32BE(4), flags, buf, off, end - off);
  }

  /** Stop the worker (closes the recording); resolves once it is gone. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.send({ op: 'stop' });
    this.stopped = true;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => resolve(), 1000);
      const onMessage = (m: FromMixer) => {
        if (m.op !== 'stopped') return;
        clearTimeout(t);
        this.worker.off('message', onMessage);
        resolve();
      };
      this.worker.on('message', onMessage);
    });
    await this.worker.terminate().catch(() => undefined);
  }
}
