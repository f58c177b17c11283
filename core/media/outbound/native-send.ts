import * as fs from 'node:fs';
import * as path from 'node:path';
import * as dgram from 'node:dgram';

/**
 * The native outbound stage (core/media/outbound/native/srtp_gcm_send.c, built into
 * dist/native by `npm run build`): AES-128-GCM SRTP with one reused OpenSSL context per SRTP
 * session, and the datagram straight to the ICE pair's UDP socket with sendmsg. Optional: without
 * a compiler the addon is missing and the JavaScript stage (node:crypto + dgram) sends instead.
 */
export interface NativeSrtpAddon {
  gcmContext(key: Buffer, salt: Buffer): object;
  sockaddr(ip: string, port: number): Buffer | undefined;
  protectSend(ctx: object, fd: number, addr: Buffer, packet: Buffer, headerLength: number, length: number, ssrc: number, roc: number, seq: number): number;
}

/** Where the build puts the addon (dist/native, next to dist/core). */
export const NATIVE_SRTP_ADDON = path.join(__dirname, '..', '..', '..', 'native', 'srtp_gcm_send.node');

let addon: NativeSrtpAddon | undefined;
let loadError: string | undefined;
let enabled = false;

/** Load the addon (once per thread). Returns why it cannot be used, or undefined when it can. */
export function loadNativeSrtp(): string | undefined {
  if (addon || loadError) return loadError;
  try {
    if (!fs.existsSync(NATIVE_SRTP_ADDON)) throw new Error(`${NATIVE_SRTP_ADDON} not built (needs a C compiler and Node's headers at build time)`);
    const a = require(NATIVE_SRTP_ADDON) as NativeSrtpAddon;
    if (typeof a.gcmContext !== 'function' || typeof a.sockaddr !== 'function' || typeof a.protectSend !== 'function') throw new Error('unexpected exports');
    // the descriptor comes from node:dgram's private state: check its shape once, here
    const probe = dgram.createSocket('udp4');
    const shape = dgramState(probe);
    probe.close();
    if (!shape) throw new Error("node:dgram's socket state (its 'state symbol' with a handle) not found in this Node version");
    addon = a;
  } catch (err) {
    loadError = (err as Error).message;
  }
  return loadError;
}

/**
 * janus.jcfg `media.native_srtp`: use the addon in this thread (when it loads). Returns why it is
 * not used, or undefined when it is.
 */
export function configureNativeSrtp(on: boolean): string | undefined {
  enabled = false;
  if (!on) return 'media.native_srtp = false';
  const why = loadNativeSrtp();
  enabled = !why;
  return why;
}

/** The addon when this thread sends through it. */
export function nativeSrtp(): NativeSrtpAddon | undefined {
  return enabled ? addon : undefined;
}

/** node:dgram keeps its libuv handle under a private symbol; `fd` is the handle's own getter. */
export interface DgramState {
  handle: { fd?: number } | null;
}

/**
 * The internal state of a dgram socket, whose `handle` is null from the moment the socket is
 * closed (the descriptor number may then be reused: read it per packet through this object).
 */
export function dgramState(socket: dgram.Socket | object): DgramState | undefined {
  const sym = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const st = sym ? (socket as unknown as Record<symbol, DgramState | undefined>)[sym] : undefined;
  return st && typeof st === 'object' && 'handle' in st ? st : undefined;
}
