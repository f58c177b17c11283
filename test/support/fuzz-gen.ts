/**
 * Structure-aware generators for the API fuzz suite: Janus and Admin API requests, EchoTest and
 * VideoRoom bodies, JSEP with garbage SDP, trickle candidates, and byte-level mutations of all of
 * these. Deterministic: everything comes from one seeded PRNG.
 */

/** mulberry32: small, fast, good enough to drive a fuzzer, and reproducible from its seed. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)];
  }
}

/** Live ids the generator aims at, so requests reach sessions, handles and rooms that exist. */
export interface Targets {
  sessions: number[];
  echoHandles: Array<[number, number]>;
  roomHandles: Array<[number, number]>;
  /** AudioBridge handles (optional: suites that predate it leave it out). */
  bridgeHandles?: Array<[number, number]>;
  rooms: number[];
}

const PROTO_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'prototype', '__defineGetter__', 'isPrototypeOf'];
const UNICODE = ['é', '漢字', '😀', '\u200b', '\u2028', '\u202e', '\ufeff', '\uffff', 'ﷺ', '\u0301\u0301\u0301', 'a\u0000b', '\ud800', '\udc00x'];

/** A JSON value of any type, some huge, deep, or odd. */
export function anyValue(r: Rng, depth = 0): unknown {
  const k = r.int(depth > 3 ? 14 : 18);
  switch (k) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.pick([0, -1, 1, 2, 3, 255, 65535, 65536, 2 ** 31, 2 ** 32, -(2 ** 31), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]);
    case 3: return r.pick([0.5, -0.0001, 1e308, -1e308, 5e-324, 3.14159, 1e21, 123456789.123]);
    case 4: return '';
    case 5: return r.pick(PROTO_KEYS);
    case 6: return r.pick(UNICODE).repeat(1 + r.int(4));
    case 7: return 'x'.repeat(r.pick([1, 64, 1024, 65536]));
    case 8: return r.pick(['janus.plugin.echotest', 'janus.plugin.videoroom', 'janus.plugin.nope', 'offer', 'answer', 'publisher', 'subscriber', 'true', '1234', '-1']);
    case 9: return String(r.int(1e9));
    case 10: return r.int(10);
    case 11: return r.int(1e6);
    case 12: return [];
    case 13: return {};
    case 14: return Array.from({ length: r.int(5) }, () => anyValue(r, depth + 1));
    case 15: {
      const o: Record<string, unknown> = {};
      for (let i = r.int(5); i > 0; i--) setKey(o, r.chance(0.3) ? r.pick(PROTO_KEYS) : `k${r.int(10)}`, anyValue(r, depth + 1));
      return o;
    }
    case 16: return nested(r.pick([10, 100, 1000, 2047]), r.chance(0.5));
    default: return Array.from({ length: r.pick([100, 10_000]) }, (_, i) => i);
  }
}

/** An own key even for `__proto__` (as a JSON text would carry it). */
export function setKey(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

function nested(depth: number, arrays: boolean): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
}

/** A valid value of `kind` most of the time, a wrong-typed one otherwise. */
function field(r: Rng, good: () => unknown, pWrong = 0.35): unknown {
  return r.chance(pWrong) ? anyValue(r) : good();
}

const SDP_LINES = [
  'v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1', 'a=msid-semantic: WMS *',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'm=video 9 UDP/TLS/RTP/SAVPF 96 97', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 0.0.0.0', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:96 VP8/90000', 'a=rtpmap:97 rtx/90000', 'a=fmtp:97 apt=96',
  'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx', 'a=fingerprint:sha-256 ' + Array(32).fill('AB').join(':'),
  'a=setup:actpass', 'a=mid:0', 'a=mid:1', 'a=sendrecv', 'a=recvonly', 'a=rtcp-mux', 'a=simulcast:send h;m;l', 'a=rid:h send',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid', 'a=ssrc:1 cname:x', 'a=ssrc-group:FID 1 2', 'a=candidate:1 1 udp 1 127.0.0.1 9 typ host',
  'a=sctp-port:5000', 'a=max-message-size:262144', 'a=rtcp-fb:96 nack pli', 'a=fmtp:111 minptime=10;useinbandfec=1',
];

