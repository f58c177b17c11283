/**
 * AudioBridge request cases replayed against a Janus API over HTTP (ours, or Debian's Janus 1.1.2
 * to record the reference answers in fixtures/audiobridge-janus-1.1.2.json). Random IDs are masked.
 */

type Msg = Record<string, any>;

export interface AbCase {
  name: string;
  body: Msg;
  /** Send only once the handle got an event without a transaction that matches (an asynchronous effect such as a kick). */
  after?: (event: Msg) => boolean;
}

const S = { room: 900, secret: 's' };

export const abCases: AbCase[] = [
  { name: 'unknown request', body: { request: 'foo' } },
  { name: 'no request', body: {} },
  { name: 'request not a string', body: { request: 5 } },
  { name: 'create bad room type', body: { request: 'create', room: 'x' } },
  { name: 'create existing', body: { request: 'create', room: 1234 } },
  { name: 'create bad rate', body: { request: 'create', room: 555, sampling_rate: 44100 } },
  { name: 'create bad groups', body: { request: 'create', room: 556, groups: [1] } },
  { name: 'create too many groups', body: { request: 'create', room: 557, groups: ['a', 'b', 'c', 'd', 'e', 'f'] } },
  { name: 'create bad allowed', body: { request: 'create', room: 558, allowed: ['a', 2] } },
  { name: 'create bad bool', body: { request: 'create', room: 559, record: 'yes' } },
  { name: 'create', body: { request: 'create', room: 900, secret: 's', description: 'd', is_private: true } },
  { name: 'create public', body: { request: 'create', room: 901, description: 'pub', sampling_rate: 48000, spatial_audio: true } },
  { name: 'exists yes', body: { request: 'exists', room: 900 } },
  { name: 'exists no', body: { request: 'exists', room: 999 } },
  { name: 'exists missing', body: { request: 'exists' } },
  { name: 'edit no secret', body: { request: 'edit', room: 900 } },
  { name: 'edit wrong secret', body: { request: 'edit', room: 900, secret: 'x' } },
  { name: 'edit', body: { request: 'edit', ...S, new_description: 'e' } },
  { name: 'edit no room', body: { request: 'edit', room: 999, secret: 's' } },
  { name: 'list', body: { request: 'list' } },
  { name: 'listparticipants empty', body: { request: 'listparticipants', room: 900 } },
  { name: 'listparticipants no room', body: { request: 'listparticipants', room: 999 } },
  { name: 'mute no user', body: { request: 'mute', ...S, id: 1 } },
  { name: 'mute missing id', body: { request: 'mute', ...S } },
  { name: 'mute_room', body: { request: 'mute_room', ...S } },
  { name: 'mute_room again', body: { request: 'mute_room', ...S } },
  { name: 'unmute_room', body: { request: 'unmute_room', ...S } },
  { name: 'kick no user', body: { request: 'kick', ...S, id: 5 } },
  { name: 'kick_all empty', body: { request: 'kick_all', ...S } },
  { name: 'resetdecoder not joined', body: { request: 'resetdecoder' } },
  { name: 'rtp_forward no room', body: { request: 'rtp_forward', room: 999, host: '127.0.0.1', port: 5000 } },
  { name: 'rtp_forward missing host', body: { request: 'rtp_forward', ...S, port: 5000 } },
  { name: 'rtp_forward port 0', body: { request: 'rtp_forward', ...S, host: '127.0.0.1', port: 0 } },
  { name: 'rtp_forward bad codec', body: { request: 'rtp_forward', ...S, host: '127.0.0.1', port: 5000, codec: 'g722' } },
  { name: 'rtp_forward bad family', body: { request: 'rtp_forward', ...S, host: '127.0.0.1', port: 5000, host_family: 'ipx' } },
  { name: 'rtp_forward bad suite', body: { request: 'rtp_forward', ...S, host: '127.0.0.1', port: 5000, srtp_suite: 16, srtp_crypto: 'abc' } },
  { name: 'rtp_forward', body: { request: 'rtp_forward', ...S, host: '127.0.0.1', port: 5000, ssrc: 42 } },
  { name: 'rtp_forward pcmu', body: { request: 'rtp_forward', ...S, host: '127.0.0.1', port: 5002, codec: 'pcmu', always_on: true } },
  { name: 'listforwarders', body: { request: 'listforwarders', ...S } },
  { name: 'listforwarders wrong secret', body: { request: 'listforwarders', room: 900, secret: 'no' } },
  { name: 'stop_rtp_forward unknown', body: { request: 'stop_rtp_forward', ...S, stream_id: 12345 } },
  { name: 'stop_rtp_forward missing', body: { request: 'stop_rtp_forward', ...S } },
  { name: 'play_file missing file', body: { request: 'play_file', ...S, filename: '/nonexistent/x.opus' } },
  { name: 'play_file no filename', body: { request: 'play_file', ...S } },
  { name: 'is_playing', body: { request: 'is_playing', ...S, file_id: 'x' } },
  { name: 'stop_file', body: { request: 'stop_file', ...S, file_id: 'x' } },
  { name: 'stop_all_files', body: { request: 'stop_all_files', ...S } },
  { name: 'suspend', body: { request: 'suspend', ...S, id: 1 } },
  { name: 'resume', body: { request: 'resume', ...S, id: 1 } },
  { name: 'listannouncements', body: { request: 'listannouncements', ...S } },
  { name: 'enable_recording missing', body: { request: 'enable_recording', ...S } },
  { name: 'enable_mjrs off', body: { request: 'enable_mjrs', ...S, mjrs: false } },
  { name: 'allowed bad action', body: { request: 'allowed', ...S, action: 'bogus' } },
  { name: 'allowed add', body: { request: 'allowed', ...S, action: 'add', allowed: ['a', 'b'] } },
  { name: 'allowed disable', body: { request: 'allowed', ...S, action: 'disable' } },
  { name: 'join no room', body: { request: 'join', room: 999 } },
  { name: 'join missing room', body: { request: 'join' } },
  { name: 'join bad quality', body: { request: 'join', room: 1234, quality: 11 } },
  { name: 'join bad codec', body: { request: 'join', room: 1234, codec: 'g722' } },
  { name: 'join bad loss', body: { request: 'join', room: 1234, expected_loss: 30 } },
  { name: 'join rtp not allowed', body: { request: 'join', room: 1234, rtp: {} } },
  { name: 'join bad display', body: { request: 'join', room: 1234, display: 3 } },
  { name: 'configure not joined', body: { request: 'configure', muted: true } },
  { name: 'leave not joined', body: { request: 'leave' } },
  { name: 'changeroom not joined', body: { request: 'changeroom', room: 1234 } },
  { name: 'join', body: { request: 'join', room: 1234, display: 'x', id: 77 } },
  { name: 'join again', body: { request: 'join', room: 1234 } },
  { name: 'changeroom same', body: { request: 'changeroom', room: 1234 } },
  { name: 'listparticipants joined', body: { request: 'listparticipants', room: 1234 } },
  { name: 'configure', body: { request: 'configure', muted: true, display: 'y' } },
  { name: 'configure bad quality', body: { request: 'configure', quality: 0 } },
  { name: 'mute joined', body: { request: 'mute', room: 1234, secret: 'adminpwd', id: 77 } },
  { name: 'unmute joined', body: { request: 'unmute', room: 1234, secret: 'adminpwd', id: 77 } },
  { name: 'resetdecoder joined', body: { request: 'resetdecoder' } },
  { name: 'changeroom', body: { request: 'changeroom', room: 901 } },
  { name: 'listparticipants 901', body: { request: 'listparticipants', room: 901 } },
  { name: 'leave', body: { request: 'leave' } },
  { name: 'listparticipants after leave', body: { request: 'listparticipants', room: 901 } },
  { name: 'join after leave', body: { request: 'join', room: 1234, id: 78 } },
  { name: 'kick joined', body: { request: 'kick', room: 1234, secret: 'adminpwd', id: 78 } },
  { name: 'listparticipants after kick', body: { request: 'listparticipants', room: 1234 }, after: (e) => e.plugindata?.data?.kicked === 78 },
  { name: 'hangup', body: { request: 'hangup' } },
  { name: 'destroy', body: { request: 'destroy', ...S } },
  { name: 'destroy again', body: { request: 'destroy', ...S } },
  { name: 'destroy 901', body: { request: 'destroy', room: 901 } },
];

