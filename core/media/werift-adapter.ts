/**
 * The one place where janus-ts reaches into werift's private internals (werift pinned to 0.24.4 in
 * package.json): the security of the receive path and the DTLS handshake, the handshake's CPU
 * cost, and the media pipeline's accessors (werift-adapter/media.ts: sender state, SRTP keys, the nominated
 * pair, the RTP router, the decrypted bytes of received packets). `installWeriftAdapter()` runs once at
 * start-up, checks that every private shape it patches exists, and throws a clear error naming
 * what is missing otherwise (a werift upgrade must fail at start, never silently lose a guard).
 *
 * What it patches, and why:
 * - `Connection.prototype.ensureProtocol` (ice/src/ice.js): each UDP `StunProtocol` it sets up
 *   gets a screen in front of `datagramReceived`, the point where every datagram of the
 *   PeerConnection's socket enters werift (and each ICE-TCP protocol in front of `handleFrame`,
 *   where each frame of any TCP connection enters). The screen (udp-guard.ts) drops, with a counter:
 *   - STUN requests without a valid MESSAGE-INTEGRITY for our ufrag (werift 0.24.4 never checks
 *     it on requests: anyone could make it answer, learn a peer-reflexive pair, switch its ICE
 *     role), and STUN that does not parse;
 *   - anything else (DTLS, SRTP, SRTCP) unless it comes from the remote address of the nominated
 *     pair, or of a pair the peer has proven with an authenticated check (werift hands data on
 *     without its source address, so without this anyone could talk to DTLS/SRTP);
 *   - RTP/RTCP whose cleartext header is not well framed. werift parses the RTP header before
 *     it verifies the SRTP auth tag (parseSrtpRtpHeader), and its parser loops without bounds on
 *     a large extension length; SRTP never encrypts the header, so the bytes it parses again
 *     after decryption (RtpPacket.deSerialize in RTCDtlsTransport) are the ones checked here;
 *   - DTLS records of unknown types or bad framing (werift treats them as an alert and closes),
 *     and, once the handshake is done, plaintext records and alerts that do not decrypt.
 * - `Flight5.prototype.handleHandshake` and `Flight6.prototype.exec` (dtls/src/flight/): the peer's
 *   ServerKeyExchange / CertificateVerify signature is verified against its certificate
 *   (werift-dtls-auth.ts); werift checked only the certificate's fingerprint, not that the peer
 *   holds its key.
 * - `Flight3.prototype.exec` (dtls/src/flight/client/flight3.js): a HelloVerifyRequest is
 *   ignored unless it answers our first ClientHello (werift threw on a duplicate one, which a
 *   retransmitted ClientHello provokes, and the handshake failed).
 * - `RTCDtlsTransport.prototype.start` (webrtc/src/transport/dtls.js): remembers which DTLS
 *   transport runs over which ICE connection, so the screen knows when the handshake is done
 *   and can authenticate an alert with the session's own cipher before werift sees it.
 * - Candidate gathering (werift-adapter/gathering.ts): `UdpTransport.prototype.init` binds its
 *   socket in `rtp_port_range` starting after the last port handed out (werift probed every port
 *   from the range's start with a throw-away socket), and `Connection.prototype.gatherCandidates`
 *   asks no STUN server unless one is configured (werift fell back to stun.l.google.com).
 * - The DTLS handshake's CPU work (werift-dtls-crypto.ts, installed from here): werift computes
 *   the ECDHE key pair and shared secret in pure JavaScript (tweetnacl for X25519,
 *   @noble/curves for P-256), re-parses our certificate and key in JavaScript (@fidm/x509) for
 *   every connection, and has OpenSSL re-parse the PEM key for each signature. The curve work
 *   moves to OpenSSL through node:crypto, the parsed certificate is reused, and signatures use
 *   a KeyObject made once; same inputs and outputs (see bench/dtls-handshake.ts for figures).
 *   werift's flights call these through their modules' exports objects and prototypes at each
 *   use, so replacing them at run time is enough: chosen over patch-package because it needs
 *   no postinstall step and the same start-up shape check covers it.
 *
 * The patches apply to every werift PeerConnection in the process (the test clients too).
 */