/** SDP that is empty, truncated, reordered, with huge or absurd values, or plain noise. */
export function garbageSdp(r: Rng): string {
  switch (r.int(7)) {
    case 0: return '';
    case 1: return anyString(r);
    case 2: return Array.from({ length: r.int(40) }, () => r.pick(SDP_LINES)).join('\r\n');
    case 3: {
      const lines = SDP_LINES.slice();
      for (let i = r.int(8); i > 0; i--) lines[r.int(lines.length)] = mutateText(r, r.pick(SDP_LINES));
      return lines.join(r.pick(['\r\n', '\n', '\r']));
    }
    case 4: return `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${`m=video ${r.int(70000)} UDP/TLS/RTP/SAVPF ${Array.from({ length: r.int(300) }, () => r.int(300)).join(' ')}\r\n`.repeat(1 + r.int(40))}`;
    case 5: return `v=0\r\n${'a=x:' + 'y'.repeat(r.pick([10, 100_000]))}\r\n`;
    default: return SDP_LINES.join('\r\n') + '\r\n' + `a=extmap:${r.int(300)} ${anyString(r)}\r\na=rtpmap:${r.int(1000)} ${anyString(r)}/${r.int(1e9)}\r\n`;
  }
}

export function anyString(r: Rng): string {
  const s = anyValue(r);
  return typeof s === 'string' ? s : JSON.stringify(s) ?? '';
}

function garbageCandidate(r: Rng): unknown {
  return field(r, () => {
    const c: Record<string, unknown> = {};
    if (r.chance(0.9)) c.candidate = r.chance(0.5)
      ? `candidate:${r.int(1e6)} ${r.int(3)} ${r.pick(['udp', 'tcp', 'UDP', 'sctp', ''])} ${r.int(2 ** 32)} ${r.pick(['127.0.0.1', '::1', '256.1.1.1', 'x.local', '', '1.2.3'])} ${r.int(70000) - 1} typ ${r.pick(['host', 'srflx', 'relay', 'prflx', 'bogus'])}${r.chance(0.3) ? ' raddr 0.0.0.0 rport 0' : ''}`
      : anyString(r);
    if (r.chance(0.7)) c.sdpMid = field(r, () => r.pick(['0', '1', '2', 'x']));
    if (r.chance(0.7)) c.sdpMLineIndex = field(r, () => r.int(5) - 1);
    if (r.chance(0.1)) c.completed = field(r, () => true);
    return c;
  }, 0.25);
}

function jsep(r: Rng): unknown {
  return field(r, () => {
    const j: Record<string, unknown> = { type: field(r, () => r.pick(['offer', 'answer', 'OFFER', 'pranswer', 'rollback']), 0.2), sdp: field(r, () => garbageSdp(r), 0.15) };
    if (r.chance(0.2)) j.trickle = anyValue(r);
    if (r.chance(0.1)) j.e2ee = anyValue(r);
    if (r.chance(0.1)) j.rid_order = anyValue(r);
    return j;
  }, 0.25);
}

const ECHO_FIELDS: Array<[string, (r: Rng) => unknown]> = [
  ['audio', (r) => r.chance(0.5)], ['video', (r) => r.chance(0.5)], ['data', (r) => r.chance(0.5)], ['bitrate', (r) => r.int(3_000_000)],
  ['keyframe', () => true], ['record', (r) => r.chance(0.5)], ['filename', () => '/tmp/janus-ts-fuzz-rec'], ['substream', (r) => r.int(3)],
  ['temporal', (r) => r.int(3)], ['fallback', (r) => r.int(1e6)], ['spatial_layer', (r) => r.int(3)], ['temporal_layer', (r) => r.int(3)],
  ['audiocodec', (r) => r.pick(['opus', 'pcmu', 'x'])], ['videocodec', (r) => r.pick(['vp8', 'h264', 'vp9', 'av1', 'x'])],
  ['videoprofile', (r) => r.pick(['42e01f', '0'])], ['opusred', (r) => r.chance(0.5)], ['min_delay', (r) => r.int(1000)], ['max_delay', (r) => r.int(1000)],
];

