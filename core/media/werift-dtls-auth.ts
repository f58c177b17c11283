/**
 * The DTLS peer must prove it holds the key of the certificate whose fingerprint the SDP gave.
 * werift 0.24.4 checks the fingerprint but never verifies the two signatures that prove it: the
 * ServerKeyExchange signature when it is the client (our answers: setup active) and the client's
 * CertificateVerify when it is the server (our offers). Anyone who has seen the peer's
 * certificate (sent in the clear in every DTLS 1.2 handshake) could then complete a handshake in
 * its place from the path. Installed by werift-adapter.ts, which checks these shapes at start-up.
 */
import { verify, X509Certificate, constants, type KeyObject } from 'node:crypto';

interface Random {
  serialize(): Buffer;
}
interface Cipher {
  localRandom?: Random;
  remoteRandom?: Random;
  remoteCertificate?: Buffer;
  valueKeySignature(clientRandom: Buffer, serverRandom: Buffer, publicKey: Buffer, namedCurve: number): Buffer;
}
interface Fragment {
  msg_type: number;
  fragment: Buffer;
  serialize(): Buffer;
}
interface ServerKeyExchangeMsg {
  namedCurve: number;
  publicKey: Buffer;
  hashAlgorithm: number;
  signatureAlgorithm: number;
  signature: Buffer;
}
interface FlightLike {
  cipher: Cipher;
  dtls: { flight: number; sortedHandshakeCache: Fragment[] };
}

export interface DtlsAuthModules {
  /** Client side: handles each message of the server's flight 4. */
  Flight5: { prototype: { handleHandshake(this: FlightLike, h: Fragment): void } };
  /** Server side: sends our CCS+Finished once the client's flight 5 is complete. */
  Flight6: { prototype: { exec(this: FlightLike): Promise<void> } };
  ServerKeyExchange: { deSerialize(buf: Buffer): ServerKeyExchangeMsg };
  CertificateVerify: { deSerialize(buf: Buffer): { algorithm: number; signature: Buffer } };
}

export function missingAuthShapes(m: DtlsAuthModules): string[] {
  const missing: string[] = [];
  if (typeof m.Flight5?.prototype?.handleHandshake !== 'function') missing.push('dtls Flight5.prototype.handleHandshake');
  if (typeof m.Flight6?.prototype?.exec !== 'function') missing.push('dtls Flight6.prototype.exec');
  if (typeof m.ServerKeyExchange?.deSerialize !== 'function') missing.push('dtls ServerKeyExchange.deSerialize');
  if (typeof m.CertificateVerify?.deSerialize !== 'function') missing.push('dtls CertificateVerify.deSerialize');
  return missing;
}

const SERVER_KEY_EXCHANGE = 12;
const CERTIFICATE_VERIFY = 15;

export function installDtlsPeerAuthentication(m: DtlsAuthModules): void {
  const f5 = m.Flight5.prototype;
  const handle = f5.handleHandshake;
  f5.handleHandshake = function (this: FlightLike, h: Fragment) {
    handle.call(this, h);
    if (h.msg_type !== SERVER_KEY_EXCHANGE) return;
    const ske = m.ServerKeyExchange.deSerialize(h.fragment);
    const c = this.cipher;
    if (!c.localRandom || !c.remoteRandom || !c.remoteCertificate) throw new Error('DTLS: ServerKeyExchange before ServerHello/Certificate');
    const signed = c.valueKeySignature(c.localRandom.serialize(), c.remoteRandom.serialize(), ske.publicKey, ske.namedCurve);
    if (!verifies(c.remoteCertificate, (ske.hashAlgorithm << 8) | ske.signatureAlgorithm, signed, ske.signature)) {
      throw new Error('DTLS: the ServerKeyExchange signature does not match the certificate');
    }
  };

  const f6 = m.Flight6.prototype;
  const exec = f6.exec;
  f6.exec = function (this: FlightLike) {
    if (this.dtls.flight !== 6) {
      // the transcript the client signed: every handshake message before its CertificateVerify
      const cache = this.dtls.sortedHandshakeCache;
      const at = cache.findIndex((h) => h.msg_type === CERTIFICATE_VERIFY);
      const cert = this.cipher.remoteCertificate;
      if (at < 0 || !cert) return Promise.reject(new Error('DTLS: the client did not prove its certificate (no CertificateVerify)'));
      const cv = m.CertificateVerify.deSerialize(cache[at].fragment);
      const transcript = Buffer.concat(cache.slice(0, at).map((h) => h.serialize()));
      if (!verifies(cert, cv.algorithm, transcript, cv.signature)) {
        return Promise.reject(new Error('DTLS: the CertificateVerify signature does not match the certificate'));
      }
    }
    return exec.call(this);
  };
}

/** Public keys of certificates seen lately, by DER (browsers keep one certificate for many connections). */
const keys = new Map<string, KeyObject>();
const HASHES: Record<number, string> = { 2: 'sha1', 4: 'sha256', 5: 'sha384', 6: 'sha512' };

/** A TLS 1.2 SignatureAndHashAlgorithm (hash << 8 | signature) or a TLS 1.3-style RSA-PSS scheme. */
function verifies(certDer: Buffer, scheme: number, data: Buffer, signature: Buffer): boolean {
  const id = certDer.toString('base64');
  let key = keys.get(id);
  try {
    if (!key) {
      key = new X509Certificate(certDer).publicKey;
      if (keys.size >= 256) keys.delete(keys.keys().next().value!);
      keys.set(id, key);
    }
    if (scheme >= 0x0804 && scheme <= 0x0806) {
      // rsa_pss_rsae_sha256/384/512
      const hash = ['sha256', 'sha384', 'sha512'][scheme - 0x0804];
      return verify(hash, data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    }
    const hash = HASHES[scheme >> 8];
    const sig = scheme & 0xff;
    if (!hash || (sig !== 1 && sig !== 3)) return false; // rsa_pkcs1 or ecdsa only
    return verify(hash, data, key, signature);
  } catch {
    return false;
  }
}
