/**
 * MQTT v5 request/response routing: what Janus remembers of each incoming Janus API request so
 * that the reply *and* later events carrying the same `transaction` go where the backend asked
 * (Response Topic) with its Correlation Data and chosen user properties.
 */
export type UserProperties = Record<string, string | string[]>;

export interface V5Route {
  responseTopic?: string;
  correlationData?: Buffer;
  /** Properties to put on the outgoing message: the proxied ones plus the configured fixed pairs. */
  userProperties?: UserProperties;
  at: number;
}

export class V5Routes {
  private readonly routes = new Map<string, V5Route>();

  constructor(
    private readonly proxied: readonly string[],
    private readonly added: ReadonlyArray<readonly [string, string]>,
  ) {}

  get size(): number {
    return this.routes.size;
  }

  /** Build the route of one request from its v5 properties (also used, unstored, for requests without a transaction). */
  build(props: { responseTopic?: string; correlationData?: Buffer; userProperties?: UserProperties } | undefined): V5Route {
    const user: UserProperties = {};
    const incoming = props?.userProperties ?? {};
    for (const name of this.proxied) if (incoming[name] !== undefined) user[name] = incoming[name];
    for (const [k, v] of this.added) {
      const prev = user[k];
      user[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    return {
      responseTopic: props?.responseTopic || undefined,
      correlationData: props?.correlationData,
      userProperties: Object.keys(user).length > 0 ? user : undefined,
      at: Date.now(),
    };
  }

  remember(transaction: string, route: V5Route): void {
    this.routes.delete(transaction); // re-insert: the map stays ordered by age for the vacuum
    this.routes.set(transaction, route);
  }

  lookup(transaction: unknown): V5Route | undefined {
    return typeof transaction === 'string' ? this.routes.get(transaction) : undefined;
  }

  /** Forget routes older than `maxAgeMs` (Janus's `vacuum_interval`). */
  vacuum(maxAgeMs: number, now = Date.now()): number {
    let n = 0;
    for (const [tx, r] of this.routes) {
      if (now - r.at < maxAgeMs) break;
      this.routes.delete(tx);
      n++;
    }
    return n;
  }
}
