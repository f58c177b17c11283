import { MediaStreamTrack, type RTCPeerConnection, type RtpPacket } from 'werift';
import { receiverInternals, routerOf, type WeriftRouter } from './werift-adapter/media';
import { EXT } from './codecs';
import type { PeerStream } from './peer-stream';

/**
 * werift routes rid-based simulcast but not two things browsers send with it; this fills them in:
 * - RTX packets of a rid encoding carry only `repaired-rtp-stream-id` on an SSRC nobody announced:
 *   map that SSRC to its encoding's so werift unwraps the retransmissions;
 * - a packet with a rid the SDP did not list is dropped here (werift would fail on it).
 * Only packets from SSRCs werift does not know yet take the slow path.
 */
export function guardSimulcastRouting(pc: RTCPeerConnection): void {
  const router = routerOf(pc);
  const route = router.routeRtp.bind(router);
  let ridId = -1;
  let rridId = -1;
  let mapSize = -1;
  router.routeRtp = (packet: RtpPacket) => {
    const exts = packet.header.extensions;
    // known SSRCs go straight on (werift drops, and logs, a known SSRC with an unknown rid)
    if (exts.length === 0 || router.ssrcTable[packet.header.ssrc] !== undefined) {
      route(packet);
      return;
    }
    const ids = Object.keys(router.extIdUriMap);
    if (ids.length !== mapSize) {
      // ids are known once the remote description is applied; look them up again if they change
      mapSize = ids.length;
      ridId = rridId = -1;
      for (const id of ids) {
        const uri = router.extIdUriMap[Number(id)];
        if (uri === EXT.rid) ridId = Number(id);
        else if (uri === EXT.repairedRid) rridId = Number(id);
      }
    }
    const rid = ridId >= 0 ? extValue(exts, ridId) : undefined;
    if (rid !== undefined) {
      if (router.ridTable[rid] === undefined) return; // a rid that was never negotiated
    } else if (rridId >= 0) {
      const rrid = extValue(exts, rridId);
      if (rrid !== undefined && !learnRepairSsrc(router, rrid, packet.header.ssrc)) return;
    }
    route(packet);
  };
}

/** First RTX packet of a rid encoding: its SSRC repairs the SSRC that carried that rid. */
function learnRepairSsrc(router: WeriftRouter, rid: string, rtxSsrc: number): boolean {
  const receiver = router.ridTable[rid];
  if (!receiver) return false;
  for (const key of Object.keys(receiver.trackBySSRC)) {
    const track = receiver.trackBySSRC[Number(key)];
    if (track?.rid === rid && Number(key) !== rtxSsrc) {
      receiver.ssrcByRtx[rtxSsrc] = Number(key);
      router.registerRtpReceiver(receiver, rtxSsrc);
      return true;
    }
  }
  // the encoding itself has not been seen yet: nothing to repair
  return false;
}

function extValue(exts: Array<{ id: number; payload: Buffer }>, id: number): string | undefined {
  for (const e of exts) if (e.id === id) return e.payload.toString('ascii');
  return undefined;
}

/**
 * SSRC-based simulcast (`a=ssrc-group:SIM`, Chrome with SDP munging): werift registers only the
 * first `a=ssrc` of an m-line. Register every SIM SSRC as its own track of the transceiver, and
 * every RTX SSRC (`a=ssrc-group:FID`) as a repair stream of its encoding.
 */
export function registerSsrcSimulcast(pc: RTCPeerConnection, s: PeerStream): void {
  const t = s.transceiver;
  if (!t || s.simSsrcs.length < 2) return;
  const router = routerOf(pc);
  const receiver = receiverInternals(t.receiver);
  const codec = t.codecs[0];
  for (const ssrc of s.simSsrcs) {
    if (!receiver.trackBySSRC[ssrc]) {
      t.addTrack(new MediaStreamTrack({ ssrc, kind: t.kind, id: t.sender.trackId, remote: true, codec }));
    }
    router.registerRtpReceiver(t.receiver, ssrc);
  }
  for (const [rtx, primary] of s.rtxSsrcs) {
    receiver.ssrcByRtx[rtx] = primary;
    router.registerRtpReceiver(t.receiver, rtx);
  }
}
