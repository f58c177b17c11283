import { JanusError, type MediaDirection, type PluginJsep, type SdpCodec, type SdpMediaInfo } from '../plugin-api';
import { EXT } from './codecs';

/** What the core needs to know of a client SDP beyond what the plugin sees. */
export interface ParsedSdp {
  media: SdpMediaInfo[];
  simulcast: NonNullable<PluginJsep['simulcast']>;
  /** ICE credentials and DTLS fingerprint found (session or media level). */
  hasIce: boolean;
  hasFingerprint: boolean;
  iceUfrag?: string;
  /** `a=setup` of the first m-line. */
  setup?: string;
  /** Per m-line index: RTX SSRC → repaired SSRC (`a=ssrc-group:FID`). */
  rtx: Map<number, Map<number, number>>;
}

const directions = new Set<MediaDirection>(['sendrecv', 'sendonly', 'recvonly', 'inactive']);


/**
 * Parse an SDP into the per-m-line description plugins get. Only the attributes a plugin decides
 * on are kept; the PeerConnection itself is driven by werift from the full text.
 * Throws JanusError 465 with a parser text on a malformed m-line.
 */
export function parseSdp(sdp: string): ParsedSdp {
  const lines = sdp.split(/\r?\n/);
  const media: SdpMediaInfo[] = [];
  const simulcast: ParsedSdp['simulcast'] = [];
  let sessionDir: MediaDirection = 'sendrecv';
  let hasUfrag = false;
  let hasPwd = false;
  let hasFingerprint = false;
  let iceUfrag: string | undefined;
  let setup: string | undefined;
  const rtx = new Map<number, Map<number, number>>();
  let cur: (SdpMediaInfo & { rids: string[]; simOrder?: string[]; simSsrcs?: number[]; dirSet: boolean }) | undefined;
  const finish = () => {
    if (!cur) return;
    if (!cur.dirSet) cur.direction = sessionDir;
    const ridExt = cur.extensions.find((e) => e.uri === EXT.rid)?.id;
    // a=simulcast gives the order (and leaves out rids it does not send); else the a=rid order
    const order = cur.simOrder?.filter((r) => cur!.rids.includes(r));
    if (order && order.length > 0) cur.rids = order;
    if (cur.rids.length > 3) cur.rids = cur.rids.slice(0, 3);
    if (cur.rids.length > 0) cur.simulcast = { rids: cur.rids };
    else if (cur.simSsrcs && cur.simSsrcs.length > 1) cur.simulcast = { ssrcs: cur.simSsrcs };
    if (cur.simulcast) {
      simulcast.push({ mindex: cur.mindex, mid: cur.mid, ...cur.simulcast, ...(ridExt !== undefined && cur.rids.length ? { ridExt } : {}) });
    }
    const { rids: _r, simSsrcs: _s, dirSet: _d, simOrder: _o, ...info } = cur;
    media.push(info);
  };
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (line.startsWith('m=')) {
      finish();
      const m = /^m=(\S+) (\d+)(?:\/\d+)? (\S+)(?: (.*))?$/.exec(line);
      if (!m) throw new JanusError(465, `Invalid m-line: ${line.slice(0, 80)}`);
      const kind = m[1];
      if (kind !== 'audio' && kind !== 'video' && kind !== 'application') {
        throw new JanusError(465, `Unsupported media type '${kind}'`);
      }
      const mindex = media.length;
      cur = {
        mindex, mid: String(mindex), kind, direction: 'sendrecv', disabled: m[2] === '0', codecs: [], extensions: [],
        rids: [], dirSet: false,
      };
      if (kind !== 'application') {
        for (const pt of (m[4] ?? '').split(' ')) {
          if (/^\d+$/.test(pt)) cur.codecs.push({ pt: Number(pt), name: '', clockRate: 0 });
        }
      }
      continue;
    }
    if (!line.startsWith('a=')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line.slice(2) : line.slice(2, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1);
    if (name === 'ice-ufrag') {
      hasUfrag = true;
      iceUfrag ??= value;
    } else if (name === 'ice-pwd') hasPwd = true;
    else if (name === 'fingerprint') hasFingerprint = true;
    else if (name === 'setup') setup ??= value;
    if (!cur) {
      if (directions.has(name as MediaDirection)) sessionDir = name as MediaDirection;
      continue;
    }
    if (directions.has(name as MediaDirection)) {
      cur.direction = name as MediaDirection;
      cur.dirSet = true;
    } else if (name === 'mid') cur.mid = value;
    else if (name === 'rtpmap') {
      const r = /^(\d+) ([^/]+)\/(\d+)(?:\/(\d+))?/.exec(value);
      const c = r && codecByPt(cur.codecs, Number(r[1]));
      if (c && r) {
        c.name = r[2].toLowerCase();
        c.clockRate = Number(r[3]);
        if (r[4]) c.channels = Number(r[4]);
      }
    } else if (name === 'fmtp') {
      const r = /^(\d+) (.*)$/.exec(value);
      const c = r && codecByPt(cur.codecs, Number(r[1]));
      if (c && r) c.fmtp = r[2];
    } else if (name === 'rtcp-fb') {
      const r = /^(\d+|\*) (.*)$/.exec(value);
      if (r) {
        for (const c of cur.codecs) if (r[1] === '*' || c.pt === Number(r[1])) (c.rtcpFb ??= []).push(r[2]);
      }
    } else if (name === 'extmap') {
      const r = /^(\d+)(?:\/\S+)? (\S+)/.exec(value);
      if (r) cur.extensions.push({ id: Number(r[1]), uri: r[2] });
    } else if (name === 'rid') {
      const r = /^(\S+) send/.exec(value);
      if (r) cur.rids.push(r[1]);
    } else if (name === 'simulcast') {
      // "send h;m;l" (also "send rid=h;m;l" of the old draft); "~h" is paused, "h,h2" alternatives
      const r = /(?:^|\s)send\s+(?:rid=)?(\S+)/.exec(value);
      if (r) cur.simOrder = r[1].split(';').map((x) => x.split(',')[0].replace(/^~/, '')).filter((x) => x !== '');
    } else if (name === 'ssrc-group') {
      const r = /^(SIM|FID) (.*)$/.exec(value);
      const ssrcs = r ? r[2].split(' ').map(Number).filter((n) => Number.isInteger(n) && n > 0 && n <= 0xffffffff) : [];
      if (r?.[1] === 'SIM') cur.simSsrcs = ssrcs.slice(0, 3);
      else if (r?.[1] === 'FID' && ssrcs.length === 2) {
        let m = rtx.get(cur.mindex);
        if (!m) rtx.set(cur.mindex, (m = new Map()));
        m.set(ssrcs[1], ssrcs[0]);
      }
    } else if (name === 'msid') {
      const [stream, track] = value.split(' ');
      if (stream) cur.msid = { stream, track: track ?? '' };
    }
  }
  finish();
  // static payload types without rtpmap (RFC 3551)
  for (const m of media) {
    for (const c of m.codecs) {
      if (c.name) continue;
      const st = staticPts[c.pt];
      if (st) Object.assign(c, st);
    }
    m.codecs = m.codecs.filter((c) => c.name !== '');
  }
  return { media, simulcast, hasIce: hasUfrag && hasPwd, hasFingerprint, iceUfrag, setup, rtx };
}

function codecByPt(codecs: SdpCodec[], pt: number): SdpCodec | undefined {
  for (const c of codecs) if (c.pt === pt) return c;
  return undefined;
}

const staticPts: Record<number, Pick<SdpCodec, 'name' | 'clockRate' | 'channels'>> = {
  0: { name: 'pcmu', clockRate: 8000 },
  8: { name: 'pcma', clockRate: 8000 },
  9: { name: 'g722', clockRate: 8000 },
};
