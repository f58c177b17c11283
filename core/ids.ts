import { randomBytes } from 'node:crypto';

/** Random unsigned integer masked to 53 bits (JS-safe), never 0: how Janus makes session/handle IDs. */
export function randomId53(): number {
  for (;;) {
    const b = randomBytes(8);
    const hi = b.readUInt32BE(0) & 0x1fffff;
    const id = hi * 0x100000000 + b.readUInt32BE(4);
    if (id !== 0) return id;
  }
}

