import { JanusError, type ClientJsep, type JsonObject, type OutgoingJsep, type PluginJsep } from '../plugin-api';
import type { Handle } from '../handle';
import { emptySnapshot } from '../metrics/media-snapshot';
import type { MediaPort } from './media-port';
import { checkSdpBasics } from './sdp-check';
import type { TrickleRequest } from './trickle';

/**
 * A media port without a media stack: JSEP passes through after Janus's basic checks and
 * trickles are only counted. Used when no WebRTC stack is configured (API-only deployments, tests
 * of the signalling layer).
 */
export class SignallingOnlyMedia implements MediaPort {
  private readonly state = new WeakMap<Handle, { local?: string; remote?: string; offered: boolean; trickles: number }>();

  private get(handle: Handle) {
    let s = this.state.get(handle);
    if (!s) this.state.set(handle, (s = { offered: false, trickles: 0 }));
    return s;
  }

  async remoteJsep(handle: Handle, jsep: ClientJsep): Promise<PluginJsep> {
    const s = this.get(handle);
    checkSdpBasics(jsep.sdp);
    if (jsep.type === 'answer' && !s.offered) throw new JanusError(469, 'Unexpected ANSWER (did we offer?)');
    if (jsep.type === 'offer' && s.offered) throw new JanusError(490, 'Error setting ICE locally');
    const update = s.remote !== undefined;
    s.remote = jsep.sdp;
    if (jsep.type === 'answer') s.offered = false;
    return { type: jsep.type as 'offer' | 'answer', sdp: jsep.sdp, media: [], ...(update ? { update: true } : {}) };
  }

  async localJsep(handle: Handle, jsep: OutgoingJsep): Promise<{ type: string; sdp: string } & JsonObject> {
    // without a media stack only a plugin-written SDP can be sent
    if (!jsep.sdp) throw new JanusError(465, 'No media stack to write the SDP');
    const s = this.get(handle);
    s.local = jsep.sdp;
    if (jsep.type === 'offer') s.offered = true;
    return { type: jsep.type, sdp: jsep.sdp };
  }

  trickle(handle: Handle, request: TrickleRequest): void {
    // no PeerConnection ever exists here: everything is queued unchecked, as Janus does before one
    this.get(handle).trickles += Array.isArray(request.candidates) ? request.candidates.length : 1;
  }

  hangup(handle: Handle): boolean {
    const s = this.state.get(handle);
    if (!s || (s.local === undefined && s.remote === undefined)) return false;
    this.state.delete(handle);
    return true;
  }

  destroy(handle: Handle): void {
    this.state.delete(handle);
  }

  info(handle: Handle): JsonObject | undefined {
    const s = this.state.get(handle);
    if (!s) return undefined;
    return { sdps: { ...(s.local ? { local: s.local } : {}), ...(s.remote ? { remote: s.remote } : {}) }, 'pending-trickles': s.trickles };
  }

  sendPli(): void {}
  sendRemb(): void {}
  metrics() {
    return emptySnapshot();
  }
  async close(): Promise<void> {}
}
