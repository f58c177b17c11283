/**
 * What the main thread and a room's mixer worker tell each other.
 * Control messages (rare: joins, settings) go by postMessage; RTP packets go main → worker
 * through a SharedArrayBuffer ring (ring.ts) and come back as one transferred batch per tick.
 */

export type MixCodec = 'opus' | 'pcmu' | 'pcma';

/** One mixing leg: a participant (WebRTC or plain RTP). */
export interface LegSettings {
  muted: boolean;
  /** Percent: 100 = as sent. */
  volume: number;
  /** 0 (left) .. 100 (right), used when the room mixes in stereo. */
  spatial: number;
  /** Whether we send this leg its mix (PeerConnection up, or a plain-RTP remote known). */
  send: boolean;
  /** Group index (1-based) for group forwarders, 0 = none. */
  group: number;
  bitrate: number;
  complexity: number;
  expectedLoss: number;
  fec: boolean;
  prebuffer: number;
  /** Outgoing RTP: payload type and SSRC. */
  pt: number;
  ssrc: number;
}

export interface RoomSetup {
  samplingRate: number;
  stereo: boolean;
  defaultBitrate: number;
  defaultExpectedLoss: number;
  ringBuffer: SharedArrayBuffer;
}

export type ToMixer =
  | { op: 'add'; slot: number; codec: MixCodec; settings: LegSettings }
  | { op: 'update'; slot: number; settings: Partial<LegSettings> }
  | { op: 'remove'; slot: number }
  | { op: 'reset'; slot: number }
  | { op: 'forwarder'; id: number; codec: MixCodec; pt: number; ssrc: number; group: number; alwaysOn: boolean }
  | { op: 'forwarder-remove'; id: number }
  | { op: 'record'; path?: string; finalPath?: string }
  | { op: 'file'; id: string; packets: Uint8Array[]; loop: boolean; group: number }
  | { op: 'file-remove'; id: string }
  | { op: 'stop' };

/** Record kinds in a tick batch. */
export const OUT_LEG = 0;
export const OUT_FORWARDER = 1;

export type FromMixer =
  /** One tick's output: records [kind u8][id u32][len u16][RTP packet], back to back. */
  | { op: 'tick'; batch: ArrayBuffer; length: number }
  | { op: 'file-started'; id: string }
  | { op: 'file-stopped'; id: string }
  | { op: 'stopped' }
  | { op: 'error'; text: string };