import * as path from 'node:path';
import { RTCDtlsTransport, type RTCPeerConnection } from 'werift';
import { installDtlsPeerAuthentication, missingAuthShapes, type DtlsAuthModules } from './werift-dtls-auth';
import { installNativeDtlsCrypto, missingCryptoShapes, type DtlsCryptoModules } from './werift-dtls-crypto';
import {
  checkRtcp,
  checkRtp,
  isRtcp,
  kindOf,
  KIND_DTLS,
  KIND_MEDIA,
  KIND_STUN,
  newDropCounters,
  screenDtls,
  countDrop,
  type DropCounters,
  type DropReason,
} from './udp-guard';
import { installMediaPatches, missingMediaShapes } from './werift-adapter/media';
import { installGatheringPatches, missingGatheringShapes, type GatheringModules } from './werift-adapter/gathering';

export * from './werift-adapter/media';

export const WERIFT_VERSION = '0.24.4';

type Address = [string, number];

/** The parts of werift's private classes the adapter uses (0.24.4). */
interface StunMessage {
  messageClass: number;
  getAttributeValue(name: string): unknown;
}
interface StunProtocol {
  type: string;
  datagramReceived(data: Buffer, addr: Address): void;
  /** ICE-TCP protocols: one RFC 4571 frame from a connection. */
  handleFrame(data: Buffer, addr: Address): void;
  sendData(data: Buffer, addr: Address): Promise<void>;
}
interface Candidate {
  host: string;
  port: number;
}
interface CandidatePair {
  protocol: unknown;
  remoteCandidate: Candidate;
  state: number;
  requestsReceived: number;
}
interface IceConnection {
  checkList: CandidatePair[];
  nominated?: CandidatePair;
  userHistory: Record<string, string>;
  ensureProtocol(protocol: StunProtocol): void;
}
interface DtlsSocket {
  connected: boolean;
  cipher?: { decryptPacket(plain: unknown): Buffer };
}
interface DtlsTransport {
  iceTransport?: { connection?: IceConnection };
  dtls?: DtlsSocket;
  start(...args: unknown[]): Promise<void>;
}

interface Internals {
  Connection: { prototype: IceConnection } & (new (controlling: boolean, options: object) => IceConnection);
  StunProtocol: { prototype: StunProtocol };
  TcpProtocol: { prototype: StunProtocol };
  parseMessage: (data: Buffer, integrityKey?: Buffer) => StunMessage | undefined;
  REQUEST: number;
  SUCCEEDED: number;
  DtlsPlaintext: { deSerialize(buf: Buffer): unknown };
  CipherContext: { prototype: { decryptPacket?: unknown } };
  /** Where the peer's handshake signatures are verified (werift-dtls-auth.ts). */
  auth: DtlsAuthModules;
  Flight3: { prototype: { exec(this: { dtls: { flight: number } }, verifyReq: unknown): Promise<void> } };
  /** What the DTLS handshake's crypto goes through (werift-dtls-crypto.ts). */
  crypto: DtlsCryptoModules;
  /** Candidate gathering (werift-adapter/gathering.ts). */
  gathering: GatheringModules;
}

/** werift's own lib/ folder: its package exports hide the sub-packages we need. */
function weriftLib(): string {
  return path.join(path.dirname(require.resolve('werift')), '..', '..');
}

