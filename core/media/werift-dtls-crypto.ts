/**
 * The DTLS handshake's CPU work moved from werift's JavaScript to OpenSSL (node:crypto).
 * Installed by werift-adapter.ts (which loads the werift modules and checks their shapes at
 * start-up); measured by bench/dtls-handshake.ts. Each replacement keeps werift's inputs and
 * outputs exactly:
 * - ECDHE key pair (namedCurve.generateKeyPair) and shared secret (prf.prfPreMasterSecret):
 *   X25519 keys as raw 32 bytes, P-256 public keys as uncompressed points, the P-256 secret as
 *   the x coordinate; an invalid peer key throws, as it does in werift.
 * - Our certificate and key (CipherContext.parseX509): parsed once per certificate, not per
 *   connection.
 * - Signatures (ServerKeyExchange via PrivateKey.sign, CertificateVerify via
 *   CipherContext.signatureData): with a KeyObject made once per key instead of handing OpenSSL
 *   the PEM text to parse at every signature.
 * - helper.dumpBuffer: werift formats whole datagrams as hex text for debug logs even when
 *   logging is off (on every record that fails to decrypt, which an attacker controls): only
 *   when DEBUG names werift.
 */
import { createECDH, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

interface KeyPair {
  curve: number;
  privateKey: Buffer;
  publicKey: Buffer;
}
interface FidmPrivateKey {
  oid?: string;
  toPEM(): string;
  sign(data: Buffer, hashAlgorithm: string): Buffer;
}
interface CipherContextLike {
  localCert?: Buffer;
  localPrivateKey?: FidmPrivateKey;
  signatureHashAlgorithm?: unknown;
  parseX509(certPem: string, keyPem: string, signatureHash: unknown): void;
  signatureData(data: Buffer, hash: string): Buffer;
}

/** The werift modules (and its @fidm/x509) whose functions are replaced. */
export interface DtlsCryptoModules {
  namedCurve: { generateKeyPair: (curve: number) => KeyPair };
  prf: { prfPreMasterSecret: (publicKey: Buffer, privateKey: Buffer, curve: number) => Buffer };
  curves: { secp256r1: number; x25519: number };
  CipherContext: { prototype: CipherContextLike };
  PrivateKey: { prototype: FidmPrivateKey; _signers?: Record<string, unknown> };
  helper: { dumpBuffer: (data: Buffer) => string };
}

export function missingCryptoShapes(m: DtlsCryptoModules): string[] {
  const missing: string[] = [];
  const need = (ok: boolean, what: string) => ok || missing.push(what);
  need(typeof m.namedCurve?.generateKeyPair === 'function', 'dtls namedCurve.generateKeyPair');
  need(typeof m.prf?.prfPreMasterSecret === 'function', 'dtls prf.prfPreMasterSecret');
  need(m.curves?.secp256r1 === 23 && m.curves?.x25519 === 29, 'NamedCurveAlgorithm secp256r1_23/x25519_29');
  need(typeof m.CipherContext?.prototype?.parseX509 === 'function', 'CipherContext.prototype.parseX509');
  need(typeof m.CipherContext?.prototype?.signatureData === 'function', 'CipherContext.prototype.signatureData');
  need(typeof m.PrivateKey?.prototype?.sign === 'function' && typeof m.PrivateKey?.prototype?.toPEM === 'function', '@fidm/x509 PrivateKey.sign/toPEM');
  need(typeof m.helper?.dumpBuffer === 'function', 'dtls helper.dumpBuffer');
  return missing;
}

export function installNativeDtlsCrypto(m: DtlsCryptoModules): void {
  const c = m.curves;
  m.namedCurve.generateKeyPair = (curve) => ecdheKeyPair(curve, c);
  m.prf.prfPreMasterSecret = (publicKey, privateKey, curve) => ecdheSecret(publicKey, privateKey, curve, c);

  const proto = m.CipherContext.prototype;
  const parseX509 = proto.parseX509;
  const parsed = new Map<string, { localCert?: Buffer; localPrivateKey?: FidmPrivateKey }>();
  proto.parseX509 = function (this: CipherContextLike, certPem: string, keyPem: string, signatureHash: unknown) {
    const k = `${certPem}\n${keyPem}`;
    const hit = parsed.get(k);
    if (!hit) {
      parseX509.call(this, certPem, keyPem, signatureHash);
      if (parsed.size >= 16) parsed.clear(); // a server uses one certificate; never grow without bound
      parsed.set(k, { localCert: this.localCert, localPrivateKey: this.localPrivateKey });
      return;
    }
    this.localCert = hit.localCert;
    this.localPrivateKey = hit.localPrivateKey;
    this.signatureHashAlgorithm = signatureHash;
  };
  proto.signatureData = function (this: CipherContextLike, data: Buffer, hash: string) {
    return sign(hash, data, keyObjectOf(this.localPrivateKey!));
  };
  const pk = m.PrivateKey.prototype;
  const pkSign = pk.sign;
  pk.sign = function (this: FidmPrivateKey, data: Buffer, hashAlgorithm: string) {
    // keys @fidm signs itself (ed25519) keep its path; EC and RSA keys go to OpenSSL directly
    if (this.oid && m.PrivateKey._signers?.[this.oid]) return pkSign.call(this, data, hashAlgorithm);
    return sign(hashAlgorithm, data, keyObjectOf(this));
  };

  const dumpBuffer = m.helper.dumpBuffer;
  const debugOn = /werift/.test(process.env.DEBUG ?? '');
  m.helper.dumpBuffer = (data) => (debugOn ? dumpBuffer(data) : '');
}

const keyObjects = new WeakMap<FidmPrivateKey, KeyObject>();
function keyObjectOf(key: FidmPrivateKey): KeyObject {
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, (k = createPrivateKey(key.toPEM())));
  return k;
}

