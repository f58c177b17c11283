/** The plugin's state: settings, rooms, and the helpers every request uses. */
import type { JsonObject, ModuleLogger, PluginContext, PluginHandle } from '../../core/plugin-api';
import { AbError, AbErrorCode, checkSecret } from './errors';
import { IdMode, type AbId } from './ids';
import type { Participant, ParticipantRoom } from './participant';
import { AudioRoom } from './room';
import type { RoomConfig } from './room-config';
import type { AbSettings } from './settings';

export class AbState {
  readonly rooms = new Map<string, AudioRoom>();
  readonly ids: IdMode;

  constructor(
    readonly ctx: PluginContext,
    readonly settings: AbSettings,
    readonly log: ModuleLogger,
  ) {
    this.ids = new IdMode(settings.stringIds);
  }

  /** The room named by `room` (required), alive; optionally checking its `secret`. */
  room(body: JsonObject, withSecret: boolean, noSuchText?: (id: AbId) => string): AudioRoom {
    const id = this.ids.need(body, 'room');
    const room = this.rooms.get(String(id));
    if (!room || room.destroyed) throw new AbError(AbErrorCode.NO_SUCH_ROOM, noSuchText ? noSuchText(id) : `No such room (${id})`);
    if (withSecret) checkSecret(room.config.secret, body, 'secret');
    return room;
  }

  createRoom(id: AbId, config: RoomConfig): AudioRoom {
    const room = new AudioRoom(id, config, this.log, this.settings.recordTmpExt);
    room.onFile = (r, fileId, started) => this.announcement(r, fileId, started);
    this.rooms.set(String(id), room);
    return room;
  }

  /** Send an event to one participant's handle (no transaction). */
  push(p: Participant, event: JsonObject): void {
    const h = p.session.handle;
    if (h.alive) h.pushEvent(undefined, event).catch(() => undefined);
  }

  /** Send an event to every participant of a room, but `except`. */
  notifyRoom(room: ParticipantRoom, event: JsonObject, except?: Participant): void {
    for (const p of room.participants.values()) if (p !== except) this.push(p, event);
  }

  /** Event handlers (type 64), when on in both the plugin and the core. */
  notifyEvent(handle: PluginHandle | undefined, info: JsonObject): void {
    if (!this.settings.events || !this.ctx.eventsEnabled()) return;
    if (handle) handle.notifyEvent(info);
    else this.ctx.notifyEvent(info);
  }

  private announcement(room: AudioRoom, id: string, started: boolean): void {
    const a = room.files.get(id);
    if (!a) return;
    if (started) a.started = true;
    else room.files.delete(id);
    const what = started ? 'announcement-started' : 'announcement-stopped';
    this.notifyRoom(room, { audiobridge: what, room: room.id, file_id: id });
    this.notifyEvent(undefined, { event: what, room: room.id, file_id: id });
  }
}
