/**
 * SDP decisions in VideoRoom terms (the core writes the SDP): which publisher m-lines to accept
 * with which codec, and which m-lines to offer a subscriber.
 */
import { RTP_EXTENSIONS, type AnswerMedia, type OfferMedia, type PluginJsep, type SdpCodec, type SdpMediaInfo } from '../../core/plugin-api';
import { PublisherStream, type StreamType } from './publisher/publisher-stream';
import type { RoomConfig } from './room-config';
import type { Subscriber } from './subscriber/subscriber';


/** Room codec names as they appear in SDP (name and clock, for the ones that differ). */
const sdpCodec: Record<string, { name: string; clockRate?: number }> = {
  isac32: { name: 'isac', clockRate: 32000 },
  isac16: { name: 'isac', clockRate: 16000 },
  'l16-48': { name: 'l16', clockRate: 48000 },
  l16: { name: 'l16', clockRate: 16000 },
};

function matches(roomCodec: string, c: SdpCodec): boolean {
  const m = Object.hasOwn(sdpCodec, roomCodec) ? sdpCodec[roomCodec] : undefined;
  if (!m) return c.name === roomCodec;
  return c.name === m.name && (m.clockRate === undefined || c.clockRate === m.clockRate);
}

/** First codec of `order` the m-line offers. */
export function pickCodec(order: readonly string[], m: SdpMediaInfo): { room: string; codec: SdpCodec } | undefined {
  for (const rc of order) {
    const c = m.codecs.find((x) => matches(rc, x));
    if (c) return { room: rc, codec: c };
  }
  return undefined;
}

function fmtpParam(fmtp: string | undefined, key: string): string | undefined {
  if (!fmtp) return undefined;
  for (const part of fmtp.split(';')) {
    const [k, v] = part.split('=');
    if (k?.trim().toLowerCase() === key) return v?.trim();
  }
  return undefined;
}

function acceptedExtensions(room: RoomConfig, m: SdpMediaInfo): string[] {
  return m.extensions
    .map((e) => e.uri)
    .filter((uri) => {
      if (uri === RTP_EXTENSIONS.audioLevel) return room.audiolevelExt;
      if (uri === RTP_EXTENSIONS.videoOrientation) return room.videoorientExt;
      if (uri === RTP_EXTENSIONS.playoutDelay) return room.playoutdelayExt;
      if (uri === RTP_EXTENSIONS.twcc) return room.transportWideCcExt;
      return true;
    });
}

export interface PublisherNegotiation {
  answer: AnswerMedia[];
  streams: PublisherStream[];
}

/**
 * Answer a publisher's offer: each audio/video m-line keeps the first codec of the preference
 * list (the request's `audiocodec`/`videocodec` first, then the room's list) it offers; an m-line
 * with none of them is rejected, as Janus does. Existing streams (same mid) keep their state.
 */
export function answerPublisher(
  room: RoomConfig,
  jsep: PluginJsep,
  existing: readonly PublisherStream[],
  prefs: { audiocodec?: string; videocodec?: string },
): PublisherNegotiation {
  const answer: AnswerMedia[] = [];
  const streams: PublisherStream[] = [];
  for (const m of jsep.media) {
    const type: StreamType = m.kind === 'application' ? 'data' : m.kind;
    const old = existing.find((s) => s.mid === m.mid && s.type === type);
    const s = old ?? new PublisherStream(type, m.mindex, m.mid);
    streams.push(s);
    if (m.disabled) {
      s.disable(false);
      answer.push({ mindex: m.mindex, accept: false });
      continue;
    }
    if (type === 'data') {
      s.acceptData();
      answer.push({ mindex: m.mindex, accept: true });
      continue;
    }
    const list = type === 'audio' ? room.audiocodec : room.videocodec;
    const pref = type === 'audio' ? prefs.audiocodec : prefs.videocodec;
    const order = pref && list.includes(pref) ? [pref, ...list.filter((c) => c !== pref)] : list;
    const picked = pickCodec(order, m);
    if (!picked) {
      s.disable(true);
      answer.push({ mindex: m.mindex, accept: false });
      continue;
    }
    const c = picked.codec;
    const simulcast = !!m.simulcast && type === 'video';
    s.accept({
      codec: c,
      simulcast,
      substreams: simulcast ? Math.min(3, m.simulcast?.rids?.length ?? m.simulcast?.ssrcs?.length ?? 0) : 0,
      // video_svc rooms: a VP9 publisher's layers are picked per subscriber (Janus: VP9 SVC)
      svc: room.videoSvc && type === 'video' && !simulcast && c.name === 'vp9',
      ...(c.name === 'opus'
        ? {
          fec: room.opusFec && fmtpParam(c.fmtp, 'useinbandfec') === '1',
          stereo: fmtpParam(c.fmtp, 'stereo') === '1',
          dtx: room.opusDtx && fmtpParam(c.fmtp, 'usedtx') === '1',
        }
        : {}),
      ...(c.name === 'h264' ? { h264Profile: fmtpParam(c.fmtp, 'profile-level-id') } : {}),
      ...(c.name === 'vp9' ? { vp9Profile: fmtpParam(c.fmtp, 'profile-id') } : {}),
    });
    const sending = m.direction === 'sendonly' || m.direction === 'sendrecv';
    answer.push({
      mindex: m.mindex,
      accept: true,
      direction: sending ? 'recvonly' : 'inactive',
      codecs: [picked.codec.name],
      extensions: acceptedExtensions(room, m),
    });
  }
  return { answer, streams };
}

/** The offer for a subscriber: one m-line per stream, in m-line order; a stream without source is offered disabled. */
export function subscriberOffer(sub: Subscriber): OfferMedia[] {
  return sub.streams.map((s): OfferMedia => {
    if (s.type === 'data') {
      return { mid: s.mid, kind: 'application', direction: 'sendrecv', codecs: [], disabled: !s.active };
    }
    const src = s.source;
    if (!src || !src.codec || !s.publisher) {
      return { mid: s.mid, kind: s.type, direction: 'inactive', codecs: s.codec ? [{ name: s.codec }] : [], disabled: true };
    }
    const c = src.codec;
    const codec: OfferMedia['codecs'][number] = { name: c.name, clockRate: c.clockRate };
    if (c.channels !== undefined) codec.channels = c.channels;
    if (c.fmtp !== undefined) codec.fmtp = c.fmtp;
    return {
      mid: s.mid,
      kind: s.type,
      direction: 'sendonly',
      codecs: [codec],
      msid: { stream: `janus${s.publisher.id}`, track: `janus${s.publisher.id}${src.mid}` },
    };
  });
}
