import type { RtpPacket as WRtpPacket } from 'werift';
import type { RtpExtensions, RtpPacket } from '../../plugin-api';
import type { PeerStream } from '../peer-stream';

/** werift's parsed header extensions of a received packet, by URI. */
export type ReceivedExtensions = Record<string, unknown> | undefined;

/**
 * The packet moving up a PeerConnection's inbound chain (one per PeerConnection, reused for every
 * packet). `plugin` is what the plugin's `incomingRtp` gets: valid during that call only
 * (plugins copy what they keep).
 */
export class InPacket {
  stream!: PeerStream;
  rtp!: WRtpPacket;
  ext: ReceivedExtensions;
  rid: string | undefined;
  /** Simulcast substream (0 = lowest). */
  substream = 0;
  /** The decrypted packet as received (werift's bytes, not re-serialised when werift allows). */
  buffer: Buffer = Buffer.alloc(0);
  readonly extensions: RtpExtensions = {
    audioLevel: -1, audioLevelVad: false, videoRotation: -1, videoBackCamera: false, videoFlipped: false, minDelay: -1, maxDelay: -1,
  };
  readonly plugin: RtpPacket = { mindex: 0, mid: '', video: false, buffer: Buffer.alloc(0), length: 0, substream: 0, extensions: this.extensions };
}

/** One step of the inbound chain; false stops the packet there. */
export interface InboundStage {
  process(p: InPacket): boolean;
}
