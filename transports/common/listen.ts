import * as net from 'node:net';
import * as os from 'node:os';

/**
 * Where to bind, from Janus's pair of keys: `ip` (an address) wins over `interface` (a name such
 * as `eth0`, or an address). Neither: all addresses (IPv4 and IPv6).
 */
export function bindAddress(ip: string | undefined, iface: string | undefined): string | undefined {
  if (ip) return ip;
  if (!iface) return undefined;
  if (net.isIP(iface)) return iface;
  const addrs = os.networkInterfaces()[iface];
  const v4 = addrs?.find((a) => a.family === 'IPv4') ?? addrs?.[0];
  if (!v4) throw new Error(`No such network interface '${iface}'`);
  return v4.address;
}

/** Listen and resolve once bound; reject with a clear message (e.g. port in use). */
export function listen(server: net.Server, port: number, host: string | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new Error(`${what}: cannot listen on ${host ?? '*'}:${port}: ${err.code ?? err.message}`));
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** IP prefix ACL (`"127.,192.168.0."`): empty list allows everyone. */
export function aclAllows(acl: readonly string[], ip: string | undefined): boolean {
  if (acl.length === 0) return true;
  const addr = (ip ?? '').replace(/^::ffff:/, '');
  return acl.some((prefix) => addr.startsWith(prefix));
}

/** Close a server and every socket still open on it. */
export function closeServer(server: net.Server | undefined, sockets: Set<net.Socket>): Promise<void> {
  if (!server) return Promise.resolve();
  for (const s of sockets) s.destroy();
  return new Promise((resolve) => server.close(() => resolve()));
}