/** VideoRoom requests (every one Janus knows, some unknown) with their fields, each maybe wrong-typed. */
const VR_FIELDS: Record<string, Array<[string, (r: Rng, t: Targets) => unknown]>> = {
  create: [['room', (r) => 100_000 + r.int(1000)], ['permanent', () => false], ['description', (r) => anyString(r)], ['secret', () => 's'], ['pin', () => 'p'],
    ['is_private', (r) => r.chance(0.5)], ['allowed', () => ['t']], ['publishers', (r) => r.int(100)], ['bitrate', (r) => r.int(1e7)], ['fir_freq', (r) => r.int(100)],
    ['audiocodec', () => 'opus,pcmu'], ['videocodec', () => 'vp8,h264'], ['record', () => false], ['notify_joining', (r) => r.chance(0.5)], ['require_e2ee', (r) => r.chance(0.5)]],
  edit: [['room', (r, t) => r.pick(t.rooms)], ['secret', () => 's'], ['new_description', (r) => anyString(r)], ['new_publishers', (r) => r.int(100)], ['new_bitrate', (r) => r.int(1e7)]],
  destroy: [['room', (r) => 100_000 + r.int(1000)], ['secret', () => 's'], ['permanent', () => false]],
  exists: [['room', (r, t) => r.pick(t.rooms)]],
  list: [],
  allowed: [['room', (r, t) => r.pick(t.rooms)], ['secret', () => 's'], ['action', (r) => r.pick(['enable', 'disable', 'add', 'remove'])], ['allowed', () => ['a', 'b']]],
  kick: [['room', (r, t) => r.pick(t.rooms)], ['secret', () => 's'], ['id', (r) => r.int(1e6)]],
  moderate: [['room', (r, t) => r.pick(t.rooms)], ['secret', () => 's'], ['id', (r) => r.int(1e6)], ['mid', () => '0'], ['mute', (r) => r.chance(0.5)]],
  listparticipants: [['room', (r, t) => r.pick(t.rooms)]],
  listforwarders: [['room', (r, t) => r.pick(t.rooms)], ['secret', () => 's']],
  rtp_forward: [['room', (r, t) => r.pick(t.rooms)], ['secret', () => 's'], ['publisher_id', (r) => r.int(1e6)], ['host', () => '127.0.0.1'],
    ['streams', (r) => [{ mid: '0', port: r.int(70000) }]], ['audio_port', (r) => r.int(70000)], ['video_port', (r) => r.int(70000)]],
  stop_rtp_forward: [['room', (r, t) => r.pick(t.rooms)], ['secret', () => 's'], ['publisher_id', (r) => r.int(1e6)], ['stream_id', (r) => r.int(1e6)]],
  enable_recording: [['room', (r, t) => r.pick(t.rooms)], ['secret', () => 's'], ['record', () => false]],
  join: [['room', (r, t) => r.pick(t.rooms)], ['ptype', (r) => r.pick(['publisher', 'subscriber', 'listener', 'x'])], ['id', (r) => r.int(1e6)], ['display', (r) => anyString(r)],
    ['feed', (r) => r.int(1e6)], ['streams', (r) => [{ feed: r.int(1e6), mid: '0' }]], ['pin', () => 'p'], ['token', () => 't']],
  joinandconfigure: [['room', (r, t) => r.pick(t.rooms)], ['ptype', () => 'publisher'], ['audio', (r) => r.chance(0.5)], ['bitrate', (r) => r.int(1e7)]],
  configure: [['audio', (r) => r.chance(0.5)], ['video', (r) => r.chance(0.5)], ['bitrate', (r) => r.int(1e7)], ['keyframe', () => true], ['record', () => false],
    ['display', (r) => anyString(r)], ['streams', (r) => [{ mid: String(r.int(3)), send: r.chance(0.5), substream: r.int(3) }]], ['descriptions', () => [{ mid: '0', description: 'd' }]]],
  publish: [['audiocodec', () => 'opus'], ['videocodec', () => 'vp8'], ['bitrate', (r) => r.int(1e7)], ['display', (r) => anyString(r)], ['descriptions', () => [{ mid: '0', description: 'd' }]]],
  unpublish: [],
  start: [],
  pause: [],
  switch: [['streams', (r) => [{ feed: r.int(1e6), mid: '0', sub_mid: '0' }]]],
  leave: [],
  subscribe: [['streams', (r) => [{ feed: r.int(1e6), mid: '0' }]]],
  unsubscribe: [['streams', (r) => [{ feed: r.int(1e6) }]]],
  update: [['subscribe', (r) => [{ feed: r.int(1e6) }]], ['unsubscribe', (r) => [{ feed: r.int(1e6) }]]],
};

