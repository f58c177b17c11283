/**
 * Watching one VideoRoom room on one instance: the backend joins it as a participant that never
 * publishes, so the instance tells it which publishers come (`publishers`, with their streams),
 * change (`publishers` again, renegotiated) and go (`unpublished`, `leaving`).
 * Remote publishers (the ones cascaded INTO this instance) are listed too: they are never treated
 * as sources.
 */
import { EventEmitter } from 'node:events';
import type { JanusInstance, Json } from './instance';

export interface PublisherInfo {
  id: number | string;
  display?: string;
  streams: Json[];
}

/** Events: `publisher` (PublisherInfo, isNew) when one appears or renegotiates, `gone` (id) when it stops publishing. */
export class RoomWatch extends EventEmitter {
  readonly publishers = new Map<string, PublisherInfo>();
  private handle = 0;
  private ownId?: number | string;
  private readonly onPlugin = (handleId: number, data: Json) => {
    if (handleId === this.handle) this.onEvent(data);
  };

  /**
   * `isRemote(id)`: whether the backend cascaded publisher `id` INTO this instance (Janus 1.1.2 marks
   * remote publishers only in `listparticipants`, not in `publishers` events).
   */
  constructor(readonly instance: JanusInstance, readonly room: number | string, private readonly isRemote: (id: number | string) => boolean = () => false) {
    super();
  }

  async start(): Promise<void> {
    this.handle = await this.instance.attach('janus.plugin.videoroom');
    this.instance.on('plugin', this.onPlugin);
    const joined = await this.instance.messageAsync(this.handle, {
      request: 'join',
      ptype: 'publisher',
      room: this.room,
      display: 'cascade-backend',
    });
    this.ownId = joined.id as number | string;
    this.onEvent(joined);
  }

  async stop(): Promise<void> {
    this.instance.off('plugin', this.onPlugin);
    if (this.instance.up) await this.instance.detach(this.handle);
    this.publishers.clear();
  }

  private onEvent(data: Json): void {
    if (data.room !== undefined && data.room !== this.room) return;
    const list = (data.publishers ?? []) as Json[];
    for (const p of list) {
      if (p.remote || p.id === this.ownId || this.isRemote(p.id) || !Array.isArray(p.streams)) continue;
      const key = String(p.id);
      const isNew = !this.publishers.has(key);
      const info: PublisherInfo = { id: p.id, display: p.display, streams: p.streams as Json[] };
      this.publishers.set(key, info);
      this.emit('publisher', info, isNew);
    }
    for (const gone of [data.unpublished, data.leaving, data.kicked]) {
      if (gone === undefined || gone === 'ok' || gone === this.ownId) continue;
      if (this.publishers.delete(String(gone))) this.emit('gone', gone);
    }
  }
}

/** The stream fields add_remote_publisher / update_remote_publisher take, from a `publishers` entry. */
export function remoteStreams(streams: Json[]): Json[] {
  const keys = ['type', 'mindex', 'mid', 'codec', 'description', 'disabled', 'stereo', 'fec', 'dtx', 'h264_profile', 'vp9_profile', 'simulcast', 'svc'];
  return streams
    .filter((s) => s.type === 'audio' || s.type === 'video' || s.type === 'data')
    .map((s) => {
      const out: Json = {};
      for (const k of keys) if (s[k] !== undefined) out[k] = s[k];
      return out;
    });
}
