import type { MediaDirection } from '../plugin-api';
import type { NatMapping } from './ice-config';
import type { ParsedSdp } from './sdp-parse';

/**
 * The SDP text edits the core makes around werift (everything else is werift's own SDP):
 * what werift cannot read in an offer, and what it does not write in our answers/offers.
 */

const known = { audio: new Set(['opus', 'pcmu', 'pcma', 'g722']), video: new Set(['vp8', 'vp9', 'h264', 'av1', 'h265']) };

/**
 * werift refuses a whole offer when one m-line has no codec it knows; Janus rejects just that
 * m-line. So werift gets a placeholder codec there (inactive), and the answer says port 0.
 */
export function patchUnsupported(sdp: string, parsed: ParsedSdp): { sdp: string; unsupported: Set<number> } {
  const unsupported = new Set<number>();
  for (const m of parsed.media) {
    if (m.kind === 'application') continue;
    if (!m.codecs.some((c) => known[m.kind as 'audio' | 'video'].has(c.name))) unsupported.add(m.mindex);
  }
  if (unsupported.size === 0) return { sdp, unsupported };
  const parts = sdp.split(/\r?\n(?=m=)/);
  for (let i = 1; i < parts.length; i++) {
    if (!unsupported.has(i - 1)) continue;
    const video = parts[i].startsWith('m=video');
    const pt = video ? 96 : 0;
    let sec = parts[i].replace(/^(m=\S+ \d+(?:\/\d+)? \S+).*$/m, `$1 ${pt}`);
    sec = sec.replace(/\r?\na=(rtpmap|fmtp|rtcp-fb|sendrecv|sendonly|recvonly|inactive|rid|simulcast|ssrc-group)[^\r\n]*/g, '');
    sec = sec.replace(/\r?\n*$/, '');
    sec += `\r\na=rtpmap:${pt} ${video ? 'VP8/90000' : 'PCMU/8000'}\r\na=inactive${i === parts.length - 1 ? '\r\n' : ''}`;
    parts[i] = sec;
  }
  return { sdp: parts.join('\r\n'), unsupported };
}

/** werift reads "a=rid:<id> <direction>" only: parameters would end up in the direction. */
export function stripRidParameters(sdp: string): string {
  return sdp.replace(/^a=rid:(\S+) (send|recv) [^\r\n]*/gm, 'a=rid:$1 $2');
}

/** Final touches werift does not do: rejected m-lines, our msids, NAT 1:1 candidates. */
export function finishSdp(
  sdp: string,
  rejected: Set<number>,
  msids: Map<number, { stream: string; track: string }> | undefined,
  nat: NatMapping,
): string {
  const parts = sdp.split(/\r\n(?=m=)/);
  for (let i = 1; i < parts.length; i++) {
    const mindex = i - 1;
    let sec = parts[i];
    if (rejected.has(mindex)) sec = sec.replace(/^m=(\S+) \d+/, 'm=$1 0');
    const msid = msids?.get(mindex);
    if (msid) {
      sec = sec.replace(/\r\na=msid:[^\r\n]*/g, '').replace(/\r\n$/, '');
      // no trailing CRLF here: the join below adds it, and an empty line is invalid SDP for browsers
      sec += `\r\na=msid:${msid.stream} ${msid.track}`;
    }
    if (nat.active) {
      sec = sec.replace(/a=candidate:([^\r\n]+)/g, (_m, c: string) => nat.rewrite(c).map((x) => `a=candidate:${x}`).join('\r\n'));
    }
    parts[i] = sec;
  }
  let out = parts.join('\r\n');
  if (!out.endsWith('\r\n')) out += '\r\n';
  return out;
}

/** m-lines of an SDP we wrote: kind, mid and direction, by m-line index. */
export function localSections(sdp: string): Array<{ kind: 'audio' | 'video' | 'application'; mid: string; direction?: MediaDirection }> {
  return sdp
    .split(/\r\nm=/)
    .slice(1)
    .map((sec, mindex) => ({
      kind: sec.split(' ')[0] as 'audio' | 'video' | 'application',
      mid: /a=mid:(\S+)/.exec(sec)?.[1] ?? String(mindex),
      direction: /a=(sendrecv|sendonly|recvonly|inactive)/.exec(sec)?.[1] as MediaDirection | undefined,
    }));
}

export function reverse(d: MediaDirection): MediaDirection {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

/** Our direction given what we want and what the offer allows. */
export function andDirection(want: MediaDirection, allowed: MediaDirection): MediaDirection {
  const send = (want === 'sendrecv' || want === 'sendonly') && (allowed === 'sendrecv' || allowed === 'sendonly');
  const recv = (want === 'sendrecv' || want === 'recvonly') && (allowed === 'sendrecv' || allowed === 'recvonly');
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}