/** AudioBridge requests (every one Janus knows) and the fields they read. */
const AB_VERBS = ['create', 'edit', 'destroy', 'exists', 'list', 'allowed', 'enable_recording', 'enable_mjrs', 'mute', 'unmute', 'mute_room',
  'unmute_room', 'kick', 'kick_all', 'listparticipants', 'resetdecoder', 'rtp_forward', 'stop_rtp_forward', 'listforwarders', 'play_file',
  'is_playing', 'stop_file', 'join', 'configure', 'changeroom', 'leave', 'hangup'];
const AB_FIELDS: Array<[string, (r: Rng, t: Targets) => unknown]> = [
  ['room', (r, t) => r.pick(t.rooms)], ['id', (r) => r.int(1e6)], ['secret', () => 's'], ['pin', () => 'p'], ['display', (r) => anyString(r)],
  ['muted', (r) => r.chance(0.5)], ['volume', (r) => r.int(200)], ['quality', (r) => r.int(12)], ['expected_loss', (r) => r.int(30)],
  ['codec', (r) => r.pick(['opus', 'pcmu', 'pcma', 'x'])], ['sampling_rate', (r) => r.pick([8000, 16000, 24000, 48000, 7])], ['spatial_audio', (r) => r.chance(0.5)],
  ['spatial_position', (r) => r.int(101)], ['record', () => false], ['filename', () => '/tmp/janus-ts-fuzz-ab'], ['file_id', () => 'f'],
  ['host', () => '127.0.0.1'], ['port', (r) => r.int(70000)], ['stream_id', (r) => r.int(1e6)], ['rtp', () => ({ ip: '127.0.0.1', port: 5000 })],
  ['generate_offer', (r) => r.chance(0.5)], ['prebuffer', (r) => r.int(100)], ['denoise', (r) => r.chance(0.5)], ['allowed', () => ['t']],
];

function pluginBody(r: Rng, t: Targets, plugin: 'echo' | 'vr' | 'ab'): unknown {
  if (r.chance(0.05)) return anyValue(r);
  const b: Record<string, unknown> = {};
  if (plugin === 'ab') {
    b.request = r.chance(0.1) ? (r.chance(0.5) ? r.pick(PROTO_KEYS) : anyValue(r)) : r.pick(AB_VERBS);
    for (const [k, good] of AB_FIELDS) if (r.chance(0.25)) b[k] = field(r, () => good(r, t), 0.25);
  } else if (plugin === 'echo') {
    for (const [k, good] of ECHO_FIELDS) if (r.chance(0.3)) b[k] = field(r, () => good(r));
    if (r.chance(0.2)) b.request = anyValue(r);
  } else {
    const verbs = Object.keys(VR_FIELDS);
    const verb = r.chance(0.1) ? (r.chance(0.5) ? r.pick(PROTO_KEYS) : anyValue(r)) : r.pick(verbs);
    b.request = verb;
    const fields = typeof verb === 'string' && Object.hasOwn(VR_FIELDS, verb) ? VR_FIELDS[verb] : [];
    for (const [k, good] of fields) if (r.chance(0.7)) b[k] = field(r, () => good(r, t), 0.25);
    if (r.chance(0.1)) b.admin_key = anyValue(r);
  }
  if (r.chance(0.1)) setKey(b, r.pick(PROTO_KEYS), anyValue(r));
  return b;
}

