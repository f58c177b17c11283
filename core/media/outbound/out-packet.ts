import type { RtpExtensions } from '../../plugin-api';

/**
 * The packet moving down a stream's outbound chain (one per stream, reused for every packet):
 * the plugin's bytes, read only during the call, and what each stage derives from them.
 */
export class OutPacket {
  /** The plugin's packet (not ours: read during relayRtp only, never kept, never written). */
  src: Buffer = Buffer.alloc(0);
  srcLength = 0;
  ext!: RtpExtensions;
  /** Where the source's payload starts, and its CSRC count. */
  srcPayloadOffset = 0;
  csrcCount = 0;
  /** Sequence number and timestamp: the plugin's, unchanged (it rewrote them per subscriber). */
  seq = 0;
  ts = 0;
  /** The owned outgoing buffer (a NACK history slot) and what the header writer put in it. */
  out: Buffer = Buffer.alloc(0);
  headerLength = 0;
  length = 0;
  /** Epoch ms when the packet entered the chain (abs-send-time, sender reports). */
  nowMs = 0;

  get payloadLength(): number {
    return this.srcLength - this.srcPayloadOffset;
  }
}
