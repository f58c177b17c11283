/**
 * Janus `media` settings that meet werift's fixed internals. They cannot be applied, so they are
 * reported once at start-up instead of being silently ignored.
 *
 * dtls_mtu was tried by changing werift's handshake fragment size: werift-to-werift handshakes
 * then fail as soon as a message (the certificate) is cut in pieces (measured: fine at 500,
 * broken at 400), so werift's own fixed cut stays.
 */
import type { Settings } from '../config/settings';
import { NACK_HISTORY } from './outbound/nack-history';

/**
 * werift's own retransmission history per outgoing stream (rtpSender.js): used only when werift's
 * sender sends a packet (an SRTP profile other than AES-GCM, or RED); our outbound chain keeps
 * NACK_HISTORY (256) packets per stream.
 */
export const WERIFT_RTP_HISTORY = 128;
/** werift's DTLS handshake retransmission: 500 ms, then +500 ms per retry (flight.js); not configurable. */
export const WERIFT_DTLS_FIRST_TIMEOUT_MS = 500;
/** werift cuts DTLS handshake messages at this many bytes (fragment.js), fixed. */
export const WERIFT_DTLS_FRAGMENT = 1240;

/** Settings werift cannot honour, each with the reason (empty when all are at values it matches). */
export function unappliedMediaSettings(s: Settings): Array<{ key: string; value: number; why: string }> {
  const out: Array<{ key: string; value: number; why: string }> = [];
  if (s.minNackQueue !== 200) {
    out.push({
      key: 'min_nack_queue',
      value: s.minNackQueue,
      why: `the media stack keeps a fixed ring of the last ${NACK_HISTORY} packets per outgoing stream to answer NACKs (about 1 s of 2 Mbps video, seconds of audio; ${WERIFT_RTP_HISTORY} when werift's own sender sends, with an SRTP profile other than AES-GCM or RED), whatever the setting`,
    });
  }
  if (s.dtlsMtu !== 1200) {
    out.push({
      key: 'dtls_mtu',
      value: s.dtlsMtu,
      why: `werift cuts DTLS handshake messages at a fixed ${WERIFT_DTLS_FRAGMENT} bytes (its messages, about 1 KB at most, are never cut) and its handshake breaks when they are cut smaller`,
    });
  }
  if (s.dtlsTimeout !== undefined && s.dtlsTimeout !== WERIFT_DTLS_FIRST_TIMEOUT_MS) {
    out.push({
      key: 'dtls_timeout',
      value: s.dtlsTimeout,
      why: `werift retransmits DTLS handshake flights after a fixed ${WERIFT_DTLS_FIRST_TIMEOUT_MS} ms, growing by ${WERIFT_DTLS_FIRST_TIMEOUT_MS} ms per retry`,
    });
  }
  return out;
}
