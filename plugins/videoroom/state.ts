import type { JsonObject, ModuleLogger, PluginContext, PluginHandle } from '../../core/plugin-api';
import { checkParams, unauthorized, VrError, VrErrorCode } from './errors';
import { IdMode, type VrId } from './ids';
import type { Room } from './room';
import { roomConfigToJcfg } from './room-config';
import { ForwarderSockets } from './rtp-forward';

/** The plugin's `general` settings. */
export interface VrSettings {
  adminKey?: string;
  lockRtpForward: boolean;
  events: boolean;
  stringIds: boolean;
  /** Relay subscribers through core media routes (in the media workers) when the core has them. */
  mediaRoutes: boolean;
}

/** What every request handler shares: the rooms, the ID mode, persistence and event emission. */
export class VideoRoomState {
  readonly rooms = new Map<VrId, Room>();
  readonly ids: IdMode;
  /** UDP sockets of this instance's RTP forwarders (closed with the plugin). */
  readonly sockets = new ForwarderSockets();

  constructor(
    readonly ctx: PluginContext,
    readonly settings: VrSettings,
    readonly log: ModuleLogger,
  ) {
    this.ids = new IdMode(settings.stringIds);
  }

  /** Read the mandatory `room` field and find the room (429/430/426). */
  room(body: JsonObject): Room {
    const id = this.ids.read(body, 'room', true) as VrId;
    const room = this.rooms.get(id);
    if (!room || room.destroyed) throw new VrError(VrErrorCode.NO_SUCH_ROOM, `No such room (${id})`);
    return room;
  }

  /** Janus's secret check: only when the room has one; missing 429, wrong 433. */
  checkSecret(room: Room, body: JsonObject): void {
    const secret = room.config.secret;
    if (secret === undefined) return;
    checkParams(body, [{ name: 'secret', type: 'string', required: true }]);
    if (body.secret !== secret) throw unauthorized('wrong secret');
  }

  checkPin(room: Room, body: JsonObject): void {
    const pin = room.config.pin;
    if (pin === undefined) return;
    checkParams(body, [{ name: 'pin', type: 'string', required: true }]);
    if (body.pin !== pin) throw unauthorized('wrong pin');
  }

  /** `admin_key` as a required field (create, and rtp_forward with lock_rtp_forward). */
  checkAdminKey(body: JsonObject): void {
    if (this.settings.adminKey === undefined) return;
    checkParams(body, [{ name: 'admin_key', type: 'string', required: true }]);
    if (body.admin_key !== this.settings.adminKey) throw unauthorized('wrong admin_key');
  }

  /** As Janus: `permanent` without a config file (missing or unparsable at startup) is a 499. */
  needStore(permanent: unknown, what: string): void {
    if (permanent === true && !this.ctx.configStore.available) {
      throw new VrError(VrErrorCode.UNKNOWN_ERROR, `No configuration file, can't ${what}`);
    }
  }

  /** Write the room into the config file (create/edit with `permanent`). False when it could not. */
  saveRoom(room: Room): boolean {
    const store = this.ctx.configStore;
    // as Janus: the category is dropped and added again (an edited room moves to the end)
    store.removeCategory(`room-${room.id}`);
    store.setCategory(`room-${room.id}`, roomConfigToJcfg(room.id, room.config));
    return store.save();
  }

  removeRoom(id: VrId): boolean {
    const store = this.ctx.configStore;
    store.removeCategory(`room-${id}`);
    return store.save();
  }

  /** Plugin event to event handlers (type 64), when the plugin's `events` and the core want them. */
  event(handle: PluginHandle | undefined, data: JsonObject): void {
    if (!this.settings.events || !this.ctx.eventsEnabled()) return;
    if (handle) handle.notifyEvent(data);
    else this.ctx.notifyEvent(data);
  }
}
