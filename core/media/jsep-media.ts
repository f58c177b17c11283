import type { AnswerMedia, OfferMedia } from '../plugin-api';
import { parseSdp } from './sdp-parse';

/**
 * Plugins may still hand the core a full SDP (Janus style). The core owns ICE/DTLS, so such an
 * SDP is read as a description of the m-lines: accepted or not, direction, codecs, extensions.
 */
export function jsepToAnswerMedia(sdp: string): AnswerMedia[] {
  return parseSdp(sdp).media.map((m) => ({
    mindex: m.mindex,
    accept: !m.disabled,
    direction: m.direction,
    codecs: m.codecs.map((c) => c.name).filter((n) => n !== 'rtx'),
    extensions: m.extensions.map((e) => e.uri),
  }));
}

export function jsepToOfferMedia(sdp: string): OfferMedia[] {
  return parseSdp(sdp).media.map((m) => ({
    mid: m.mid,
    kind: m.kind,
    direction: m.direction,
    codecs: m.codecs.filter((c) => c.name !== 'rtx').map((c) => ({ name: c.name, pt: c.pt, clockRate: c.clockRate, fmtp: c.fmtp })),
    extensions: m.extensions.map((e) => e.uri),
    ...(m.msid ? { msid: m.msid } : {}),
    disabled: m.disabled,
  }));
}
