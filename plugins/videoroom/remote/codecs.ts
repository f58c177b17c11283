/**
 * Codecs of publishers that never negotiated an SDP with us (remote and dummy publishers): the
 * VideoRoom codec name as Janus's API spells it, mapped to what a subscriber's offer needs, with
 * Janus's default payload types (rtp.c).
 */
import type { SdpCodec } from '../../../core/plugin-api';

interface CodecInfo {
  /** Encoding name in SDP. */
  sdp: string;
  pt: number;
  clockRate: number;
  channels?: number;
}

const AUDIO = new Map<string, CodecInfo>([
  ['opus', { sdp: 'opus', pt: 111, clockRate: 48000, channels: 2 }],
  ['multiopus', { sdp: 'multiopus', pt: 111, clockRate: 48000, channels: 6 }],
  ['isac32', { sdp: 'isac', pt: 104, clockRate: 32000 }],
  ['isac16', { sdp: 'isac', pt: 103, clockRate: 16000 }],
  ['pcmu', { sdp: 'pcmu', pt: 0, clockRate: 8000 }],
  ['pcma', { sdp: 'pcma', pt: 8, clockRate: 8000 }],
  ['g722', { sdp: 'g722', pt: 9, clockRate: 8000 }],
  ['l16-48', { sdp: 'l16', pt: 105, clockRate: 48000 }],
  ['l16', { sdp: 'l16', pt: 106, clockRate: 16000 }],
]);

const VIDEO = new Map<string, CodecInfo>([
  ['vp8', { sdp: 'vp8', pt: 96, clockRate: 90000 }],
  ['vp9', { sdp: 'vp9', pt: 101, clockRate: 90000 }],
  ['h264', { sdp: 'h264', pt: 107, clockRate: 90000 }],
  ['av1', { sdp: 'av1', pt: 98, clockRate: 90000 }],
  ['h265', { sdp: 'h265', pt: 100, clockRate: 90000 }],
]);

export function isKnownCodec(type: 'audio' | 'video', name: string): boolean {
  return (type === 'audio' ? AUDIO : VIDEO).has(name.toLowerCase());
}

export interface CodecParams {
  stereo?: boolean;
  fec?: boolean;
  dtx?: boolean;
  h264Profile?: string;
  vp9Profile?: string;
}

/** The SdpCodec a stream of this codec carries (fmtp from the stream's properties, as Janus offers). */
export function codecFor(type: 'audio' | 'video', name: string, p: CodecParams = {}): SdpCodec | undefined {
  const key = name.toLowerCase();
  const info = (type === 'audio' ? AUDIO : VIDEO).get(key);
  if (!info) return undefined;
  const c: SdpCodec = { pt: info.pt, name: info.sdp, clockRate: info.clockRate };
  if (info.channels !== undefined) c.channels = info.channels;
  const fmtp: string[] = [];
  if (info.sdp === 'opus') {
    if (p.stereo) fmtp.push('stereo=1');
    if (p.fec) fmtp.push('useinbandfec=1');
    if (p.dtx) fmtp.push('usedtx=1');
  } else if (info.sdp === 'h264') {
    fmtp.push(`profile-level-id=${p.h264Profile ?? '42e01f'}`, 'packetization-mode=1');
  } else if (info.sdp === 'vp9' && p.vp9Profile) {
    fmtp.push(`profile-id=${p.vp9Profile}`);
  }
  if (fmtp.length > 0) c.fmtp = fmtp.join(';');
  return c;
}
