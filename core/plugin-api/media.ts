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

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** One codec of an m-line, as negotiated or offered. */
export interface SdpCodec {
  pt: number;
  /** Lower-case encoding name: opus, vp8, vp9, h264, av1, h265, pcmu, pcma, g722, red, rtx... */
  name: string;
  clockRate: number;
  channels?: number;
  fmtp?: string;
  rtcpFb?: string[];
}

/** One m-line of an SDP, parsed by the core for the plugin. */
export interface SdpMediaInfo {
  mindex: number;
  mid: string;
  kind: 'audio' | 'video' | 'application';
  /** Direction from the SDP author's point of view. */
  direction: MediaDirection;
  /** Port 0: the m-line is rejected/disabled. */
  disabled: boolean;
  codecs: SdpCodec[];
  /** Header extensions: id and URI. */
  extensions: Array<{ id: number; uri: string }>;
  /** Simulcast send encodings (rids high→low, or SSRCs of an SSRC-group SIM). */
  simulcast?: { rids?: string[]; ssrcs?: number[] };
  msid?: { stream: string; track: string };
}

/** JSEP as the core hands it to a plugin (`handleMessage`): sanitised, and parsed. */
export interface PluginJsep {
  type: 'offer' | 'answer';
  /** The client's SDP (as Janus passes it to plugins). */
  sdp: string;
  /** The same SDP parsed, one entry per m-line in order. */
  media: SdpMediaInfo[];
  /** Simulcast senders found in the SDP (rids or SSRC groups), per m-line. */
  simulcast?: Array<{ mindex: number; mid?: string; rids?: string[]; ssrcs?: number[]; ridExt?: number }>;
  svc?: unknown[];
  /** True when this is a renegotiation of an existing PeerConnection. */
  update?: boolean;
  e2ee?: boolean;
}

/** How a plugin answers one m-line of the client's offer. */
export interface AnswerMedia {
  mindex: number;
  /** False rejects the m-line (port 0 in the answer). */
  accept: boolean;
  /** Our direction in the answer (default: mirror of the offer's). */
  direction?: MediaDirection;
  /** Codec to keep, by name in preference order (first one the offer has wins); default: the offer's first. */
  codecs?: string[];
  /** Header extension URIs to accept (default: all the core supports). */
  extensions?: string[];
}

/** One m-line of an offer a plugin asks the core to make (VideoRoom subscribers). */
export interface OfferMedia {
  /** Keep an existing m-line's mid on renegotiation; new m-lines get the next free one. */
  mid?: string;
  kind: 'audio' | 'video' | 'application';
  direction: MediaDirection;
  /** Codecs to offer, best first (payload types are the core's business unless given). */
  codecs: Array<Pick<SdpCodec, 'name'> & Partial<SdpCodec>>;
  extensions?: string[];
  /** msid the client will see for the track (e.g. feed id and track mid). */
  msid?: { stream: string; track: string };
  /** Offer a disabled m-line (port 0): a removed stream keeps its slot. */
  disabled?: boolean;
}

/**
 * JSEP a plugin attaches to an event (`pushEvent`). The core owns the PeerConnection and writes
 * the SDP (ICE, DTLS, candidates) from this description:
 * - `answer`: answer the offer the client sent last, per-m-line choices in `media`;
 * - `offer`: make an offer with these m-lines (or renegotiate; `restart` for an ICE restart).
 * A plugin may also give a full `sdp` (Janus style); the core then only completes it.
 */
export type OutgoingJsep =
  | { type: 'answer'; media?: AnswerMedia[]; sdp?: string; e2ee?: boolean }
  | { type: 'offer'; media?: OfferMedia[]; sdp?: string; restart?: boolean; e2ee?: boolean };
