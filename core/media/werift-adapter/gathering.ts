/**
 * How werift gathers host candidates, made what a Janus operator expects.
 *
 * Port choice in `rtp_port_range`: werift's `UdpTransport.init` (common/src/transport.js) asks
 * `findPort` (common/src/network.js) for a free port, which scans the range from its lowest port
 * every time: for each port a throw-away socket binds on the next loop turn, waits for
 * 'listening' or EADDRINUSE, closes and waits for the close; then the real socket binds the port
 * found. With k PeerConnections open, the next offer waits about 2k loop turns and makes k
 * sockets (a join storm is O(N²) in both). Here the transport's own socket binds directly,
 * starting after the port handed out last (wrapping round) and moving on at EADDRINUSE (another
 * process may hold a port; a dgram socket can bind again after a failed bind). Binding to an
 * address literal completes within the current tick. Without a range, or with a fixed port,
 * werift's own code runs.
 *
 * STUN: werift's ICE `Connection` falls back to stun.l.google.com:19302 when no STUN server is
 * given, so every offer or answer looked the name up and sent it a binding request, and waited
 * for the answer (or 5 s where outbound UDP is filtered) before gathering completed. Janus asks
 * a STUN server only when `stun_server` is set; so do we: without one in the options, the
 * fallback is cleared before gathering.
 */
import type * as dgram from 'node:dgram';

type Family = 'udp4' | 'udp6';
interface UdpTransport {
  socket: dgram.Socket;
  socketType: Family;
  options: { port?: number; portRange?: [number, number]; interfaceAddresses?: Partial<Record<Family, string>> };
  init(): Promise<void>;
}
interface IceConnection {
  options: { stunServer?: unknown };
  stunServer?: unknown;
  gatherCandidates(): Promise<void>;
}

/** The werift classes patched here (loaded by werift-adapter.ts with the others). */
export interface GatheringModules {
  /** ice/src/ice.js */
  Connection: { prototype: IceConnection };
  /** common/src/transport.js */
  UdpTransport: { prototype: UdpTransport };
}

/** Next port to try per (family, address, range): per thread, as each media worker has its own share. */
const cursors = new Map<string, number>();

export function missingGatheringShapes(m: Partial<GatheringModules>): string[] {
  const missing: string[] = [];
  const init = String(m.UdpTransport?.prototype?.init ?? '');
  // the fields read below, as werift's own code reads them
  for (const field of ['this.options.port', 'this.options.portRange', 'this.socketType', 'this.socket.bind']) {
    if (!init.includes(field)) missing.push(`UdpTransport.prototype.init using ${field}`);
  }
  if (typeof m.Connection?.prototype?.gatherCandidates !== 'function') missing.push('ice Connection.prototype.gatherCandidates');
  // the constructor falls back to a public STUN server when its options give none
  else if (!/stunServer[^;]*= this\.options;/.test(String(m.Connection))) missing.push('ice Connection taking stunServer from its options');
  return missing;
}

function bindOnce(socket: dgram.Socket, port: number, address: string | undefined): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => {
      socket.off('listening', onListening);
      resolve(err);
    };
    const onListening = () => {
      socket.off('error', onError);
      resolve(undefined);
    };
    socket.once('error', onError);
    socket.once('listening', onListening);
    socket.bind({ port, address });
  });
}

/** Bind `socket` to a free port in [min, max], starting after the last one handed out. */
async function bindInRange(socket: dgram.Socket, [min, max]: [number, number], family: Family, address: string | undefined): Promise<number> {
  const key = `${family}|${address ?? ''}|${min}|${max}`;
  let port = cursors.get(key) ?? min;
  for (let tried = 0; tried <= max - min; tried++) {
    if (port > max || port < min) port = min;
    const candidate = port++;
    const err = await bindOnce(socket, candidate, address);
    if (!err) {
      cursors.set(key, port);
      return candidate;
    }
    if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err;
  }
  throw new Error(`no free port in ${min}-${max}`);
}

export function installGatheringPatches(m: GatheringModules): void {
  const ice = m.Connection.prototype;
  const gather = ice.gatherCandidates;
  ice.gatherCandidates = function (this: IceConnection) {
    if (this.options.stunServer === undefined) this.stunServer = undefined;
    return gather.call(this);
  };
  const proto = m.UdpTransport.prototype;
  const init = proto.init;
  proto.init = async function (this: UdpTransport) {
    const range = this.options.portRange;
    if (this.options.port || !range) return init.call(this);
    await bindInRange(this.socket, range, this.socketType, this.options.interfaceAddresses?.[this.socketType]);
  };
}