/** Random IDs and UUIDs out, list order normalised: what is left must match Janus. */
export function normalise(v: unknown, key = ''): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => normalise(x));
    if (key === 'allowed' || key === 'list' || key === 'rtp_forwarders') return items.map((x) => JSON.stringify(x)).sort().map((x) => JSON.parse(x));
    return items;
  }
  if (v && typeof v === 'object') {
    const out: Msg = {};
    for (const k of Object.keys(v as Msg).sort()) out[k] = normalise((v as Msg)[k], k);
    return out;
  }
  if (typeof v === 'number' && v > 100000 && ['id', 'stream_id', 'ssrc', 'room', 'kicked', 'leaving'].includes(key)) return '<random>';
  if (typeof v === 'string' && /^[0-9a-f-]{36}$/.test(v)) return '<uuid>';
  return v;
}

async function post(url: string, body: Msg): Promise<Msg> {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  return (await r.json()) as Msg;
}

/** Run every case through one session and handle; returns name → normalised answer. */
export async function runCases(base: string): Promise<Record<string, unknown>> {
  let tx = 0;
  const session = (await post(base, { janus: 'create', transaction: 'c' })).data.id as number;
  const sUrl = `${base}/${session}`;
  const handle = (await post(sUrl, { janus: 'attach', plugin: 'janus.plugin.audiobridge', transaction: 'a' })).data.id as number;
  const hUrl = `${sUrl}/${handle}`;
  const events: Msg[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      try {
        const r = await fetch(`${sUrl}?maxev=10&rid=${Date.now()}`);
        const j = (await r.json()) as Msg | Msg[];
        for (const e of Array.isArray(j) ? j : [j]) if (e.janus !== 'keepalive') events.push(e);
      } catch {
        return;
      }
    }
  })();
  const out: Record<string, unknown> = {};
  for (const c of abCases) {
    if (c.after) {
      const end = Date.now() + 5000;
      while (!events.some((e) => !e.transaction && c.after!(e)) && Date.now() < end) await new Promise((res) => setTimeout(res, 20));
    }
    const t = `t${++tx}`;
    const r = await post(hUrl, { janus: 'message', transaction: t, body: c.body });
    if (r.janus === 'ack') {
      const end = Date.now() + 5000;
      let ev: Msg | undefined;
      while (!ev && Date.now() < end) {
        ev = events.find((e) => e.transaction === t);
        if (!ev) await new Promise((res) => setTimeout(res, 20));
      }
      out[c.name] = normalise({ async: ev?.plugindata?.data ?? 'timeout' });
    } else {
      out[c.name] = normalise(r.janus === 'success' ? r.plugindata?.data : { janus: r.janus, error: r.error });
    }
  }
  // events without a transaction that the handle got (joined/left/kicked...), in order
  out['~events'] = normalise(events.filter((e) => e.janus === 'event' && !e.transaction).map((e) => e.plugindata?.data));
  polling = false;
  await post(sUrl, { janus: 'destroy', transaction: 'd' }).catch(() => undefined);
  await poll.catch(() => undefined);
  return out;
}

if (require.main === module) {
  runCases(process.argv[2] ?? 'http://127.0.0.1:8088/janus')
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(e);
      process.exit(1);
    });
}
