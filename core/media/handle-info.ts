import type { Settings } from '../config/settings';
import type { JsonObject } from '../plugin-api';
import type { MediaPeer } from './peer';
import { EXT } from './codecs';
import { droppedDatagrams, srtpProfileOf } from './werift-adapter';

const us = (ms: number) => ms * 1000;

/**
 * The WebRTC part of Admin `handle_info` (flags, sdps, webrtc), shaped like Janus 1.1.x's.
 * Timestamps are wall-clock derived microseconds (Janus uses its monotonic clock).
 */
export function handleInfo(peer: MediaPeer | undefined, trickle: boolean, pendingTrickles: number, settings: Settings): JsonObject {
  const p = peer && !peer.isClosed ? peer : undefined;
  const hasAudio = !!p?.streams.some((s) => s?.kind === 'audio');
  const hasVideo = !!p?.streams.some((s) => s?.kind === 'video');
  const info: JsonObject = {
    flags: {
      'got-offer': !!p?.gotOffer,
      'got-answer': !!p?.gotAnswer,
      negotiated: !!p?.negotiated,
      'processing-offer': false,
      starting: !!p && !p.ready,
      'ice-restart': !!p?.iceRestart,
      ready: !!p?.ready,
      stopped: false,
      alert: !!p?.alert,
      trickle,
      'all-trickles': !!p?.allTrickles,
      'resend-trickles': false,
      'trickle-synced': false,
      'data-channels': !!p?.hasData,
      'has-audio': hasAudio,
      'has-video': hasVideo,
      'new-datachan-sdp': false,
      'rfc4588-rtx': !!p?.streams.some((s) => s?.rtxPt !== undefined),
      cleaning: false,
      e2ee: false,
    },
  };
  if (p) {
    info['agent-created'] = us(p.created);
    if (p.connectedAt) info['agent-started'] = us(p.created);
    info['ice-mode'] = settings.iceLite ? 'lite' : 'full';
    info['ice-role'] = p.gotOffer ? 'controlled' : 'controlling';
  }
  const sdps: JsonObject = {};
  if (p) sdps.profile = 'UDP/TLS/RTP/SAVPF';
  if (p?.localSdp) sdps.local = p.localSdp;
  if (p?.remoteSdp) sdps.remote = p.remoteSdp;
  info.sdps = sdps;
  if (pendingTrickles > 0) info['pending-trickles'] = pendingTrickles;
  info['queued-packets'] = 0;
  if (!p) return info;

  const dtls = p.pc.dtlsTransports[0];
  const extensions: JsonObject = {};
  const media: JsonObject = {};
  for (const s of p.streams) {
    if (!s) continue;
    const t = s.transceiver;
    for (const e of t?.headerExtensions ?? []) extensions[e.uri] = e.id;
    const m: JsonObject = { type: s.kind === 'application' ? 'data' : s.kind, mindex: s.mindex, mid: s.mid };
    if (s.kind !== 'application') {
      if (s.remoteMsid || s.msid) {
        m.msid = {
          ...(s.msid ? { 'local-stream': s.msid.stream, 'local-track': s.msid.track } : {}),
          ...(s.remoteMsid ? { 'remote-stream': s.remoteMsid.stream, 'remote-track': s.remoteMsid.track } : {}),
        };
      }
      m.do_nacks = !!s.codec?.rtcpFb?.some((f) => f === 'nack') || s.video;
      m['nack-queue-ms'] = settings.minNackQueue;
      const ssrc: JsonObject = {};
      if (t) ssrc.ssrc = t.sender.ssrc;
      if (t && s.rtxPt !== undefined) ssrc['ssrc-rtx'] = t.sender.rtxSsrc;
      if (s.peerSsrc[0]) ssrc['ssrc-peer'] = s.peerSsrc[0];
      if (s.peerSsrc[1]) ssrc['ssrc-peer-sim-1'] = s.peerSsrc[1];
      if (s.peerSsrc[2]) ssrc['ssrc-peer-sim-2'] = s.peerSsrc[2];
      m.ssrc = ssrc;
      if (s.rids.length) m['rid-simulcast'] = { rid: s.rids, 'rid-order': s.ridLowFirst ? 'lmh' : 'hml' };
      m.direction = { send: s.direction === 'sendrecv' || s.direction === 'sendonly', recv: s.direction === 'sendrecv' || s.direction === 'recvonly' };
      if (s.codec) m.codecs = { pt: s.codec.pt, ...(s.rtxPt !== undefined ? { 'rtx-pt': s.rtxPt } : {}), codec: s.codec.name };
      m.rtcp = { main: s.rtcpMain() };
    }
    m.stats = {
      in: { packets: s.in.packets, bytes: s.in.bytes, bytes_lastsec: s.in.bytesLastSec, ...(s.kind !== 'application' ? { nacks: s.in.nacks } : {}) },
      out: { packets: s.out.packets, bytes: s.out.bytes, bytes_lastsec: s.out.bytesLastSec, ...(s.kind !== 'application' ? { nacks: s.out.nacks } : {}) },
    };
    media[s.mid] = m;
  }
  const twccExt = extensions[EXT.twcc] as number | undefined;
  const fingerprint = (p.localSdp && /a=fingerprint:\S+ (\S+)/.exec(p.localSdp)?.[1]) ?? '';
  const remoteFp = p.remoteSdp ? /a=fingerprint:(\S+) (\S+)/.exec(p.remoteSdp) : null;
  const setup = p.localSdp ? /a=setup:(\S+)/.exec(p.localSdp)?.[1] : undefined;
  const srtp = srtpProfileOf(dtls);
  info.webrtc = {
    ice: {
      stream_id: 1,
      component_id: 1,
      state: p.iceState,
      ...(p.connectedAt ? { connected: us(p.connectedAt) } : {}),
      'local-candidates': p.localCandidates,
      'remote-candidates': p.remoteCandidates,
      ...(p.selectedPair ? { 'selected-pair': p.selectedPair } : {}),
      ready: p.ready ? 1 : 0,
    },
    dtls: {
      fingerprint,
      ...(remoteFp ? { 'remote-fingerprint': remoteFp[2], 'remote-fingerprint-hash': remoteFp[1] } : {}),
      'dtls-role': setup ?? 'actpass',
      'dtls-state': p.dtlsState,
      retransmissions: 0,
      valid: p.dtlsState === 'connected',
      'srtp-profile': srtp === 1 ? 'SRTP_AES128_CM_SHA1_80' : srtp === 7 ? 'SRTP_AEAD_AES_128_GCM' : 'none',
      ready: p.dtlsState === 'connected',
      ...(p.connectedAt ? { connected: us(p.connectedAt) } : {}),
      'sctp-association': p.hasData && p.ready,
      stats: {
        in: { packets: dtls?.packetsReceived ?? 0, bytes: dtls?.bytesReceived ?? 0 },
        out: { packets: dtls?.packetsSent ?? 0, bytes: dtls?.bytesSent ?? 0 },
      },
    },
    // not in Janus: datagrams the receive screen dropped before werift (werift-adapter.ts), by reason
    'dropped-datagrams': droppedDatagrams(p.pc),
    extensions,
    bwe: twccExt !== undefined ? { twcc: true, 'twcc-ext-id': twccExt } : { twcc: false },
    media,
  };
  return info;
}