const JANUS_VERBS = ['create', 'attach', 'message', 'trickle', 'detach', 'hangup', 'destroy', 'keepalive', 'claim', 'info', 'ping'];
const ADMIN_VERBS = ['info', 'ping', 'get_status', 'set_session_timeout', 'set_log_level', 'set_log_timestamps', 'set_log_colors', 'set_locking_debug',
  'set_refcount_debug', 'set_libnice_debug', 'set_min_nack_queue', 'set_no_media_timer', 'set_slowlink_threshold', 'accept_new_sessions',
  'list_sessions', 'list_handles', 'handle_info', 'start_pcap', 'stop_pcap', 'start_text2pcap', 'stop_text2pcap', 'message_plugin',
  'query_transport', 'query_eventhandler', 'query_logger', 'custom_event', 'custom_logline', 'resolve_address', 'test_stun', 'add_token',
  'allow_token', 'disallow_token', 'list_tokens', 'remove_token', 'destroy_session', 'detach_handle', 'hangup_webrtc', 'loops_info', 'debug_sdp'];

export interface Generated {
  /** Where it goes: a path under /janus or /admin (HTTP), or the whole message (WS, broker). */
  path: string;
  admin: boolean;
  /** The payload as sent (sometimes not JSON at all). */
  text: string;
}

/** One Janus API request, aimed at live targets most of the time. */
export function janusRequest(r: Rng, t: Targets): Generated {
  const m: Record<string, unknown> = {};
  const verb = r.chance(0.85) ? r.pick(JANUS_VERBS) : r.chance(0.5) ? r.pick(PROTO_KEYS) : anyValue(r);
  m.janus = verb;
  if (r.chance(0.95)) m.transaction = field(r, () => `fz${r.int(1e9)}`, 0.05);
  let s = 0;
  let h = 0;
  let plugin: 'echo' | 'vr' | 'ab' = 'echo';
  const aim = r.int(10);
  if (aim < 3 && t.echoHandles.length) [s, h] = r.pick(t.echoHandles);
  else if (aim < 5 && t.bridgeHandles?.length) {
    [s, h] = r.pick(t.bridgeHandles);
    plugin = 'ab';
  } else if (aim < 8 && t.roomHandles.length) {
    [s, h] = r.pick(t.roomHandles);
    plugin = 'vr';
  } else if (aim < 9 && t.sessions.length) s = r.pick(t.sessions);
  // the ids go in the path (HTTP) or the body; sometimes wrong or conflicting
  if (s && r.chance(0.5)) m.session_id = field(r, () => s, 0.1);
  if (h && r.chance(0.5)) m.handle_id = field(r, () => h, 0.1);
  switch (verb) {
    case 'create': if (r.chance(0.3)) m.id = field(r, () => r.int(1e6)); break;
    case 'attach':
      m.plugin = field(r, () => r.pick(['janus.plugin.echotest', 'janus.plugin.videoroom', 'janus.plugin.audiobridge', 'janus.plugin.none']), 0.2);
      if (r.chance(0.3)) m.opaque_id = anyValue(r);
      if (r.chance(0.1)) m.loop_index = anyValue(r);
      break;
    case 'message':
      if (r.chance(0.95)) m.body = field(r, () => pluginBody(r, t, plugin), 0.1);
      if (r.chance(0.3)) m.jsep = jsep(r);
      break;
    case 'trickle':
      if (r.chance(0.5)) m.candidate = garbageCandidate(r);
      if (r.chance(0.5)) m.candidates = field(r, () => Array.from({ length: r.int(20) }, () => garbageCandidate(r)), 0.2);
      break;
    case 'claim':
    case 'keepalive':
      break;
  }
  if (r.chance(0.05)) m.token = anyValue(r);
  if (r.chance(0.05)) m.apisecret = anyValue(r);
  if (r.chance(0.05)) setKey(m, r.pick(PROTO_KEYS), anyValue(r));
  const pathIds = r.chance(0.6);
  let path = '/janus';
  if (pathIds && s) path += `/${s}${h && r.chance(0.8) ? `/${h}` : ''}`;
  else if (r.chance(0.03)) path += `/${r.pick(['-1', '+1', '%20', 'abc', '0', '99999999999999999999', '..', ''])}`;
  return finish(r, { path, admin: false, text: JSON.stringify(m) });
}

