import * as assert from 'node:assert/strict';
import { MediaSession } from '../core/media-session';
import { rtcpHasFeedback, type RtcpPacket } from '../core/plugin-api';

/** A compound of RTCP packets given as [packet type, fmt, words after the header]. */
function compound(...parts: Array<[number, number, number]>): Buffer {
  return Buffer.concat(
    parts.map(([pt, fmt, words]) => {
      const b = Buffer.alloc(4 + 4 * words);
      b[0] = 0x80 | fmt;
      b[1] = pt;
      b.writeUInt16BE(words, 2);
      return b;
    }),
  );
}
const RR = [201, 0, 1] as [number, number, number];
const SR = [200, 0, 6] as [number, number, number];
const SDES = [202, 1, 2] as [number, number, number];
const PLI = [206, 1, 2] as [number, number, number];
const NACK = [205, 1, 3] as [number, number, number];

describe("Plugin API: incomingRtcpKinds = 'feedback'", () => {
  it('tells feedback (NACK, PLI, FIR, REMB, TWCC) from plain reports', () => {
    assert.equal(rtcpHasFeedback(compound(RR)), false);
    assert.equal(rtcpHasFeedback(compound(SR, SDES)), false);
    assert.equal(rtcpHasFeedback(compound(RR, PLI)), true);
    assert.equal(rtcpHasFeedback(compound(RR, NACK)), true);
    assert.equal(rtcpHasFeedback(compound([192, 0, 2])), true, 'legacy FIR');
    // a truncated compound is not read past its length
    assert.equal(rtcpHasFeedback(compound(RR, PLI), 8), false);
  });

  it("a plugin with 'feedback' gets keyframe requests, not receiver reports; others get both", () => {
    for (const kinds of ['feedback', undefined] as const) {
      const got: number[] = [];
      const owner = { attached: true, detached: false, pluginState: {}, plugin: { incomingRtcpKinds: kinds, incomingRtcp: (_s: unknown, p: RtcpPacket) => got.push(p.buffer[1]) } };
      const media = new MediaSession(owner, () => undefined, (_w, err) => assert.fail(String(err)));
      for (const b of [compound(RR), compound(RR, PLI), compound(SR, SDES)]) media.incomingRtcp({ mindex: 0, video: true, buffer: b, length: b.length } as RtcpPacket);
      assert.deepEqual(got, kinds === 'feedback' ? [201] : [201, 201, 200], `kinds ${kinds}`);
    }
  });
});
