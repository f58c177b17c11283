import {
  RTCRtpCodecParameters,
  useAbsSendTime,
  useAudioLevelIndication,
  useNACK,
  usePLI,
  useREMB,
  useFIR,
  useRepairedRtpStreamId,
  useSdesMid,
  useSdesRTPStreamId,
  useTransportWideCC,
  useTWCC,
  useVideoOrientation,
  type RTCRtpHeaderExtensionParameters,
} from 'werift';
import { RTCRtpHeaderExtensionParameters as ExtParams } from 'werift';

/** Header extension URIs the core knows (Janus's set): defined once, in the plugin API. */
import { RTP_EXTENSIONS as EXT } from '../plugin-api/rtp-extensions';
export { EXT };

const fb = (twcc: boolean) => (twcc ? [useNACK(), usePLI(), useFIR(), useREMB(), useTWCC()] : [useNACK(), usePLI(), useFIR(), useREMB()]);

/**
 * Codecs werift may negotiate. werift keeps the offerer's payload types and parameters for a
 * matching MIME type, so one entry per MIME type is enough; the plugin then picks which to keep.
 */
export function supportedCodecs(twcc = true): { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] } {
  const a = (mimeType: string, clockRate: number, channels?: number, payloadType?: number) =>
    new RTCRtpCodecParameters({ mimeType, clockRate, channels, payloadType, rtcpFeedback: twcc ? [useTWCC()] : [] });
  const v = (mimeType: string, parameters?: string) =>
    new RTCRtpCodecParameters({ mimeType, clockRate: 90000, rtcpFeedback: fb(twcc), parameters });
  return {
    audio: [a('audio/opus', 48000, 2), a('audio/PCMU', 8000, 1, 0), a('audio/PCMA', 8000, 1, 8), a('audio/G722', 8000, 1, 9), a('audio/red', 48000, 2)],
    video: [
      v('video/VP8'),
      v('video/VP9'),
      v('video/H264', 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1'),
      v('video/AV1'),
      v('video/H265'),
      new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000 }),
    ],
  };
}

/**
 * Header extensions we negotiate. transport-cc only with our own feedback generator (twcc.ts,
 * `twcc_period` > 0): werift's made Chrome's estimate collapse (~115 kbps).
 */
export function supportedExtensions(twcc = true): { audio: RTCRtpHeaderExtensionParameters[]; video: RTCRtpHeaderExtensionParameters[] } {
  const playout = new ExtParams({ id: 0, uri: EXT.playoutDelay });
  const t = twcc ? [useTransportWideCC()] : [];
  return {
    audio: [useSdesMid(), useAudioLevelIndication(), useAbsSendTime(), ...t],
    video: [useSdesMid(), useSdesRTPStreamId(), useRepairedRtpStreamId(), useAbsSendTime(), useVideoOrientation(), playout, ...t],
  };
}

/** Lower-case codec name of a werift MIME type (`video/VP8` → `vp8`). */
export function codecName(mimeType: string): string {
  const i = mimeType.indexOf('/');
  return mimeType.slice(i + 1).toLowerCase();
}
