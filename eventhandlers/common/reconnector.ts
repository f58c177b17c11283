import type { ModuleLogger } from '../../core/plugin-api';

/**
 * Reconnects a client with exponential backoff (first delay, doubling, capped), and logs the
 * first failure and then every tenth so a dead backend does not flood the log.
 */
export class Reconnector {
  private attempt = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly connect: () => void,
    private readonly firstMs: number,
    private readonly maxMs: number,
    private readonly log: ModuleLogger,
    private readonly what: string,
  ) {}

  /** Connected: the next failure starts from the first delay again. */
  succeeded(): void {
    if (this.attempt > 0) this.log.info({ attempts: this.attempt }, `${this.what}: connected again`);
    this.attempt = 0;
  }

  /** Connection lost or refused: try again later (one pending attempt at most). */
  failed(reason: string): void {
    if (this.stopped || this.timer) return;
    const delay = Math.min(this.firstMs * 2 ** Math.min(this.attempt, 20), this.maxMs);
    this.attempt++;
    if (this.attempt === 1 || this.attempt % 10 === 0) {
      this.log.warn({ reason, attempt: this.attempt, retryInMs: delay }, `${this.what}: not connected, retrying`);
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.connect();
    }, delay);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
