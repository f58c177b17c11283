/** Negotiation: answer the client's offer (first audio m-line only) or offer audio ourselves. */
import { RTP_EXTENSIONS, type AnswerMedia, type OfferMedia, type PluginJsep } from '../../../core/plugin-api';
import { AbError, AbErrorCode } from '../errors';
import type { AbSession } from '../session';

/** Read what matters from the client's SDP (offer or answer): codec pt, FEC, audio-level id, m-line. */
export function learnFromSdp(s: AbSession, jsep: PluginJsep): void {
  const p = s.participant;
  if (!p) return;
  const m = jsep.media.find((x) => x.kind === 'audio' && !x.disabled);
  if (!m) return;
  s.audioMindex = m.mindex;
  s.audioMid = m.mid;
  const c = m.codecs.find((x) => x.name === p.codec);
  if (c) p.pt = c.pt;
  if (p.codec === 'opus' && c?.fmtp?.includes('useinbandfec=1')) p.fec = true;
  const level = m.extensions.find((e) => e.uri === RTP_EXTENSIONS.audioLevel);
  p.extmapId = level && p.room?.config.audiolevelExt ? level.id : 0;
}

export function answerFor(s: AbSession, jsep: PluginJsep): AnswerMedia[] {
  const p = s.participant!;
  let accepted = false;
  const ext = p.room?.config.audiolevelExt ? [RTP_EXTENSIONS.mid, RTP_EXTENSIONS.audioLevel] : [RTP_EXTENSIONS.mid];
  return jsep.media.map((m) => {
    if (m.kind !== 'audio' || m.disabled || accepted) return { mindex: m.mindex, accept: false };
    accepted = true;
    return { mindex: m.mindex, accept: true, direction: 'sendrecv', codecs: [p.codec], extensions: ext };
  });
}

export function offerFor(s: AbSession): OfferMedia[] {
  const p = s.participant!;
  const ext = p.room?.config.audiolevelExt ? [RTP_EXTENSIONS.mid, RTP_EXTENSIONS.audioLevel] : [RTP_EXTENSIONS.mid];
  return [{ kind: 'audio', direction: 'sendrecv', codecs: [{ name: p.codec }], extensions: ext }];
}

/** Janus's checks before touching an SDP. */
export function checkJsep(s: AbSession, jsep: PluginJsep): void {
  if (jsep.e2ee) throw new AbError(AbErrorCode.INVALID_ELEMENT, 'Media encryption unsupported by this plugin');
  if (jsep.type === 'offer' && s.pluginOffer) throw new AbError(AbErrorCode.INVALID_SDP, 'Received an offer on a plugin-offered session');
  if (jsep.type === 'answer' && !s.pluginOffer) throw new AbError(AbErrorCode.INVALID_SDP, "Received an answer when we didn't send an offer");
}
