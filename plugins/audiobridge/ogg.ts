/** Reads the Opus packets of an Ogg Opus file (`play_file`): OpusHead and OpusTags are skipped. */

export function readOggOpus(data: Buffer): Uint8Array[] | undefined {
  const packets: Uint8Array[] = [];
  let pending: Buffer[] = [];
  let off = 0;
  let seenHead = false;
  while (off + 27 <= data.length) {
    if (data.toString('ascii', off, off + 4) !== 'OggS') return packets.length > 0 ? packets : undefined;
    const nseg = data[off + 26];
    const table = off + 27;
    let body = table + nseg;
    if (body > data.length) break;
    for (let i = 0; i < nseg; i++) {
      const l = data[table + i];
      pending.push(data.subarray(body, Math.min(data.length, body + l)));
      body += l;
      if (l < 255) {
        const p = Buffer.concat(pending);
        pending = [];
        if (p.toString('ascii', 0, 8) === 'OpusHead') seenHead = true;
        else if (p.toString('ascii', 0, 8) !== 'OpusTags' && p.length > 0) packets.push(new Uint8Array(p));
      }
    }
    off = body;
  }
  return seenHead ? packets : undefined;
}