// --- ECDHE ---

/** DER wrapping of a raw X25519 private key (RFC 8410 PKCS#8 prefix), for a key we did not make. */
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
/** Our X25519 private keys as OpenSSL objects, by the raw buffer werift keeps and hands back. */
const x25519Keys = new WeakMap<Buffer, KeyObject>();

export function ecdheKeyPair(curve: number, c: DtlsCryptoModules['curves']): KeyPair {
  if (curve === c.secp256r1) {
    const ecdh = createECDH('prime256v1');
    const publicKey = ecdh.generateKeys(); // uncompressed point, as werift sends it
    return { curve, privateKey: ecdh.getPrivateKey(), publicKey };
  }
  if (curve === c.x25519) {
    const keys = generateKeyPairSync('x25519');
    // JWK export is the cheap way to the raw bytes (DER export and, above all, import are slow)
    const jwk = keys.privateKey.export({ format: 'jwk' });
    const privateKey = Buffer.from(jwk.d!, 'base64url');
    x25519Keys.set(privateKey, keys.privateKey);
    return { curve, privateKey, publicKey: Buffer.from(jwk.x!, 'base64url') };
  }
  throw new Error(`DTLS: unsupported named curve ${curve}`);
}

/** The ECDHE shared secret (P-256: the x coordinate). Throws on an invalid peer key, as werift does. */
export function ecdheSecret(publicKey: Buffer, privateKey: Buffer, curve: number, c: DtlsCryptoModules['curves']): Buffer {
  if (curve === c.secp256r1) {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(privateKey);
    return ecdh.computeSecret(publicKey);
  }
  if (curve === c.x25519) {
    if (publicKey.length !== 32 || privateKey.length !== 32) throw new Error('DTLS: bad X25519 key length');
    return diffieHellman({
      privateKey: x25519Keys.get(privateKey) ?? createPrivateKey({ key: Buffer.concat([X25519_PKCS8, privateKey]), format: 'der', type: 'pkcs8' }),
      publicKey: createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: publicKey.toString('base64url') }, format: 'jwk' }),
    });
  }
  throw new Error(`DTLS: unsupported named curve ${curve}`);
}