/** One Admin API request (with the secret most of the time). */
export function adminRequest(r: Rng, t: Targets, secret: string): Generated {
  const m: Record<string, unknown> = {};
  m.janus = r.chance(0.85) ? r.pick(ADMIN_VERBS) : r.chance(0.5) ? r.pick(PROTO_KEYS) : anyValue(r);
  if (r.chance(0.95)) m.transaction = field(r, () => `fa${r.int(1e9)}`, 0.05);
  if (r.chance(0.9)) m.admin_secret = field(r, () => secret, 0.05);
  for (const k of ['timeout', 'level', 'timestamps', 'colors', 'debug', 'min_nack_queue', 'no_media_timer', 'slowlink_threshold', 'accept', 'token',
    'plugins', 'plugin', 'transport', 'handler', 'logger', 'request', 'schema', 'data', 'line', 'address', 'folder', 'filename', 'truncate', 'sdp', 'session_id', 'handle_id']) {
    if (r.chance(0.12)) m[k] = anyValue(r);
  }
  if (m.janus === 'message_plugin' && r.chance(0.7)) {
    m.plugin = r.pick(['janus.plugin.videoroom', 'janus.plugin.echotest', 'janus.plugin.audiobridge']);
    m.request = pluginBody(r, t, m.plugin === 'janus.plugin.audiobridge' ? 'ab' : 'vr');
  }
  let path = '/admin';
  const handle = r.chance(0.5) ? r.pick(t.roomHandles.concat(t.echoHandles)) : undefined;
  if (handle && r.chance(0.4)) path += `/${handle[0]}${r.chance(0.6) ? `/${handle[1]}` : ''}`;
  return finish(r, { path, admin: true, text: JSON.stringify(m) });
}

/** Sometimes break the text itself: bytes flipped, cut, duplicated, nested deeper. */
function finish(r: Rng, g: Generated): Generated {
  if (r.chance(0.12)) g.text = mutateText(r, g.text);
  return g;
}

export function mutateText(r: Rng, s: string): string {
  let out = s;
  for (let i = 1 + r.int(3); i > 0; i--) {
    const at = r.int(out.length + 1);
    switch (r.int(7)) {
      case 0: out = out.slice(0, at) + out.slice(at + 1 + r.int(8)); break;
      case 1: out = out.slice(0, at) + r.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\\u', '\\ud800', '\u0000', '\u0001', 'null', '1e999', '-', '.', '9'.repeat(30)]) + out.slice(at); break;
      case 2: out = out.slice(0, at); break;
      case 3: out = out + out.slice(at); break;
      case 4: out = '['.repeat(r.pick([1, 100, 3000])) + out; break;
      case 5: out = out.slice(0, at) + String.fromCharCode(r.int(0x10000)) + out.slice(at); break;
      default: out = out.replace(/\d+/, () => r.pick(['1.0', '1e20', '-0', '9007199254740993', '18446744073709551616', '-1', '0x10']));
    }
  }
  return out;
}

/** What a fuzzed reply may be: a Janus reply whose error, if any, carries a Janus error code. */
export const JANUS_ERROR_CODES = new Set([403, 405, 450, 452, 453, 454, 455, 456, 457, 458, 459, 460, 461, 462, 463, 464, 465, 466, 467, 468, 469, 470, 471, 472, 490, 500]);
const REPLY_KINDS = new Set(['success', 'ack', 'error', 'server_info', 'pong', 'event', 'webrtcup', 'media', 'hangup', 'detached', 'slowlink', 'trickle', 'timeout']);

/** Undefined when fine, else why the reply is not one a Janus client could handle. */
export function badReply(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return `not a JSON object: ${JSON.stringify(m)?.slice(0, 200)}`;
  const o = m as { janus?: unknown; error?: { code?: unknown; reason?: unknown } };
  if (typeof o.janus !== 'string' || !REPLY_KINDS.has(o.janus)) return `unknown janus: ${JSON.stringify(o.janus)}`;
  if (o.janus === 'error') {
    if (!o.error || typeof o.error.code !== 'number' || !JANUS_ERROR_CODES.has(o.error.code)) return `error without a Janus code: ${JSON.stringify(o.error)}`;
    if (typeof o.error.reason !== 'string') return 'error without a reason';
    if (o.error.code === 500) return `internal error (500): ${o.error.reason}`;
  }
  return undefined;
}
