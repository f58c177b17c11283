/**
 * The werift peer that plays the browser in the media tests: loopback-only candidates, no STUN,
 * its own UDP block from the port allocator. Areas differ only in codecs and header extensions.
 */
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  useAbsSendTime,
  useAudioLevelIndication,
  useNACK,
  usePLI,
  useREMB,
  useSdesMid,
  type RTCRtpHeaderExtensionParameters,
} from 'werift';
import { udpRange } from './ports';

export interface LoopbackPeerOptions {
  /** Random loss in percent on both directions (werift's debug hook). */
  lossPct?: number;
  codecs?: { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] };
  headerExtensions?: { audio: RTCRtpHeaderExtensionParameters[]; video: RTCRtpHeaderExtensionParameters[] };
}

export const OPUS = () => new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 });
export const VP8 = () => new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, rtcpFeedback: [useNACK(), usePLI(), useREMB()] });

export function loopbackPeer(opts: LoopbackPeerOptions = {}): RTCPeerConnection {
  return new RTCPeerConnection({
    // werift drops a packet when pct/100 < random: 95 means 5 % loss
    ...(opts.lossPct ? { debug: { inboundPacketLoss: 100 - opts.lossPct, outboundPacketLoss: 100 - opts.lossPct } } : {}),
    iceServers: [],
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceInterfaceAddresses: { udp4: '127.0.0.1' } as never,
    icePortRange: udpRange(4),
    bundlePolicy: 'max-bundle',
    codecs: opts.codecs ?? { audio: [OPUS()], video: [VP8()] },
    headerExtensions: opts.headerExtensions ?? {
      audio: [useSdesMid(), useAudioLevelIndication(), useAbsSendTime()],
      video: [useSdesMid(), useAbsSendTime()],
    },
  });
}
