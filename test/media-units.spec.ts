import * as assert from 'node:assert/strict';
import type * as os from 'node:os';
import { Settings } from '../core/config/settings';
import { iceOptions, NatMapping, selectHostAddresses } from '../core/media/ice-config';
import { parseSdp } from '../core/media/sdp-parse';

const ifaces = {
  lo: [
    { address: '127.0.0.1', family: 'IPv4', internal: true },
    { address: '::1', family: 'IPv6', internal: true },
  ],
  eth0: [
    { address: '192.0.2.2', family: 'IPv4', internal: false },
    { address: 'fe80::1', family: 'IPv6', internal: false },
    { address: '2001:db8::2', family: 'IPv6', internal: false },
  ],
  vmnet8: [{ address: '172.16.5.1', family: 'IPv4', internal: false }],
  docker0: [{ address: '10.1.0.1', family: 'IPv4', internal: false }],
  wlan0: [{ address: '169.254.3.3', family: 'IPv4', internal: false }],
} as unknown as NodeJS.Dict<os.NetworkInterfaceInfo[]>;

const settings = (f: (s: Settings) => void = () => undefined) => {
  const s = new Settings();
  f(s);
  return s;
};
const addrs = (s: Settings) => selectHostAddresses(s, ifaces).map((h) => h.address);

describe('Media stack: ICE configuration from janus.jcfg', () => {
  it('without lists: every non-loopback, non-link-local IPv4 address except vmnet (Janus default ignore list)', () => {
    assert.deepEqual(addrs(settings()), ['192.0.2.2', '10.1.0.1']);
  });

  it('ipv6 adds global IPv6 addresses (link-local only with ipv6_linklocal)', () => {
    assert.deepEqual(addrs(settings((s) => (s.ipv6 = true))), ['192.0.2.2', '2001:db8::2', '10.1.0.1']);
    assert.deepEqual(addrs(settings((s) => ((s.ipv6 = true), (s.ipv6LinkLocal = true)))), ['192.0.2.2', 'fe80::1', '2001:db8::2', '10.1.0.1']);
  });

  it('ice_enforce_list takes interface names or address prefixes, loopback included', () => {
    assert.deepEqual(addrs(settings((s) => (s.iceEnforceList = ['lo']))), ['127.0.0.1']);
    assert.deepEqual(addrs(settings((s) => ((s.iceEnforceList = ['lo']), (s.ipv6 = true)))), ['127.0.0.1', '::1']);
    assert.deepEqual(addrs(settings((s) => (s.iceEnforceList = ['127.0.0.1']))), ['127.0.0.1']);
    assert.deepEqual(addrs(settings((s) => (s.iceEnforceList = ['eth', '10.']))), ['192.0.2.2', '10.1.0.1']);
    // a literal address on no interface (e.g. inside a namespace) is still used
    assert.deepEqual(addrs(settings((s) => (s.iceEnforceList = ['127.0.0.5']))), ['127.0.0.5']);
  });

  it('ice_ignore_list drops interfaces and prefixes', () => {
    assert.deepEqual(addrs(settings((s) => (s.iceIgnoreList = ['docker', '192.0.']))), ['172.16.5.1']);
  });

  it('werift options: never a public STUN server by default; stun/turn, port range and pinning from the config', () => {
    const s = settings((x) => ((x.iceEnforceList = ['lo']), (x.rtpPortRange = [42000, 42100])));
    const o = iceOptions(s, selectHostAddresses(s, ifaces));
    assert.deepEqual(o.iceServers, []);
    assert.equal(o.iceUseIpv4, false);
    assert.equal(o.iceUseIpv6, false);
    assert.deepEqual(o.iceAdditionalHostAddresses, ['127.0.0.1']);
    assert.deepEqual(o.iceInterfaceAddresses, { udp4: '127.0.0.1' });
    assert.deepEqual(o.icePortRange, [42000, 42100]);
    assert.equal(o.bundlePolicy, 'max-bundle');
    const t = settings((x) => {
      x.stunServer = 'stun.example.net';
      x.stunPort = 3479;
      x.turnServer = 'turn.example.net';
      x.turnType = 'tcp';
      x.turnUser = 'u';
      x.turnPwd = 'p';
    });
    const o2 = iceOptions(t, selectHostAddresses(t, ifaces));
    assert.deepEqual(o2.iceServers, [
      { urls: 'stun:stun.example.net:3479' },
      { urls: 'turn:turn.example.net:3478?transport=tcp', username: 'u', credential: 'p' },
    ]);
    // two IPv4 addresses: sockets stay unpinned so both candidates work
    assert.equal(o2.iceInterfaceAddresses, undefined);
  });

  it('nat_1_1_mapping rewrites host candidates (all, or by pairs), keeping the private one on request', () => {
    const c = 'abc 1 udp 2130706431 192.0.2.2 42000 typ host generation 0';
    assert.deepEqual(new NatMapping(['203.0.113.9'], false).rewrite(c), ['abc 1 udp 2130706431 203.0.113.9 42000 typ host generation 0']);
    assert.deepEqual(new NatMapping(['203.0.113.9'], true).rewrite(c), ['abc 1 udp 2130706431 203.0.113.9 42000 typ host generation 0', c]);
    assert.deepEqual(new NatMapping(['203.0.113.7=10.9.9.9'], false).rewrite(c), [c]);
    assert.deepEqual(new NatMapping(['203.0.113.7=192.0.2.2'], false).rewrite(c)[0].split(' ')[4], '203.0.113.7');
    assert.equal(new NatMapping([], false).active, false);
  });
});

