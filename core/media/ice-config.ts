import * as os from 'node:os';
import { isIPv4, isIPv6 } from 'node:net';
import type { RTCPeerConnection } from 'werift';
import type { Settings } from '../config/settings';
import { guardConsentExpiry, type ConsentExpiry } from './werift-adapter/consent';
import { relaxConsentResponseTimeout as relaxWeriftConsent } from './werift-adapter/media';

type PeerConfig = NonNullable<ConstructorParameters<typeof RTCPeerConnection>[0]>;

/** One local address usable for host candidates, with the interface it belongs to. */
export interface HostAddress {
  iface: string;
  address: string;
  family: 4 | 6;
  internal: boolean;
}

/** Janus matches list entries against interface names and address texts by prefix. */
function matches(entry: string, a: HostAddress): boolean {
  const e = entry.trim();
  if (!e) return false;
  return a.iface.startsWith(e) || a.address.startsWith(e);
}

/**
 * The addresses we gather host candidates on, chosen as Janus does from `ice_enforce_list`
 * (only these) and `ice_ignore_list` (never these), plus `ipv6`. Unlike Janus, loopback is
 * allowed when the enforce list names it (tests and local demos run on 127.0.0.1); without an
 * enforce list loopback and link-local addresses are skipped.
 */
export function selectHostAddresses(settings: Settings, interfaces = os.networkInterfaces()): HostAddress[] {
  const all: HostAddress[] = [];
  for (const [iface, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      const family = info.family === 'IPv4' || (info.family as unknown) === 4 ? 4 : 6;
      all.push({ iface, address: info.address, family, internal: info.internal });
    }
  }
  // an enforce entry that is a literal address not on any interface is still honoured (e.g. ::1 in a namespace)
  for (const e of settings.iceEnforceList) {
    const t = e.trim();
    if ((isIPv4(t) || isIPv6(t)) && !all.some((a) => a.address === t)) all.push({ iface: '', address: t, family: isIPv4(t) ? 4 : 6, internal: false });
  }
  return all.filter((a) => {
    if (a.family === 6 && !settings.ipv6) return false;
    if (a.family === 6 && a.address.toLowerCase().startsWith('fe80') && !settings.ipv6LinkLocal) return false;
    if (settings.iceEnforceList.length > 0) return settings.iceEnforceList.some((e) => matches(e, a));
    if (a.internal) return false;
    if (a.family === 4 && a.address.startsWith('169.254.')) return false;
    return !settings.iceIgnoreList.some((e) => matches(e, a));
  });
}

/** `stun_server`/`turn_*` as werift ICE servers. Nothing public unless configured. */
function iceServers(s: Settings): PeerConfig['iceServers'] {
  const out: PeerConfig['iceServers'] = [];
  if (s.stunServer) out.push({ urls: `stun:${s.stunServer}:${s.stunPort}` });
  if (s.turnServer) {
    const transport = s.turnType === 'tcp' ? '?transport=tcp' : '';
    const scheme = s.turnType === 'tls' ? 'turns' : 'turn';
    out.push({ urls: `${scheme}:${s.turnServer}:${s.turnPort}${transport}`, username: s.turnUser, credential: s.turnPwd });
  }
  return out;
}

/**
 * werift's ICE options from janus.jcfg. We always hand werift the exact address list
 * (`iceAdditionalHostAddresses` with its own OS gathering off), so enforce/ignore lists and
 * loopback work the same way; one IPv4 address also pins the socket to it.
 */
export function iceOptions(s: Settings, hosts: HostAddress[]): Partial<PeerConfig> {
  const v4 = hosts.filter((h) => h.family === 4);
  const v6 = hosts.filter((h) => h.family === 6);
  const opts: Partial<PeerConfig> = {
    iceServers: iceServers(s),
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: hosts.map((h) => h.address),
    iceUseTcp: s.iceTcp,
    iceLite: s.iceLite,
    bundlePolicy: 'max-bundle',
  };
  if (s.rtpPortRange) opts.icePortRange = s.rtpPortRange;
  // pinning only when unambiguous: a socket bound to one address cannot serve another candidate
  if (v4.length === 1 && v6.length <= 1) {
    opts.iceInterfaceAddresses = { udp4: v4[0].address, ...(v6.length ? { udp6: v6[0].address } : {}) } as PeerConfig['iceInterfaceAddresses'];
  }
  return opts;
}

