/**
 * The handle of a participant that has none: a remote publisher (its media arrives on plain UDP
 * from another instance) or a room's dummy publisher (no media at all). Janus gives those a
 * session without a handle; here they get this stand-in, so VideoRoom's code paths treat them as
 * any publisher: keyframe requests go where `onPli` sends them, events to nobody.
 */
import type {
  DataPacket,
  JsonObject,
  OutgoingJsep,
  PluginContext,
  PluginHandle,
  Recording,
  RecordingOptions,
  RtcpPacket,
  RtpPacket,
} from '../../../core/plugin-api';
import { JanusError } from '../../../core/plugin-api';

export class VirtualHandle implements PluginHandle {
  readonly sessionId = 0;
  readonly handleId = 0;
  private live = true;

  constructor(
    private readonly ctx: PluginContext,
    /** Keyframe request for an m-line (undefined: every video m-line). */
    private readonly onPli: (mindex?: number) => void = () => undefined,
  ) {}

  get alive(): boolean {
    return this.live;
  }

  /** The participant is gone: timers that check `alive` stop asking. */
  kill(): void {
    this.live = false;
  }

  pushEvent(_transaction: string | undefined, _data: JsonObject, _jsep?: OutgoingJsep): Promise<void> {
    return Promise.resolve();
  }

  relayRtp(_packet: RtpPacket): void {}
  relayRtcp(_packet: RtcpPacket): void {}
  relayData(_packet: DataPacket): void {}

  sendPli(mindex?: number): void {
    if (this.live) this.onPli(mindex);
  }

  /** No REMB to a remote source (Janus doesn't send one either). */
  sendRemb(_bitrate: number): void {}
  closePc(): void {}
  endSession(): void {}

  /** Plugin events about it still reach event handlers, as events not tied to a handle. */
  notifyEvent(event: JsonObject): void {
    this.ctx.notifyEvent(event);
  }

  startRecording(_options: RecordingOptions): Recording {
    throw new JanusError(499, 'Recording is not available for remote or dummy publishers');
  }
}
