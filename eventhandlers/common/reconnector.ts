import { Backoff, type ModuleLogger } from '../../core/plugin-api';

/**
 * Reconnects a client with exponential backoff (first delay, doubling, capped), and logs the
 * first failure and then every tenth so a dead backend does not flood the log.
 */
export class Reconnector {
  private readonly backoff: Backoff;
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly connect: () => void,
    firstMs: number,
    maxMs: number,
    private readonly log: ModuleLogger,
    private readonly what: string,
  ) {
    this.backoff = new Backoff(firstMs, 2, maxMs);
  }

  /** Connected: the next failure starts from the first delay again. */
  succeeded(): void {
    if (this.backoff.attempts > 0) this.log.info({ backend: this.what, attempts: this.backoff.attempts }, 'Connected again');
    this.backoff.reset();
  }

  /** Connection lost or refused: try again later (one pending attempt at most). */
  failed(reason: string): void {
    if (this.stopped || this.timer) return;
    const delay = this.backoff.next();
    const attempt = this.backoff.attempts;
    if (attempt === 1 || attempt % 10 === 0) {
      this.log.warn({ backend: this.what, reason, attempt, retryInMs: delay }, 'Not connected, retrying');
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
