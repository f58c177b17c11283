/**
 * werift's RFC 7675 consent freshness, as the core's consent policy wants it (werift 0.24.4).
 *
 * werift expires consent 30 s after the last consent response that arrived within its response
 * wait, and then sets the ICE connection to `failed` (the only way a connected werift ICE
 * connection ever reaches `failed`), which fails the PeerConnection. On a loaded server the
 * responses to our own checks are processed late (the event loop is behind), so a peer that
 * still sends media, answers every check and sends its own checks lost its PeerConnection
 * (issue 16: the VideoRoom publisher during join storms). `guardConsentExpiry` lets the policy
 * veto that expiry: the connection then stays as it is and a new consent cycle starts (the
 * checks go on as keepalives, with a fresh 30 s expiry).
 */
import type { NominatedPair } from './media';

/** The fields of werift's ICE `Connection` that consent expiry touches (not in its typings). */
interface ConsentConnection {
  state: string;
  consentFresh: boolean;
  nominated?: NominatedPair & { packetsReceived?: number; responsesReceived?: number };
  setState(state: string): void;
  queryConsent(): void;
  stopConsentLifecycle(): void;
}

/** What the policy sees of a connection whose consent expired, and can do to it later. */
export interface ConsentExpiry {
  /** Datagrams (DTLS, SRTP, SRTCP) received on the nominated pair so far (werift's counter). */
  packetsReceived(): number;
  /** Timely consent responses received on the nominated pair so far. */
  responsesReceived(): number;
  /** Fails the connection now, as werift's expiry would have (no-op once closed or failed). */
  fail(): void;
}

const guarded = new WeakSet<object>();

/**
 * Routes werift's consent expiry on `connection` through `keep`: true keeps the connection up
 * and restarts consent checks (the policy may still `fail()` it later), false lets werift fail
 * it as before. Idempotent per connection.
 */
export function guardConsentExpiry(connection: unknown, keep: (e: ConsentExpiry) => boolean): void {
  const c = connection as ConsentConnection;
  if (!c || guarded.has(c)) return;
  if (typeof c.setState !== 'function' || typeof c.queryConsent !== 'function' || typeof c.stopConsentLifecycle !== 'function' || !('consentFresh' in c)) {
    throw new Error('werift internals changed: ice Connection.setState/queryConsent/stopConsentLifecycle/consentFresh missing; update core/media/werift-adapter/consent.ts');
  }
  guarded.add(c);
  const setState = c.setState;
  const isUp = () => c.state === 'connected' || c.state === 'completed' || c.state === 'disconnected';
  const expiry: ConsentExpiry = {
    packetsReceived: () => c.nominated?.packetsReceived ?? 0,
    responsesReceived: () => c.nominated?.responsesReceived ?? 0,
    fail: () => {
      if (!isUp()) return;
      c.stopConsentLifecycle();
      setState.call(c, 'failed');
    },
  };
  c.setState = function (this: ConsentConnection, state: string): void {
    // werift's expiry timer clears consentFresh right before this call; nothing else fails a
    // connection that is up, so this is exactly "consent expired"
    if (state === 'failed' && this === c && isUp() && !c.consentFresh && c.nominated && keep(expiry)) {
      c.queryConsent();
      return;
    }
    setState.call(this, state);
  };
}