/**
 * `nat_1_1_mapping`: public addresses to advertise instead of (or, with `keep_private_host`,
 * besides) the private host ones. One entry maps every private address; `public=private` pairs
 * map selectively (Janus 1.x syntax).
 */
export class NatMapping {
  private readonly all?: string;
  private readonly pairs = new Map<string, string>();
  constructor(entries: string[], readonly keepPrivate: boolean) {
    for (const e of entries) {
      const [pub, priv] = e.split('=').map((x) => x.trim());
      if (!pub) continue;
      if (priv) this.pairs.set(priv, pub);
      else this.all ??= pub;
    }
  }
  get active(): boolean {
    return this.all !== undefined || this.pairs.size > 0;
  }
  map(address: string): string | undefined {
    return this.pairs.get(address) ?? this.all;
  }
  /** Candidate lines (without `a=`) to advertise for one gathered candidate. */
  rewrite(candidate: string): string[] {
    const parts = candidate.split(' ');
    if (parts.length < 8 || parts[7] !== 'host') return [candidate];
    const pub = this.map(parts[4]);
    if (!pub || pub === parts[4]) return [candidate];
    const mapped = [...parts];
    mapped[4] = pub;
    const line = mapped.join(' ');
    return this.keepPrivate ? [line, candidate] : [line];
  }
}

/**
 * werift waits max(500 ms, 2×RTT + 200 ms) for each RFC 7675 consent response and drops a late
 * one; 30 s without a timely answer fails the pair. On loopback/LAN that is 500 ms, which our
 * single event loop can exceed for seconds while dozens of DTLS handshakes run (publishers were
 * lost at N=100-200 in the fan-out bench). A response within 3 s still proves consent (the next
 * check starts 4-6 s later and aborts the previous one); expiry stays at werift's 30 s.
 */
export const CONSENT_RESPONSE_WAIT_MS = 3000;

/**
 * What consent expiry may do to a PeerConnection that is up, from janus.jcfg `nat`
 * `ice_keepalive_conncheck` (Janus's key, default false):
 * - false (default): Janus's behaviour. Janus (libnice keepalives, no RFC 7675 by default) never
 *   tears a PeerConnection down because check answers are late; we do so only for a peer that
 *   is gone: when werift's consent expires (30 s without a timely answer) the checks go on and
 *   the PeerConnection stays, unless nothing at all (no DTLS, SRTP, SRTCP, no consent answer)
 *   arrives from the peer within the next CONSENT_PROBATION_MS; then it fails ("ICE failed").
 *   A loaded server whose event loop reads the answers late no longer drops a publisher that
 *   is still sending (issue 16).
 * - true (connectivity checks as keepalives, which Janus offers to detect a vanished peer):
 *   strict RFC 7675, werift's own expiry: 30 s without a timely answer fails the PeerConnection.
 */
export const CONSENT_PROBATION_MS = 5000;
let strictConsent = false;
export function relaxConsentResponseTimeout(settings?: { iceKeepaliveConncheck: boolean }): void {
  relaxWeriftConsent(CONSENT_RESPONSE_WAIT_MS);
  if (settings) strictConsent = settings.iceKeepaliveConncheck;
}

/** Applies the consent policy above to one ICE connection of ours (never to a client's). */
export function applyConsentPolicy(connection: unknown, mediaReceived: () => number): void {
  // werift's counter sees DTLS; the peer's RTP and RTCP are counted by our inbound path
  const traffic = (e: ConsentExpiry) => e.packetsReceived() + e.responsesReceived() + mediaReceived();
  guardConsentExpiry(connection, (e) => {
    if (strictConsent) return false;
    const seen = traffic(e);
    const t = setTimeout(() => {
      if (traffic(e) === seen) e.fail();
    }, CONSENT_PROBATION_MS);
    t.unref?.();
    return true;
  });
}
