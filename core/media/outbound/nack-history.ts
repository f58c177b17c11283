import type { OutPacket } from './out-packet';

/**
 * Packets kept per sending stream to answer NACKs (Janus keeps `min_nack_queue` ms; werift's own
 * sender, used only when our chain cannot send a packet, keeps 128).
 */
export const NACK_HISTORY = 256;

/**
 * Outbound stage 2: the NACK history, which is also where each outgoing packet is built. A slot
 * per sequence number (mod NACK_HISTORY) owns its buffer for good, so the header writer writes the
 * packet straight into the slot that keeps it (one copy of the payload per packet, no allocation
 * once the slots have grown), and a retransmission reads it back from there.
 */
export class NackHistory {
  private readonly slots: Array<Buffer | undefined> = new Array(NACK_HISTORY);
  private readonly lengths = new Int32Array(NACK_HISTORY);
  private readonly seqs = new Int32Array(NACK_HISTORY).fill(-1);

  /** The owned buffer packet `seq` is written into (at least `need` bytes). */
  reserve(p: OutPacket, need: number): void {
    const slot = p.seq % NACK_HISTORY;
    let b = this.slots[slot];
    // invalidate first: until commit the slot holds a half-written packet
    this.seqs[slot] = -1;
    if (!b || b.length < need) b = this.slots[slot] = Buffer.allocUnsafeSlow(Math.max(need, need > 300 ? 1500 : 300));
    p.out = b;
  }

  /** The packet is complete in its slot: NACKs may ask for it from now on. */
  commit(p: OutPacket): void {
    const slot = p.seq % NACK_HISTORY;
    this.lengths[slot] = p.length;
    this.seqs[slot] = p.seq;
  }

  /** The plain packet sent with this sequence number, if still kept (a view, not a copy). */
  find(seq: number): Buffer | undefined {
    const slot = seq % NACK_HISTORY;
    const b = this.slots[slot];
    if (!b || this.seqs[slot] !== seq) return undefined;
    return b.subarray(0, this.lengths[slot]);
  }
}
