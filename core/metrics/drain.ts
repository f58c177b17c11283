import { inject, injectable } from 'tsyringe';
import { Settings } from '../config/settings';
import { EventBus } from '../events/event-bus';
import { Logger } from '../logger';
import { MEDIA_PORT, type MediaPort } from '../media/media-port';
import { EventType } from '../plugin-api';
import { Sessions } from '../sessions';
import { JanusMetrics } from './janus-metrics';

const POLL_MS = 200;

/**
 * Graceful drain (SIGTERM or Admin `drain`): /readyz turns unready at once, `create` is refused
 * with Janus's 472, clients get a `draining` event on each session and event handlers a core
 * event; then active media may go on until no PeerConnection is left or `drain_timeout` passes.
 * Finally every handle is detached with `hangup`/`detached` delivered, and the server stops.
 */
@injectable()
export class Drain {
  private running?: Promise<void>;
  private cancel?: () => void;
  /** Set by the server: what stops it once drained. */
  onDrained: () => Promise<void> = async () => undefined;
  private readonly log;

  constructor(
    @inject(Settings) private readonly settings: Settings,
    @inject(Sessions) private readonly sessions: Sessions,
    @inject(EventBus) private readonly bus: EventBus,
    @inject(JanusMetrics) private readonly metrics: JanusMetrics,
    @inject(MEDIA_PORT) private readonly media: MediaPort,
    @inject(Logger) logger: Logger,
  ) {
    this.log = logger.child('drain');
  }

  get active(): boolean {
    return this.running !== undefined;
  }

  /** Start draining (idempotent); resolves once the server stopped. `timeout` overrides drain_timeout (seconds). */
  start(origin: string, timeout = this.settings.drainTimeout): Promise<void> {
    if (this.running) return this.running;
    this.metrics.draining = true;
    this.settings.acceptNewSessions = false;
    const deadline = Math.max(0, timeout);
    this.log.info({ origin, timeout: deadline, sessions: this.sessions.size }, 'Draining: no new sessions, waiting for active media');
    for (const id of this.sessions.ids()) {
      this.sessions.get(id)?.send({ janus: 'draining', session_id: id, timeout: deadline });
    }
    if (this.bus.wants(EventType.CORE)) {
      this.bus.emit({ type: EventType.CORE, subtype: 3, event: { status: 'draining', origin, timeout: deadline } });
    }
    this.running = this.run(deadline);
    return this.running;
  }

  /** End the wait now (a second signal): detach everyone and stop. */
  hurry(): void {
    this.cancel?.();
  }

  private activeMedia(): number {
    // the exact count when the stack has one (worker snapshots arrive once a second and may lag)
    if (this.media.activePeerConnections) return this.media.activePeerConnections();
    const m = this.media.metrics?.();
    return m ? m.peers.new + m.peers.connected : 0;
  }

  private async run(deadline: number): Promise<void> {
    const end = Date.now() + deadline * 1000;
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      this.cancel = () => {
        clearTimeout(timer);
        resolve();
      };
      const check = () => {
        if (this.activeMedia() === 0 || Date.now() >= end) return this.cancel!();
        timer = setTimeout(check, Math.min(POLL_MS, Math.max(1, end - Date.now())));
      };
      check();
    });
    const left = this.activeMedia();
    this.log.info({ activeMedia: left }, left ? 'Drain deadline reached: closing what is left' : 'No active media left');
    for (const id of this.sessions.ids()) {
      const session = this.sessions.get(id);
      for (const handle of [...(session?.handles.values() ?? [])]) {
        // a detach alone says only `detached` (as Janus): the client is told its PeerConnection ends first
        this.sessions.hangupMedia(handle, 'Detach');
        await this.sessions.detach(handle, true);
      }
    }
    // let the transports write the hangup/detached events before they close
    await new Promise((r) => setTimeout(r, 100));
    await this.onDrained();
  }
}
