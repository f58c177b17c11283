/**
 * The one port allocator of the test suite.
 *
 * - TCP (`freePort`, `freePorts`): the OS picks a free port on 127.0.0.1; a port handed out once
 *   in this process is never handed out again, so two servers started back to back cannot get the
 *   same one.
 * - UDP ranges (`udpRange`): werift peers (`icePortRange`) and the server's `rtp_port_range` need
 *   a range, which the OS cannot pick. Blocks come from a per-process counter in 20000-32767,
 *   below Linux's ephemeral range (32768+), so no OS-picked port (a TCP client, a forwarder bound
 *   to port 0) ever lands in one. The counter starts at an offset from the PID, so that specs run
 *   by hand in one network namespace rarely overlap; `npm test` runs each shard in its own
 *   namespace, where nothing else binds.
 */
import * as net from 'node:net';

const given = new Set<number>();

function osPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** A TCP port free on 127.0.0.1 right now, never given before in this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const p = await osPort();
    if (!given.has(p)) {
      given.add(p);
      return p;
    }
  }
}

/** Named TCP ports: `await freePorts('http', 'admin')` → `{ http, admin }`. */
export async function freePorts<K extends string>(...names: K[]): Promise<Record<K, number>> {
  const out = {} as Record<K, number>;
  for (const n of names) out[n] = await freePort();
  return out;
}

const UDP_LO = 20000;
const UDP_HI = 32767;
let nextUdp = UDP_LO + ((process.pid * 97) % 64) * 100;

/** `size` consecutive UDP ports [lo, hi] not given before in this process (until the range wraps). */
export function udpRange(size = 4): [number, number] {
  if (nextUdp + size - 1 > UDP_HI) nextUdp = UDP_LO;
  const lo = nextUdp;
  nextUdp += size;
  return [lo, lo + size - 1];
}

/** The same block as a `rtp_port_range` config value ("lo-hi"). */
export function rtpPortRange(size = 200): string {
  const [lo, hi] = udpRange(size);
  return `${lo}-${hi}`;
}
