import assert from 'node:assert/strict';
import { RtcpWalker, rtcpHasKeyframeRequest, summarizeRtcp } from '../core/plugin-api';

/** One RTCP packet: version 2, `fmt`, type `pt`, `body` bytes (a multiple of 4) after the header. */
function pkt(pt: number, fmt: number, body: number[] = [0, 0, 0, 0]): Buffer {
  const b = Buffer.alloc(4 + body.length);
  b[0] = 0x80 | fmt;
  b[1] = pt;
  b.writeUInt16BE(body.length / 4, 2);
  Buffer.from(body).copy(b, 4);
  return b;
}
const rr = () => pkt(201, 0, [0, 0, 0, 1]);
const pli = () => pkt(206, 1, [0, 0, 0, 1, 0, 0, 0, 2]);
function remb(bps: number): Buffer {
  let exp = 0;
  let m = bps;
  while (m > 0x3ffff) {
    m = Math.floor(m / 2);
    exp++;
  }
  const body = [0, 0, 0, 1, 0, 0, 0, 0, 0x52, 0x45, 0x4d, 0x42, 1, (exp << 2) | (m >> 16), (m >> 8) & 0xff, m & 0xff, 0, 0, 0, 9];
  return pkt(206, 15, body);
}

describe('RTCP compound walker (plugin API)', () => {
  it('visits every packet of a compound with type, fmt, offset and length', () => {
    const c = Buffer.concat([rr(), pli(), remb(256000)]);
    const w = new RtcpWalker().reset(c);
    const seen: string[] = [];
    while (w.next()) seen.push(`${w.type}/${w.fmt}@${w.offset}+${w.length}`);
    assert.deepEqual(seen, ['201/0@0+8', '206/1@8+12', '206/15@20+24']);
    assert.deepEqual(summarizeRtcp(c), { pli: true, fir: false, remb: 256000, nack: false });
    assert.equal(rtcpHasKeyframeRequest(c), true);
  });

  it('stops at a packet whose length runs past the buffer (never reads outside it)', () => {
    const c = Buffer.concat([rr(), pli()]);
    // the PLI declares one word more than there is
    c.writeUInt16BE(3, 8 + 2);
    assert.equal(rtcpHasKeyframeRequest(c), false);
    // a length shorter than the buffer hides the rest
    const d = Buffer.concat([rr(), pli()]);
    assert.equal(rtcpHasKeyframeRequest(d, 8), false);
    assert.equal(rtcpHasKeyframeRequest(d, d.length), true);
    // a length beyond the buffer is clamped
    assert.equal(rtcpHasKeyframeRequest(rr(), 4096), false);
  });

  it('stops at a packet that is not version 2', () => {
    const c = Buffer.concat([rr(), pli()]);
    c[8] = 0x40 | 1;
    assert.equal(rtcpHasKeyframeRequest(c), false);
  });

  it('FIR, legacy RFC 2032 FIR and NACK; REMB only with its "REMB" identifier', () => {
    assert.deepEqual(summarizeRtcp(pkt(206, 4, [0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 0, 0, 0])), { pli: false, fir: true, remb: -1, nack: false });
    assert.equal(rtcpHasKeyframeRequest(pkt(192, 0)), true);
    assert.deepEqual(summarizeRtcp(pkt(205, 1, [0, 0, 0, 1, 0, 0, 0, 2, 0, 5, 0, 0])), { pli: false, fir: false, remb: -1, nack: true });
    const notRemb = remb(1000);
    notRemb[12] = 0x41;
    assert.equal(summarizeRtcp(notRemb).remb, -1);
    assert.equal(summarizeRtcp(remb(3_000_000)).remb, 3_000_000);
  });
});