function load(): Internals {
  const lib = weriftLib();
  const req = (p: string) => require(path.join(lib, p)) as Record<string, any>;
  const ice = req('ice/src/ice.js');
  const iceBase = req('ice/src/iceBase.js');
  const protocol = req('ice/src/stun/protocol.js');
  const tcp = req('ice/src/stun/tcpProtocol.js');
  const message = req('ice-server/src/stun/message.js');
  const stunConst = req('ice-server/src/stun/const.js');
  const plaintext = req('dtls/src/record/message/plaintext.js');
  const cipher = req('dtls/src/context/cipher.js');
  const curves = req('dtls/src/cipher/const.js').NamedCurveAlgorithm ?? {};
  return {
    Flight3: req('dtls/src/flight/client/flight3.js').Flight3,
    auth: {
      Flight5: req('dtls/src/flight/client/flight5.js').Flight5,
      Flight6: req('dtls/src/flight/server/flight6.js').Flight6,
      ServerKeyExchange: req('dtls/src/handshake/message/server/keyExchange.js').ServerKeyExchange,
      CertificateVerify: req('dtls/src/handshake/message/client/certificateVerify.js').CertificateVerify,
    },
    crypto: {
      namedCurve: req('dtls/src/cipher/namedCurve.js') as DtlsCryptoModules['namedCurve'],
      prf: req('dtls/src/cipher/prf.js') as DtlsCryptoModules['prf'],
      curves: { secp256r1: curves.secp256r1_23, x25519: curves.x25519_29 },
      CipherContext: cipher.CipherContext,
      PrivateKey: (require(require.resolve('@fidm/x509', { paths: [lib] })) as Record<string, any>).PrivateKey,
      helper: req('dtls/src/helper.js') as DtlsCryptoModules['helper'],
    },
    gathering: { Connection: ice.Connection, UdpTransport: req('common/src/transport.js').UdpTransport },
    Connection: ice.Connection,
    StunProtocol: protocol.StunProtocol,
    // the base class of TcpActiveProtocol and TcpPassiveProtocol (not exported by itself)
    TcpProtocol: tcp.TcpActiveProtocol ? Object.getPrototypeOf(tcp.TcpActiveProtocol) : undefined,
    parseMessage: message.parseMessage,
    REQUEST: stunConst.classes?.REQUEST,
    SUCCEEDED: iceBase.CandidatePairState?.SUCCEEDED,
    DtlsPlaintext: plaintext.DtlsPlaintext,
    CipherContext: cipher.CipherContext,
  };
}

/** Every private shape the patches rely on; returns what is missing. */
function missingShapes(w: Internals): string[] {
  const missing: string[] = [];
  const need = (ok: boolean, what: string) => ok || missing.push(what);
  need(typeof w.Connection?.prototype?.ensureProtocol === 'function', 'ice Connection.prototype.ensureProtocol');
  need(typeof w.StunProtocol?.prototype?.datagramReceived === 'function', 'StunProtocol.prototype.datagramReceived');
  need(typeof w.StunProtocol?.prototype?.sendData === 'function', 'StunProtocol.prototype.sendData');
  need(typeof w.TcpProtocol?.prototype?.handleFrame === 'function', 'ICE-TCP BaseTcpProtocol.prototype.handleFrame');
  need(typeof w.parseMessage === 'function', 'stun parseMessage');
  need(w.REQUEST === 0, 'stun classes.REQUEST');
  need(w.SUCCEEDED === 3, 'CandidatePairState.SUCCEEDED');
  need(typeof w.DtlsPlaintext?.deSerialize === 'function', 'DtlsPlaintext.deSerialize');
  need(typeof w.CipherContext?.prototype?.decryptPacket === 'function', 'CipherContext.prototype.decryptPacket');
  need(typeof w.Flight3?.prototype?.exec === 'function', 'dtls Flight3.prototype.exec');
  missing.push(...missingCryptoShapes(w.crypto));
  missing.push(...missingAuthShapes(w.auth));
  missing.push(...missingMediaShapes());
  missing.push(...missingGatheringShapes(w.gathering));
  need(typeof (RTCDtlsTransport.prototype as unknown as DtlsTransport).start === 'function', 'RTCDtlsTransport.prototype.start');
  if (typeof w.Connection === 'function') {
    // instance fields exist only on instances: a throwaway one (it only draws random credentials)
    const c = new w.Connection(false, {}) as unknown as Record<string, unknown>;
    need(Array.isArray(c.checkList), 'Connection.checkList');
    need('nominated' in c, 'Connection.nominated');
    need(typeof c.userHistory === 'object' && c.userHistory !== null, 'Connection.userHistory');
  }
  const t = new RTCDtlsTransport({} as never, {} as never, undefined as never, []) as unknown as Record<string, unknown>;
  need('iceTransport' in t && 'dtls' in t, 'RTCDtlsTransport.iceTransport/dtls');
  return missing;
}

let w: Internals | undefined;
const dtlsOf = new WeakMap<IceConnection, DtlsTransport>();
const dropsOf = new WeakMap<IceConnection, DropCounters>();
const guarded = new WeakSet<object>();

