/** An AudioBridge room: participants, forwarders, announcements and the mixer worker behind them. */
import * as path from 'node:path';
import * as fs from 'node:fs';
import type { JsonObject, ModuleLogger, RtpPacket } from '../../core/plugin-api';
import type { AbId } from './ids';
import { MixerClient } from './mixer/client';
import { OUT_FORWARDER, OUT_LEG } from './mixer/protocol';
import type { Participant, ParticipantRoom } from './participant';
import type { RoomConfig } from './room-config';
import type { RtpForwarder } from './forwarder';

export interface Announcement {
  id: string;
  started: boolean;
  group: number;
}

const NO_EXTENSIONS = { audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1 };

export class AudioRoom implements ParticipantRoom {
  readonly participants = new Map<string, Participant>();
  readonly bySlot = new Map<number, Participant>();
  readonly forwarders = new Map<number, RtpForwarder>();
  readonly files = new Map<string, Announcement>();
  readonly allowed = new Set<string>();
  checkTokens = false;
  muted = false;
  destroyed = false;
  /** Mix recording on (the worker writes the WAV file). */
  recording = false;
  private nextSlot = 1;
  readonly mixer: MixerClient;
  /** Reused for every packet we relay (the core copies what it keeps). */
  private readonly out: RtpPacket = { mindex: 0, mid: '0', video: false, buffer: Buffer.alloc(1600), length: 0, substream: 0, extensions: { ...NO_EXTENSIONS } };
  /** Announcement events go through the plugin (it knows how to notify). */
  onFile?: (room: AudioRoom, id: string, started: boolean) => void;

  constructor(
    readonly id: AbId,
    public config: RoomConfig,
    private readonly log: ModuleLogger,
    private readonly recordTmpExt?: string,
  ) {
    for (const t of config.allowed ?? []) this.allowed.add(t);
    this.checkTokens = config.allowed !== undefined;
    this.mixer = new MixerClient(
      { samplingRate: config.samplingRate, stereo: config.spatialAudio, defaultBitrate: config.defaultBitrate, defaultExpectedLoss: config.defaultExpectedLoss },
      {
        onTick: (batch) => this.dispatch(batch),
        onFile: (id, started) => this.onFile?.(this, id, started),
        onError: (text) => this.log.error({ room: this.id, error: text }, 'AudioBridge mixer error'),
      },
    );
    if (config.record) this.startRecording();
  }

  get key(): string {
    return String(this.id);
  }

  /** 1-based group index of a name, 0 when unknown. */
  groupIndex(name: string): number {
    return this.config.groups.indexOf(name) + 1;
  }

  groupName(index: number): string | undefined {
    return index > 0 ? this.config.groups[index - 1] : undefined;
  }

  allocSlot(): number {
    for (;;) {
      const s = this.nextSlot;
      this.nextSlot = this.nextSlot >= 0xfffe ? 1 : this.nextSlot + 1;
      if (!this.bySlot.has(s)) return s;
    }
  }

  add(p: Participant): void {
    p.room = this;
    p.slot = this.allocSlot();
    this.participants.set(String(p.id), p);
    this.bySlot.set(p.slot, p);
    this.mixer.addLeg(p.slot, p.codec, p.legSettings());
  }

  remove(p: Participant): boolean {
    const had = this.participants.get(String(p.id)) === p;
    if (had) this.participants.delete(String(p.id));
    if (this.bySlot.get(p.slot) === p) {
      this.bySlot.delete(p.slot);
      this.mixer.removeLeg(p.slot);
    }
    return had;
  }

  /** Push the participant's current settings to the mixer. */
  sync(p: Participant): void {
    if (this.bySlot.get(p.slot) === p) this.mixer.updateLeg(p.slot, p.legSettings());
  }

  /** Where the WAV goes: record_dir + (record_file | janus-audioroom-<id>-<µs>.wav). */
  startRecording(): void {
    const c = this.config;
    const name = c.recordFile ?? `janus-audioroom-${this.key}-${Date.now() * 1000}.wav`;
    const dir = c.recordDir;
    if (dir) {
      try {
        fs.mkdirSync(dir, { recursive: true });
      } catch {
        /* as Janus: nothing is written, nothing fails */
      }
    }
    const file = dir ? path.join(dir, name) : name;
    this.recording = true;
    this.mixer.record(this.recordTmpExt ? `${file}.${this.recordTmpExt}` : file, file);
  }

  stopRecording(): void {
    this.recording = false;
    this.mixer.record(undefined);
  }

  /** One tick of mixed packets from the worker, sent on to participants and forwarders. */
  private dispatch(batch: Buffer): void {
    let off = 0;
    const out = this.out;
    while (off + 7 <= batch.length) {
      const kind = batch[off];
      const id = batch.readUInt32BE(off + 1);
      const len = batch.readUInt16BE(off + 5);
      const at = off + 7;
      off = at + len;
      if (kind === OUT_LEG) {
        const p = this.bySlot.get(id);
        if (!p || !p.setup) continue;
        if (p.plain) {
          p.plain.send(batch, at, len);
          continue;
        }
        const h = p.session.handle;
        if (!h.alive) continue;
        batch.copy(out.buffer, 0, at, at + len);
        out.length = len;
        out.mindex = p.session.audioMindex;
        out.mid = p.session.audioMid;
        h.relayRtp(out);
      } else if (kind === OUT_FORWARDER) {
        this.forwarders.get(id)?.send(batch, at, len);
      }
    }
  }

  /** For `list`. */
  summary(): JsonObject {
    return {
      room: this.id,
      description: this.config.description,
      sampling_rate: this.config.samplingRate,
      spatial_audio: this.config.spatialAudio,
      pin_required: !!this.config.pin,
      record: this.recording,
      muted: this.muted,
      num_participants: this.participants.size,
    };
  }

  async close(): Promise<void> {
    this.destroyed = true;
    for (const f of this.forwarders.values()) f.close();
    this.forwarders.clear();
    for (const p of this.participants.values()) p.plain?.close();
    await this.mixer.stop();
  }
}
