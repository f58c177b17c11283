import type { RTCDataChannel, RTCPeerConnection } from 'werift';
import type { DataPacket } from '../plugin-api';
import type { PeerListener } from './peer-listener';

/** What the data channels read of their PeerConnection. */
export interface DataChannelHost {
  readonly pc: RTCPeerConnection;
  readonly isClosed: boolean;
  readonly ready: boolean;
  hasData: boolean;
  dataReadyFired: boolean;
}

/**
 * A PeerConnection's SCTP data channels (Janus's `janus_ice_incoming_data` /
 * `janus_ice_relay_data`): messages to the plugin by label, the plugin's messages to the channel
 * of that label (opened on demand, as Janus does), and the plugin's `dataReady` signals.
 */
export class DataChannels {
  private readonly channels = new Map<string, RTCDataChannel>();

  constructor(
    private readonly host: DataChannelHost,
    private readonly listener: PeerListener,
  ) {}

  /** Our own channel, when we offer data (Janus names it JanusDataChannel). */
  open(label: string, protocol?: string): RTCDataChannel {
    const dc = this.host.pc.createDataChannel(label, protocol ? { protocol } : {});
    this.add(dc);
    return dc;
  }

  add(dc: RTCDataChannel): void {
    const host = this.host;
    host.hasData = true;
    this.channels.set(dc.label, dc);
    dc.onMessage.subscribe((msg) => {
      if (host.isClosed) return;
      const binary = typeof msg !== 'string';
      const buffer = binary ? (msg as Buffer) : Buffer.from(msg as string, 'utf8');
      this.listener.data({ label: dc.label, protocol: dc.protocol || undefined, binary, buffer, length: buffer.length });
    });
    const opened = () => {
      if (!host.dataReadyFired) {
        host.dataReadyFired = true;
        this.listener.dataReady();
      }
    };
    if (dc.readyState === 'open') opened();
    dc.stateChanged.subscribe((st) => {
      if (st === 'open') opened();
      if (st === 'closed' && this.channels.get(dc.label) === dc) this.channels.delete(dc.label);
    });
    dc.bufferedAmountLow.subscribe(() => this.listener.dataReady());
  }

  relay(packet: DataPacket): void {
    const host = this.host;
    if (host.isClosed) return;
    let dc = this.channels.get(packet.label);
    if (!dc) {
      if (!host.hasData || !host.ready) return;
      dc = this.open(packet.label, packet.protocol);
    }
    const view = packet.buffer.subarray(0, packet.length);
    // SCTP queues what it sends, and the plugin reuses its buffer: text is decoded now, binary copied
    const data = packet.binary ? Buffer.from(view) : view.toString('utf8');
    if (dc.readyState === 'open') dc.send(data);
    else dc.stateChanged.once((st) => st === 'open' && dc!.send(data));
  }

  close(): void {
    for (const dc of this.channels.values()) dc.close();
    this.channels.clear();
  }
}
