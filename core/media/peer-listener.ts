import type { DataPacket, RtcpPacket, RtpPacket } from '../plugin-api';
import type { PeerStream } from './peer-stream';

/** What a peer reports to its owner (the werift media port, which knows the handle). */
export interface PeerListener {
  rtp(packet: RtpPacket): void;
  rtcp(packet: RtcpPacket): void;
  /** Whether an RTCP packet of this type would reach anyone (else it is not re-serialised). */
  wantsRtcp(type: number): boolean;
  data(packet: DataPacket): void;
  dataReady(): void;
  webrtcUp(): void;
  /** The PeerConnection died on its own (ICE/DTLS): the owner hangs up with this Janus reason. */
  failed(reason: string): void;
  /** A local candidate (line without `candidate:`), or null at the end of gathering. */
  localCandidate(candidate: string | null, mid: string): void;
  /** First packet of an m-line/substream after silence. */
  mediaReceiving(stream: PeerStream, substream: number): void;
  /** Event-handler type 16 body (subtype 1..6). */
  webrtcEvent(subtype: number, body: Record<string, unknown>): void;
}