describe('Media stack: SDP parsing for plugins', () => {
  const sdp = [
    'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1 2',
    'a=ice-ufrag:abcd', 'a=ice-pwd:0123456789012345678901', 'a=fingerprint:sha-256 AA:BB',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8', 'a=mid:0', 'a=sendonly', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtcp-fb:111 transport-cc', 'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level', 'a=msid:stream1 track1',
    'm=video 9 UDP/TLS/RTP/SAVPF 96 97', 'a=mid:v1', 'a=rtpmap:96 VP8/90000', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
    'a=rtcp-fb:* nack', 'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id', 'a=rid:h send', 'a=rid:m send', 'a=rid:l send', 'a=simulcast:send h;m;l',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=mid:2', 'a=sctp-port:5000',
    'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=mid:3', 'a=inactive', 'a=rtpmap:96 VP8/90000', 'a=ssrc-group:SIM 1 2 3',
    '',
  ].join('\r\n');

  it('gives m-lines with mids, kinds, directions, codecs (static PTs too), extensions, msid and simulcast', () => {
    const p = parseSdp(sdp);
    assert.equal(p.hasIce, true);
    assert.equal(p.hasFingerprint, true);
    assert.equal(p.media.length, 4);
    const [a, v, d, off] = p.media;
    assert.equal(a.mid, '0');
    assert.equal(a.direction, 'sendonly');
    assert.deepEqual(a.codecs.map((c) => [c.pt, c.name, c.clockRate]), [[111, 'opus', 48000], [0, 'pcmu', 8000], [8, 'pcma', 8000]]);
    assert.equal(a.codecs[0].channels, 2);
    assert.equal(a.codecs[0].fmtp, 'minptime=10;useinbandfec=1');
    assert.deepEqual(a.codecs[0].rtcpFb, ['transport-cc']);
    assert.deepEqual(a.msid, { stream: 'stream1', track: 'track1' });
    assert.equal(v.mid, 'v1');
    assert.equal(v.direction, 'sendrecv');
    assert.deepEqual(v.codecs.map((c) => c.rtcpFb), [['nack'], ['nack']]);
    assert.deepEqual(v.simulcast, { rids: ['h', 'm', 'l'] });
    assert.equal(d.kind, 'application');
    assert.equal(off.disabled, true);
    assert.deepEqual(off.simulcast, { ssrcs: [1, 2, 3] });
    assert.deepEqual(p.simulcast, [
      { mindex: 1, mid: 'v1', rids: ['h', 'm', 'l'], ridExt: 4 },
      { mindex: 3, mid: '3', ssrcs: [1, 2, 3] },
    ]);
  });

  it('refuses a malformed m-line or unknown media type with 465', () => {
    assert.throws(() => parseSdp('v=0\r\nm=audio x RTP/SAVPF 0\r\n'), (e: { code: number }) => e.code === 465);
    assert.throws(() => parseSdp('v=0\r\nm=text 9 RTP/SAVPF 0\r\n'), (e: { code: number }) => e.code === 465);
  });
});
