import { inject, injectable } from 'tsyringe';
import { AdminApi } from './admin-api';
import { Auth } from './auth';
import { EventBus } from './events/event-bus';
import { JanusApi } from './janus-api';
import { Logger } from './logger';
import { Sessions, anonymousInstanceId, transportInstanceId } from './sessions';
import { EventType, type IncomingRequest, type JsonObject, type Transport, type TransportClient, type TransportGateway } from './plugin-api';

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
  ) {
    this.log = logger.child('gateway');
  }

  incomingRequest(request: IncomingRequest): void {
    const api = request.admin ? this.admin : this.janus;
    // a transport must never see a throw from here, whatever the request was
    api.handle(request).catch((err) => this.log.error({ err }, 'Request processing failed'));
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
    this.events.emit(EventType.TRANSPORT, 0, undefined, undefined, undefined, {
      transport: transport.info.package,
      // Janus always has an id (its per-connection/request object); one of our own when the transport gives none
      id: instanceId ?? (client ? transportInstanceId(client) : anonymousInstanceId()),
      data: event,
    });
  }
}