/**
 * Patch werift once (idempotent). Throws when werift's internals are not what we expect.
 * `nativeDtlsCrypto: false` keeps werift's own handshake crypto (only for the before/after bench).
 */
export function installWeriftAdapter(opts: { nativeDtlsCrypto?: boolean } = {}): void {
  if (w) return;
  const internals = load();
  const missing = missingShapes(internals);
  if (missing.length > 0) {
    throw new Error(
      `werift internals changed (janus-ts expects werift ${WERIFT_VERSION}): missing ${missing.join(', ')}. ` +
        'Install the pinned version (npm ci) or update core/media/werift-adapter.ts and core/media/werift-adapter/.',
    );
  }
  w = internals;
  const conn = internals.Connection.prototype;
  const ensureProtocol = conn.ensureProtocol;
  conn.ensureProtocol = function (this: IceConnection, protocol: StunProtocol) {
    ensureProtocol.call(this, protocol);
    // UDP datagrams, and ICE-TCP frames (RFC 4571: one datagram each, from any TCP connection)
    const p: object = protocol;
    if (p instanceof (internals.StunProtocol as unknown as new () => object)) guard(this, protocol, 'datagramReceived');
    else if (p instanceof (internals.TcpProtocol as unknown as new () => object)) guard(this, protocol, 'handleFrame');
  };
  if (opts.nativeDtlsCrypto !== false) installNativeDtlsCrypto(internals.crypto);
  installDtlsPeerAuthentication(internals.auth);
  installMediaPatches();
  installGatheringPatches(internals.gathering);
  // werift's DTLS client throws (and fails the handshake) on a second HelloVerifyRequest, and
  // restarts its handshake on a late one: both happen when our ClientHello is retransmitted
  // under load, and anyone can send one. It is only meaningful right after our first flight.
  const flight3 = internals.Flight3.prototype;
  const exec3 = flight3.exec;
  flight3.exec = function (this: { dtls: { flight: number } }, verifyReq: unknown) {
    if (this.dtls.flight !== 1) return Promise.resolve();
    return exec3.call(this, verifyReq);
  };
  const dtls = RTCDtlsTransport.prototype as unknown as DtlsTransport;
  const start = dtls.start;
  dtls.start = function (this: DtlsTransport, ...args: unknown[]) {
    const c = this.iceTransport?.connection;
    if (c) dtlsOf.set(c, this);
    return start.apply(this, args);
  };
}

function guard(conn: IceConnection, protocol: StunProtocol, entry: 'datagramReceived' | 'handleFrame'): void {
  if (guarded.has(protocol)) return;
  guarded.add(protocol);
  const received = protocol[entry];
  const records = { records: 0 };
  protocol[entry] = (data: Buffer, addr: Address) => {
    const out = screen(conn, protocol, data, addr, records);
    if (typeof out === 'string') {
      count(conn, out);
      return;
    }
    if (records.records > 0) count(conn, 'dtls_unauthenticated');
    received.call(protocol, out, addr);
  };
}

function count(conn: IceConnection, why: DropReason): void {
  countDrop(why);
  let c = dropsOf.get(conn);
  if (!c) dropsOf.set(conn, (c = newDropCounters()));
  c[why]++;
}

/** The datagram to hand to werift, or why it is dropped. */
function screen(conn: IceConnection, protocol: StunProtocol, data: Buffer, addr: Address, records: { records: number }): Buffer | DropReason {
  records.records = 0;
  if (data.length === 0) return 'unknown_protocol';
  const kind = kindOf(data[0]);
  // STUN may come from anywhere (that is how ICE finds paths), but requests must be ours
  if (kind === KIND_STUN) return screenStun(conn, data) ?? data;
  if (!fromValidatedPair(conn, protocol, addr)) return 'foreign_source';
  if (kind === KIND_MEDIA) {
    if (isRtcp(data)) return checkRtcp(data) ? data : 'rtcp_malformed';
    return checkRtp(data) ? data : 'rtp_malformed';
  }
  if (kind === KIND_DTLS) {
    const t = dtlsOf.get(conn);
    const socket = t?.dtls;
    return screenDtls(data, socket?.connected === true, socket ? (r) => authenticAlert(socket, r) : undefined, records);
  }
  return 'unknown_protocol';
}

