import type { JsonObject } from '../plugin-api/messages';
import type { Recording, RecordingInfo, RecordingOptions } from '../plugin-api/recorder';
import type { MjrRecording } from './mjr-recording';
import type { Recorder } from './recorder';

/** Failed recordings a handle keeps showing in Admin `handle_info` after they ended. */
const KEEP_FAILED = 8;

/** How a handle's recordings reach the world (the core binds these for one handle). */
export interface RecordingOwner {
  /** Plugin package (`janus.plugin.videoroom`): the event's namespace is its last part. */
  readonly plugin: string;
  readonly alive: boolean;
  pushEvent(data: JsonObject): void;
  notifyEvent(data: JsonObject): void;
}

/**
 * The recordings of one handle: what Admin `handle_info` lists, and the failure report Janus
 * does not make (it only logs): an event to the handle and one to the event handlers.
 */
export class HandleRecordings {
  private readonly open = new Set<MjrRecording>();
  private readonly failed: RecordingInfo[] = [];

  start(recorder: Recorder, owner: RecordingOwner, opts: RecordingOptions): Recording {
    const rec = recorder.create(opts, {
      failed: (r, reason) => {
        this.open.delete(r);
        this.failed.push(r.info());
        if (this.failed.length > KEEP_FAILED) this.failed.shift();
        const what = { status: 'failed', file: r.file, type: r.kind, codec: r.codec, reason };
        if (owner.alive) {
          const ns = owner.plugin.split('.').pop() ?? owner.plugin;
          owner.pushEvent({ [ns]: 'event', ...(opts.failureContext ?? {}), recording: what });
        }
        owner.notifyEvent({ event: 'recording-failed', ...(opts.failureContext ?? {}), ...what });
      },
      closed: (r) => this.open.delete(r),
    });
    this.open.add(rec);
    return rec;
  }

  /** Admin `handle_info` → `recordings` (open ones, then recent failures); undefined when none. */
  list(): RecordingInfo[] | undefined {
    if (this.open.size === 0 && this.failed.length === 0) return undefined;
    return [...[...this.open].map((r) => r.info()), ...this.failed];
  }

  /** The handle is gone: close what its plugin left open. */
  closeAll(): void {
    for (const r of this.open) void r.close();
  }
}
