/**
 * Media that crosses the plugin boundary. The core owns the PeerConnection (ICE, DTLS-SRTP,
 * RTCP); plugins only see decrypted packets and negotiated descriptions, never werift objects.
 */

export type MediaKind = 'audio' | 'video' | 'data';

/** Values of RTP header extensions the core parsed for the plugin (Janus's `janus_plugin_rtp_extensions`). */
export interface RtpExtensions {
  /** ssrc-audio-level in -dBov (0 loudest .. 127 silence); -1 when absent. */
  audioLevel: number;
  audioLevelVad: boolean;
  /** video-orientation rotation in degrees; -1 when absent. */
  videoRotation: number;
  videoBackCamera: boolean;
  videoFlipped: boolean;
  /** playout-delay in 10 ms units; -1 when absent. */
  minDelay: number;
  maxDelay: number;
}

/** One decrypted RTP packet (Janus's `janus_plugin_rtp`). The buffer is the whole packet. */
export interface RtpPacket {
  /** m-line index the packet belongs to (for relay: the m-line to send on). */
  mindex: number;
  mid: string;
  video: boolean;
  /** Whole RTP packet, header included. Only valid during the callback: copy to keep it. */
  buffer: Buffer;
  length: number;
  /** Simulcast substream (0 = lowest) when the sender simulcasts, else 0. */
  substream: number;
  extensions: RtpExtensions;
}

/** One decrypted RTCP compound packet (Janus's `janus_plugin_rtcp`). */
export interface RtcpPacket {
  mindex: number;
  video: boolean;
  buffer: Buffer;
  length: number;
}

/** One data channel message (Janus's `janus_plugin_data`). */
export interface DataPacket {
  label: string;
  protocol?: string;
  binary: boolean;
  buffer: Buffer;
  length: number;
}

/** JSEP as the core hands it to a plugin (`handleMessage`): sanitised, with what was parsed from it. */
export interface PluginJsep {
  type: 'offer' | 'answer';
  sdp: string;
  /** Simulcast senders found in the SDP (rids or SSRC groups), per m-line. */
  simulcast?: Array<{ mindex: number; mid?: string; rids?: string[]; ssrcs?: number[]; ridExt?: number }>;
  svc?: unknown[];
  /** True when this is a renegotiation of an existing PeerConnection. */
  update?: boolean;
  e2ee?: boolean;
}

/** JSEP a plugin attaches to an event (`pushEvent`): the core completes it (ICE, DTLS, candidates). */
export interface OutgoingJsep {
  type: 'offer' | 'answer';
  sdp: string;
  /** Ask for an ICE restart with this offer. */
  restart?: boolean;
  e2ee?: boolean;
}