function screenStun(conn: IceConnection, data: Buffer): DropReason | undefined {
  const msg = w!.parseMessage(data);
  if (!msg) return 'stun_malformed';
  // responses are checked by werift against the transaction's key; indications are ignored by it
  if (msg.messageClass !== w!.REQUEST) return undefined;
  const user = msg.getAttributeValue('USERNAME');
  if (typeof user !== 'string') return 'stun_unauthenticated';
  const colon = user.indexOf(':');
  const ufrag = colon < 0 ? user : user.slice(0, colon);
  // our current ufrag or one from before an ICE restart, as werift answers them
  const password = Object.hasOwn(conn.userHistory, ufrag) ? conn.userHistory[ufrag] : undefined;
  if (typeof password !== 'string') return 'stun_unauthenticated';
  return w!.parseMessage(data, Buffer.from(password, 'utf8')) ? undefined : 'stun_unauthenticated';
}

/** The pair media last came in on: an ICE restart clears werift's nominated pair and check list. */
const lastNominated = new WeakMap<IceConnection, CandidatePair>();

/**
 * Source is the nominated pair's remote, or the remote of a pair the peer proved (RFC 8445 valid
 * list), or, while an ICE restart has no new pair yet, the remote media last came from.
 */
function fromValidatedPair(conn: IceConnection, protocol: StunProtocol, addr: Address): boolean {
  const n = conn.nominated;
  if (n && n.protocol === protocol && n.remoteCandidate.port === addr[1] && n.remoteCandidate.host === addr[0]) {
    if (lastNominated.get(conn) !== n) lastNominated.set(conn, n);
    return true;
  }
  for (const p of conn.checkList) {
    if (p.protocol !== protocol || p.remoteCandidate.port !== addr[1] || p.remoteCandidate.host !== addr[0]) continue;
    // succeeded, or it sent us a request that passed MESSAGE-INTEGRITY (the screen above)
    if (p.state === w!.SUCCEEDED || p.requestsReceived > 0) return true;
  }
  const last = n ? undefined : lastNominated.get(conn);
  return !!last && last.protocol === protocol && last.remoteCandidate.port === addr[1] && last.remoteCandidate.host === addr[0];
}

function authenticAlert(socket: DtlsSocket, record: Buffer): boolean {
  if (!socket.cipher) return false;
  try {
    socket.cipher.decryptPacket(w!.DtlsPlaintext.deSerialize(record));
    return true;
  } catch {
    return false;
  }
}

// --- for Admin and tests ---

/** Datagrams dropped on this PeerConnection's sockets, by reason. */
export function droppedDatagrams(pc: RTCPeerConnection): DropCounters {
  const out = newDropCounters();
  for (const t of pc.iceTransports) {
    const c = dropsOf.get((t as unknown as { connection: IceConnection }).connection);
    if (!c) continue;
    for (const k of Object.keys(out) as DropReason[]) out[k] += c[k];
  }
  return out;
}

/**
 * Send raw bytes from this PeerConnection's nominated socket to its nominated remote address:
 * for tests that must speak from the validated address (a peer can only be spoofed this way on
 * loopback). Returns false when there is no nominated pair yet.
 */
export async function sendRawFromPeer(pc: RTCPeerConnection, data: Buffer): Promise<boolean> {
  const conn = (pc.iceTransports[0] as unknown as { connection?: IceConnection } | undefined)?.connection;
  const n = conn?.nominated;
  if (!n) return false;
  const p = n.protocol as StunProtocol;
  await p.sendData(data, [n.remoteCandidate.host, n.remoteCandidate.port]);
  return true;
}

/** The remote address of this PeerConnection's nominated pair (where it sends its media). */
export function nominatedRemote(pc: RTCPeerConnection): Address | undefined {
  const conn = (pc.iceTransports[0] as unknown as { connection?: IceConnection } | undefined)?.connection;
  const n = conn?.nominated;
  return n ? [n.remoteCandidate.host, n.remoteCandidate.port] : undefined;
}
