import { inject, injectable } from 'tsyringe';
import { AdminApi } from './admin-api';
import { Auth } from './auth';
import { EventBus } from './events/event-bus';
import { JanusApi } from './janus-api';
import { Logger } from './logger';
import { JanusMetrics } from './metrics/janus-metrics';
import { newTransportInstanceId, transportInstanceId } from './plugin-api/instance-id';
import { Sessions } from './sessions';
import { EventType, isJsonObject, type IncomingRequest, type JanusMessage, type JsonObject, type Transport, type TransportClient, type TransportGateway } from './plugin-api';

/** What transports call: routes requests to the Janus or Admin API, and answers their checks. */
@injectable()
export class Gateway implements TransportGateway {
  private readonly log;

  constructor(
    @inject(JanusApi) private readonly janus: JanusApi,
    @inject(AdminApi) private readonly admin: AdminApi,
    @inject(Sessions) private readonly sessions: Sessions,
    @inject(Auth) private readonly auth: Auth,
    @inject(EventBus) private readonly events: EventBus,
    @inject(Logger) logger: Logger,
    @inject(JanusMetrics) private readonly metrics: JanusMetrics,
  ) {
    this.log = logger.child('gateway');
  }

  incomingRequest(request: IncomingRequest): void {
    const api = request.admin ? this.admin : this.janus;
    // a transport must never see a throw from here, whatever the request was
    api.handle(this.counted(request)).catch((err) => this.log.error({ err }, 'Request processing failed'));
  }

  /** The same request, its reply counted (janus_api_requests_total, janus_api_request_duration_seconds). */
  private counted(request: IncomingRequest): IncomingRequest {
    const started = performance.now();
    const metrics = this.metrics;
    const reply = (message: JanusMessage) => {
      const outcome = message.janus === 'error' ? 'error' : message.janus === 'ack' ? 'ack' : 'success';
      const verb = isJsonObject(request.message) ? request.message.janus : undefined;
      metrics.requestDone(request.admin, request.client.transport.info.package, verb, outcome, (performance.now() - started) / 1000);
      request.reply(message);
    };
    // a view of the transport's object (its own fields and methods stay reachable), reply wrapped
    return Object.create(request, { reply: { value: reply } }) as IncomingRequest;
  }

  transportGone(client: TransportClient): void {
    this.sessions.transportGone(client);
  }

  isApiSecretNeeded(): boolean {
    return this.auth.isApiSecretNeeded();
  }
  isApiSecretValid(secret: string | undefined): boolean {
    return this.auth.isApiSecretValid(secret);
  }
  isAuthTokenNeeded(): boolean {
    return this.auth.isTokenNeeded();
  }
  isAuthTokenValid(token: string | undefined): boolean {
    return this.auth.isTokenValid(token);
  }

  isSessionOwnedBy(sessionId: number, client: TransportClient): boolean {
    const s = this.sessions.get(sessionId);
    return !!s && !s.destroyed && s.owner === client;
  }

  eventsEnabled(): boolean {
    return this.events.wants(EventType.TRANSPORT);
  }

  notifyEvent(transport: Transport, client: TransportClient | undefined, event: JsonObject, instanceId?: string): void {
    if (!this.events.wants(EventType.TRANSPORT)) return;
    this.events.emit({
      type: EventType.TRANSPORT,
      event: {
        transport: transport.info.package,
        // Janus always has an id (its per-connection/request object); one of our own when the transport gives none
        id: instanceId ?? (client ? transportInstanceId(client) : newTransportInstanceId()),
        data: event,
      },
    });
  }
}
