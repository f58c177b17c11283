import * as assert from 'node:assert/strict';
import { parseSdp } from '../core/media/sdp-parse';

const head = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n';
const video = (lines: string[]) =>
  head +
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=ice-ufrag:u\r\na=ice-pwd:p\r\n' +
  'a=fingerprint:sha-256 AA\r\na=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n' +
  'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\na=extmap:5 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n' +
  lines.join('\r\n') + '\r\n';

describe('Simulcast in SDP offers (what the core tells plugins)', () => {
  it('rid simulcast: a=simulcast order (paused and alternative rids), rid parameters, rid extension id', () => {
    const p = parseSdp(video(['a=rid:l send pt=96;max-width=320', 'a=rid:m send', 'a=rid:h send', 'a=simulcast:send ~h;m,m2;l']));
    assert.deepEqual(p.media[0].simulcast, { rids: ['h', 'm', 'l'] });
    assert.deepEqual(p.simulcast, [{ mindex: 0, mid: '0', rids: ['h', 'm', 'l'], ridExt: 4 }]);
  });

  it('without a=simulcast the a=rid order stands; recv rids are not simulcast senders', () => {
    assert.deepEqual(parseSdp(video(['a=rid:a send', 'a=rid:b send'])).media[0].simulcast, { rids: ['a', 'b'] });
    assert.equal(parseSdp(video(['a=rid:a recv', 'a=rid:b recv'])).media[0].simulcast, undefined);
  });

  it('SSRC-group SIM (lowest first) with FID RTX pairs', () => {
    const p = parseSdp(video(['a=ssrc-group:FID 11 21', 'a=ssrc-group:SIM 11 12 13', 'a=ssrc-group:FID 12 22', 'a=ssrc:11 cname:x', 'a=ssrc:12 cname:x', 'a=ssrc:13 cname:x']));
    assert.deepEqual(p.media[0].simulcast, { ssrcs: [11, 12, 13] });
    assert.deepEqual(p.simulcast, [{ mindex: 0, mid: '0', ssrcs: [11, 12, 13] }]);
    assert.deepEqual([...p.rtx.get(0)!], [[21, 11], [22, 12]]);
  });

  it('garbage simulcast attributes are ignored, never thrown on', () => {
    for (const l of [['a=ssrc-group:SIM x y'], ['a=ssrc-group:SIM 1'], ['a=simulcast:'], ['a=simulcast:send'], ['a=ssrc-group:FID 1'], ['a=rid:'], ['a=ssrc-group:SIM 99999999999 1']]) {
      const p = parseSdp(video(l));
      assert.equal(p.media[0].simulcast, undefined, l[0]);
    }
  });
});
