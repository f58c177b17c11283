import type { RTCDtlsTransport, RTCPeerConnection } from 'werift';
import { applyConsentPolicy, type NatMapping } from './ice-config';
import type { PeerListener } from './peer-listener';
import type { PeerStream } from './peer-stream';
import { iceConnectionOf, iceConnectionOfDtls } from './werift-adapter/media';

/** Janus's names for ICE states. */
const iceStateName: Record<string, string> = {
  new: 'disconnected', checking: 'connecting', connected: 'connected', completed: 'ready',
  failed: 'failed', disconnected: 'disconnected', closed: 'disconnected',
};
const dtlsStateName: Record<string, string> = { new: 'created', connecting: 'trying', connected: 'connected', failed: 'failed', closed: 'failed' };

/** Time to wait for host candidates before sending an SDP without them (half-trickle). */
const GATHER_TIMEOUT_MS = 5000;

/** The peer state the transport events keep current (what Admin `handle_info` shows). */
export interface TransportHost {
  readonly pc: RTCPeerConnection;
  readonly streams: PeerStream[];
  readonly isClosed: boolean;
  readonly localCandidates: string[];
  iceState: string;
  dtlsState: string;
  ready: boolean;
  alert: boolean;
  connectedAt?: number;
  selectedPair?: string;
}

/**
 * ICE and DTLS of a PeerConnection as Janus reports them: state names, local candidates (with the
 * NAT 1:1 mapping), the selected pair, `webrtcUp` once connected and `failed` when ICE or DTLS
 * dies on its own; event-handler type 16 events for each.
 */
export class PeerTransport {
  private readonly dtlsHooked = new WeakSet<RTCDtlsTransport>();

  constructor(
    private readonly host: TransportHost,
    private readonly listener: PeerListener,
    private readonly nat: NatMapping,
    private readonly fullTrickle: boolean,
    onConnected: () => void,
  ) {
    const pc = host.pc;
    pc.iceConnectionStateChange.subscribe((s) => {
      host.iceState = iceStateName[s] ?? s;
      listener.webrtcEvent(1, { ice: host.iceState, stream_id: 1, component_id: 1 });
      if (s === 'connected' || s === 'completed') this.noteSelectedPair();
      if (s === 'failed' && !host.isClosed) listener.failed('ICE failed');
    });
    pc.connectionStateChange.subscribe((s) => {
      if (s === 'connected' && !host.ready) {
        host.ready = true;
        host.connectedAt = Date.now();
        onConnected();
        listener.webrtcUp();
      } else if (s === 'failed' && !host.isClosed) {
        listener.failed(host.dtlsState === 'failed' ? 'DTLS alert' : 'ICE failed');
      }
    });
    pc.onIceCandidate.subscribe((c) => {
      const mid = host.streams[0]?.mid ?? '0';
      if (!c) {
        listener.localCandidate(null, mid);
        return;
      }
      const line = c.candidate.replace(/^candidate:/, '');
      for (const l of this.nat.active ? this.nat.rewrite(line) : [line]) {
        host.localCandidates.push(l);
        listener.webrtcEvent(2, { 'local-candidate': l, stream_id: 1, component_id: 1 });
        listener.localCandidate(l, mid);
      }
    });
  }

  /** Follow DTLS, then wait for candidates unless we trickle them ourselves (full_trickle). */
  async gathered(): Promise<void> {
    const host = this.host;
    const pc = host.pc;
    const dtls = pc.dtlsTransports[0];
    if (dtls && !this.dtlsHooked.has(dtls)) {
      this.dtlsHooked.add(dtls);
      // late consent answers never cut off a peer that is still there (ice-config.ts)
      applyConsentPolicy(iceConnectionOfDtls(dtls), () => host.streams.reduce((n, s) => n + s.in.packets + s.rtcpReceived, 0));
      dtls.onStateChange.subscribe((st) => {
        const wasConnected = host.dtlsState === 'connected';
        host.dtlsState = dtlsStateName[st] ?? st;
        this.listener.webrtcEvent(5, { dtls: host.dtlsState, stream_id: 1, component_id: 1, retransmissions: 0 });
        // the peer closed DTLS (close_notify alert, what browsers send on pc.close()) or it broke
        if ((st === 'failed' || (st === 'closed' && wasConnected)) && !host.isClosed) {
          host.alert = true;
          this.listener.failed('DTLS alert');
        }
      });
    }
    if (this.fullTrickle || pc.iceGatheringState === 'complete') return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, GATHER_TIMEOUT_MS);
      const sub = pc.iceGatheringStateChange.subscribe((st) => st === 'complete' && done());
      function done() {
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      }
      if (pc.iceGatheringState === 'complete') done();
    });
  }

  /**
   * werift skips ICE checks when DTLS is already up, so after an ICE restart nothing would
   * nominate a new pair: start the checks ourselves (DTLS and SRTP carry on over the new pair).
   */
  restartChecks(): void {
    const pc = this.host.pc;
    for (const d of pc.dtlsTransports) {
      if (d.state === 'connected' && !iceConnectionOfDtls(d).nominated) {
        d.iceTransport.start().catch(() => this.listener.failed('ICE failed'));
      }
    }
  }

  private noteSelectedPair(): void {
    const pair = iceConnectionOf(this.host.pc)?.nominated;
    if (!pair) return;
    const l = pair.localCandidate;
    const r = pair.remoteCandidate;
    this.host.selectedPair = `${l.host}:${l.port} [${l.type},${l.transport.toLowerCase()}] <-> ${r.host}:${r.port} [${r.type},${r.transport.toLowerCase()}]`;
    const fam = (h: string) => (h.includes(':') ? 6 : 4);
    this.listener.webrtcEvent(4, {
      'selected-pair': this.host.selectedPair,
      candidates: {
        local: { address: l.host, port: l.port, type: l.type, transport: l.transport.toLowerCase(), family: fam(l.host) },
        remote: { address: r.host, port: r.port, type: r.type, transport: r.transport.toLowerCase(), family: fam(r.host) },
      },
      stream_id: 1,
      component_id: 1,
    });
  }
}
