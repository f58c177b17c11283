/**
 * A MediaPort for signalling tests without a WebRTC stack: it parses the client's SDP into the
 * plugin's SdpMediaInfo (m-lines, mids, codecs, directions, extensions), writes a small SDP for
 * the plugin's answers and offers, and records what the plugin relays (RTP, PLI, REMB, data).
 */
import type { Handle } from '../core/handle';
import type { MediaPort } from '../core/media/media-port';
import { JanusError, type ClientJsep, type DataPacket, type JsonObject, type OutgoingJsep, type PluginJsep, type RtcpPacket, type RtpPacket, type SdpMediaInfo } from '../core/plugin-api';

export interface Relayed {
  mindex: number;
  seq: number;
  ts: number;
  length: number;
}

export function parseSdp(sdp: string): SdpMediaInfo[] {
  const out: SdpMediaInfo[] = [];
  let cur: SdpMediaInfo | undefined;
  for (const line of sdp.split(/\r?\n/)) {
    const m = /^m=(audio|video|application) (\d+) \S+ ?(.*)$/.exec(line);
    if (m) {
      cur = { mindex: out.length, mid: String(out.length), kind: m[1] as SdpMediaInfo['kind'], direction: 'sendrecv', disabled: m[2] === '0', codecs: [], extensions: [] };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    let r: RegExpExecArray | null;
    if ((r = /^a=mid:(\S+)/.exec(line))) cur.mid = r[1];
    else if ((r = /^a=(sendrecv|sendonly|recvonly|inactive)$/.exec(line))) cur.direction = r[1] as SdpMediaInfo['direction'];
    else if ((r = /^a=rtpmap:(\d+) ([^/]+)\/(\d+)(?:\/(\d+))?/.exec(line))) {
      cur.codecs.push({ pt: +r[1], name: r[2].toLowerCase(), clockRate: +r[3], ...(r[4] ? { channels: +r[4] } : {}) });
    } else if ((r = /^a=fmtp:(\d+) (.*)$/.exec(line))) {
      const c = cur.codecs.find((x) => x.pt === +r![1]);
      if (c) c.fmtp = r[2];
    } else if ((r = /^a=extmap:(\d+)(?:\/\S+)? (\S+)/.exec(line))) cur.extensions.push({ id: +r[1], uri: r[2] });
    else if ((r = /^a=simulcast:send (\S+)/.exec(line))) cur.simulcast = { rids: r[1].split(';') };
  }
  return out;
}

interface State {
  remote?: string;
  local?: string;
  offered: boolean;
  remoteMedia: SdpMediaInfo[];
  lastAnswer?: Extract<OutgoingJsep, { type: 'answer' }>;
  lastOffer?: Extract<OutgoingJsep, { type: 'offer' }>;
}

export class FakeMedia implements MediaPort {
  readonly state = new Map<Handle, State>();
  readonly rtp = new Map<number, Relayed[]>();
  readonly data = new Map<number, string[]>();
  readonly plis = new Map<number, Array<number | undefined>>();
  readonly rembs = new Map<number, number[]>();

  private get(h: Handle): State {
    let s = this.state.get(h);
    if (!s) {
      this.state.set(h, (s = { offered: false, remoteMedia: [] }));
      // as a media stack does while a PeerConnection exists: the plugin's relays reach us
      h.media.bind({ relayRtp: (p) => this.relayRtp(h, p), relayRtcp: (p) => this.relayRtcp(h, p), relayData: (p) => this.relayData(h, p) });
    }
    return s;
  }

  forHandle(id: number): State | undefined {
    for (const [h, s] of this.state) if (h.id === id) return s;
    return undefined;
  }

  async remoteJsep(handle: Handle, jsep: ClientJsep): Promise<PluginJsep> {
    if (jsep.type !== 'offer' && jsep.type !== 'answer') throw new JanusError(464, `JSEP error: unknown message type '${jsep.type}'`);
    if (!/^v=0/.test(jsep.sdp)) throw new JanusError(465, 'JSEP error: invalid SDP');
    const s = this.get(handle);
    if (jsep.type === 'answer' && !s.offered) throw new JanusError(469, 'Unexpected ANSWER (did we offer?)');
    const update = s.remote !== undefined;
    s.remote = jsep.sdp;
    s.remoteMedia = parseSdp(jsep.sdp);
    if (jsep.type === 'answer') s.offered = false;
    return { type: jsep.type, sdp: jsep.sdp, media: s.remoteMedia, ...(update ? { update: true } : {}), ...(jsep.e2ee ? { e2ee: true } : {}) };
  }

  async localJsep(handle: Handle, jsep: OutgoingJsep): Promise<{ type: string; sdp: string } & JsonObject> {
    const s = this.get(handle);
    const lines = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=fake', 't=0 0'];
    if (jsep.type === 'answer') {
      s.lastAnswer = jsep;
      for (const a of jsep.media ?? []) {
        const m = s.remoteMedia[a.mindex];
        lines.push(`m=${m?.kind ?? 'audio'} ${a.accept ? 9 : 0} UDP/TLS/RTP/SAVPF 0`, `a=mid:${m?.mid ?? a.mindex}`);
        if (a.accept) for (const c of a.codecs ?? []) lines.push(`a=x-codec:${c}`);
        if (a.direction) lines.push(`a=${a.direction}`);
      }
    } else {
      s.lastOffer = jsep;
      s.offered = true;
      for (const o of jsep.media ?? []) {
        lines.push(`m=${o.kind} ${o.disabled ? 0 : 9} UDP/TLS/RTP/SAVPF 0`, `a=mid:${o.mid}`, `a=${o.direction}`);
        for (const c of o.codecs) lines.push(`a=x-codec:${c.name}`);
        if (o.msid) lines.push(`a=msid:${o.msid.stream} ${o.msid.track}`);
      }
    }
    s.local = lines.join('\r\n') + '\r\n';
    return { type: jsep.type, sdp: s.local };
  }

  trickle(): void {}

  hangup(handle: Handle): boolean {
    const s = this.state.get(handle);
    if (!s || (s.local === undefined && s.remote === undefined)) return false;
    this.state.delete(handle);
    handle.media.unbind();
    return true;
  }

  destroy(handle: Handle): void {
    this.state.delete(handle);
    handle.media.unbind();
  }

  info(): JsonObject | undefined {
    return undefined;
  }

  relayRtp(handle: Handle, p: RtpPacket): void {
    let l = this.rtp.get(handle.id);
    if (!l) this.rtp.set(handle.id, (l = []));
    l.push({ mindex: p.mindex, seq: p.buffer.readUInt16BE(2), ts: p.buffer.readUInt32BE(4), length: p.length });
  }

  relayRtcp(_h: Handle, _p: RtcpPacket): void {}

  relayData(handle: Handle, p: DataPacket): void {
    let l = this.data.get(handle.id);
    if (!l) this.data.set(handle.id, (l = []));
    l.push(p.buffer.subarray(0, p.length).toString());
  }

  sendPli(handle: Handle, mindex?: number): void {
    let l = this.plis.get(handle.id);
    if (!l) this.plis.set(handle.id, (l = []));
    l.push(mindex);
  }

  sendRemb(handle: Handle, bitrate: number): void {
    let l = this.rembs.get(handle.id);
    if (!l) this.rembs.set(handle.id, (l = []));
    l.push(bitrate);
  }

  async close(): Promise<void> {}
}
