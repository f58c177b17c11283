import { inject, injectable } from 'tsyringe';
import { Auth } from './auth';
import { Settings } from './config/settings';
import { EventBus } from './events/event-bus';
import type { Handle } from './handle';
import { Logger } from './logger';
import { ModuleRegistry } from './modules/registry';
import { answer, reply, errorReply, idText, requestIds } from './replies';
import { ServerInfo } from './server-info';
import type { Session } from './session';
import { Sessions } from './sessions';
import {
  EventType,
  isJsonInteger,
  isJsonObject,
  prefixedFormats,
  serialisationError,
  validateParams,
  type ClientJsep,
  type IncomingRequest,
  type JanusMessage,
  type JsonObject,
  type PluginJsep,
} from './plugin-api';

const requestParams = [
  { name: 'transaction', type: 'string', required: true },
  { name: 'janus', type: 'string', required: true },
  { name: 'id', type: 'positiveInteger' },
] as const;
const attachParams = [
  { name: 'plugin', type: 'string', required: true },
  { name: 'opaque_id', type: 'string' },
  { name: 'loop_index', type: 'integer' },
] as const;
const bodyParams = [{ name: 'body', type: 'object', required: true }] as const;
const jsepParams = [
  { name: 'type', type: 'string', required: true },
  { name: 'sdp', type: 'string', required: true },
  { name: 'trickle', type: 'boolean' },
  { name: 'rid_order', type: 'string' },
  { name: 'force_relay', type: 'boolean' },
  { name: 'e2ee', type: 'boolean' },
] as const;
const jsepFormats = prefixedFormats('JSEP error: ');

/** Requests processed at session scope and at handle scope. */
const sessionVerbs = new Set(['keepalive', 'attach', 'destroy', 'claim']);
const handleVerbs = new Set(['detach', 'hangup', 'message', 'trickle']);

/**
 * The Janus API: validates each request the way Janus 1.1.x does (same order of checks, same
 * codes and texts) and calls `Sessions` to act on it.
 */
@injectable()
export class JanusApi {
  private readonly log;

  constructor(
    @inject(Settings) private readonly settings: Settings,
    @inject(Auth) private readonly auth: Auth,
    @inject(Sessions) private readonly sessions: Sessions,
    @inject(ModuleRegistry) private readonly modules: ModuleRegistry,
    @inject(ServerInfo) private readonly info: ServerInfo,
    @inject(EventBus) private readonly events: EventBus,
    @inject(Logger) logger: Logger,
  ) {
    this.log = logger.child('janus-api');
  }

  /** Process one request and send its reply; events it causes follow the reply. */
  handle(req: IncomingRequest): Promise<void> {
    const gated: Array<Handle | Session> = [];
    return answer(req, () => this.process(req, gated), this.log, () => gated.forEach((g) => g.closeGate()));
  }

  private async process(req: IncomingRequest, gated: Array<Handle | Session>): Promise<JanusMessage> {
    if (req.parseError !== undefined) return errorReply(0, undefined, 454, req.parseError);
    // a non-object has no fields: it fails on `transaction` (the HTTP transport rejects it earlier with 455)
    const root = isJsonObject(req.message) ? req.message : {};
    const { sessionId, handleId, hasHandle } = requestIds(root);
    const bad = validateParams(root, requestParams);
    if (bad) return errorReply(sessionId, undefined, bad.code, bad.reason);
    const tx = root.transaction as string;
    const verbText = root.janus as string;
    const verb = verbText.toLowerCase();

    if (sessionId === 0 && handleId === 0) {
      if (verb === 'info') return this.info.build(tx);
      if (verb === 'ping') return reply('pong', 0, tx);
      if (verb !== 'create') return errorReply(0, tx, 457, `Unhandled request '${verbText}' at this path`);
      if (!this.settings.acceptNewSessions) return errorReply(0, tx, 472);
      if (!this.auth.checkRequest(root.apisecret, root.token)) return errorReply(0, tx, 403);
      const wanted = isJsonInteger(root.id) ? root.id : undefined;
      if (wanted && this.sessions.get(wanted)) return errorReply(wanted, tx, 468, 'Session ID already in use');
      const session = this.sessions.create(req.client, wanted, req.instanceId);
      return { ...reply('success', 0, tx), data: { id: session.id } };
    }
    if (sessionId === 0) return errorReply(0, tx, 458);
    if (hasHandle && handleId === 0) return errorReply(sessionId, tx, 459);
    if (!this.auth.checkRequest(root.apisecret, root.token)) return errorReply(sessionId, tx, 403);
    const session = this.sessions.get(sessionId);
    if (!session || session.destroyed) return errorReply(sessionId, tx, 458, `No such session ${idText(sessionId)}`);
    session.touch();
    let handle: Handle | undefined;
    if (hasHandle) {
      handle = session.handles.get(handleId);
      if (!handle) return errorReply(sessionId, tx, 459, `No such handle ${idText(handleId)} in session ${sessionId}`);
    }
    // keepalive and claim are taken at handle scope too; attach and destroy are not
    if (verb === 'keepalive') return reply('ack', sessionId, tx);
    if (verb === 'claim') {
      this.sessions.claim(session, req.client);
      return reply('success', sessionId, tx);
    }
    if (sessionVerbs.has(verb)) {
      if (handle) return errorReply(sessionId, tx, 457, `Unhandled request '${verbText}' at this path`);
      if (verb === 'attach') return this.attach(root, session, tx);
      await this.sessions.destroy(session, 'destroy');
      return reply('success', sessionId, tx);
    }
    if (handleVerbs.has(verb)) {
      if (!handle) return errorReply(sessionId, tx, 457, `Unhandled request '${verbText}' at this path`);
      // `detached`/`hangup` caused by this request follow its reply, as in Janus
      if (verb !== 'message') {
        session.openGate();
        gated.push(session);
      }
      switch (verb) {
        case 'detach':
          if (!handle.attached) return errorReply(sessionId, tx, 463, 'No plugin to detach from');
          await this.sessions.detach(handle, true);
          return reply('success', sessionId, tx);
        case 'hangup':
          if (!handle.attached) return errorReply(sessionId, tx, 463, 'No plugin attached');
          this.sessions.hangupMedia(handle, 'Janus API', true);
          return reply('success', sessionId, tx);
        case 'message':
          return this.message(root, session, handle, tx, gated);
        default:
          return this.trickle(root, session, handle, tx);
      }
    }
    return errorReply(sessionId, tx, 453, `Unknown request '${verbText}'`);
  }

  private async attach(root: JsonObject, session: Session, tx: string): Promise<JanusMessage> {
    const bad = validateParams(root, attachParams);
    if (bad) return errorReply(session.id, tx, bad.code, bad.reason);
    const pkg = root.plugin as string;
    const plugin = this.modules.plugin(pkg);
    if (!plugin) return errorReply(session.id, tx, 460, `No such plugin '${pkg}'`);
    const token = typeof root.token === 'string' ? root.token : undefined;
    if (this.auth.isTokenNeeded() && token !== undefined && !this.auth.tokenAllowsPlugin(token, pkg)) {
      return errorReply(session.id, tx, 405, `Provided token can't access plugin '${pkg}'`);
    }
    const opaqueId = typeof root.opaque_id === 'string' ? root.opaque_id : undefined;
    const handle = await this.sessions.attach(session, plugin, opaqueId, token);
    return { ...reply('success', session.id, tx), data: { id: handle.id } };
  }

  private async message(root: JsonObject, session: Session, handle: Handle, tx: string, gated: Array<Handle | Session>): Promise<JanusMessage> {
    if (!handle.attached || handle.detached) return errorReply(session.id, tx, 462, 'No plugin to handle this message');
    const bad = validateParams(root, bodyParams);
    if (bad) return errorReply(session.id, tx, bad.code, bad.reason);
    let jsep: PluginJsep | undefined;
    // `"jsep": null` is an invalid jsep (455) for Janus, not an absent one
    if (root.jsep !== undefined) {
      if (!isJsonObject(root.jsep)) return errorReply(session.id, tx, 455, 'Invalid jsep object');
      const jbad = validateParams(root.jsep, jsepParams, 456, 467, jsepFormats);
      if (jbad) return errorReply(session.id, tx, jbad.code, jbad.reason);
      const type = (root.jsep.type as string).toLowerCase();
      if (type !== 'offer' && type !== 'answer') {
        return errorReply(session.id, tx, 464, `JSEP error: unknown message type '${root.jsep.type as string}'`);
      }
      const client = { ...root.jsep, type } as unknown as ClientJsep;
      if (this.events.wants(EventType.JSEP)) {
        this.events.emit({
          type: EventType.JSEP, sessionId: session.id, handleId: handle.id, opaqueId: handle.opaqueId,
          event: {
            owner: 'remote',
            jsep: { type, sdp: client.sdp },
          },
        });
      }
      jsep = await this.sessions.media.remoteJsep(handle, client);
    }
    handle.openGate();
    gated.push(handle);
    let result;
    try {
      result = await this.sessions.faults.call(handle.plugin.info.package, 'handleMessage', () =>
        handle.plugin.handleMessage(handle.pluginState, {
          transaction: tx,
          body: root.body as JsonObject,
          ...(jsep ? { jsep } : {}),
        }),
      );
    } catch (err) {
      return errorReply(session.id, tx, 462, (err as Error)?.message || "Plugin didn't give a result");
    }
    if (!result || typeof result !== 'object') return errorReply(session.id, tx, 462, "Plugin didn't give a result");
    if (result.type === 'error') return errorReply(session.id, tx, 462, result.text || "Plugin didn't give a result");
    if (result.type === 'okWait') {
      const ack = reply('ack', session.id, tx);
      if (result.hint) ack.hint = result.hint;
      return ack;
    }
    if (!isJsonObject(result.content)) return errorReply(session.id, tx, 462, 'Plugin returned an invalid synchronous response');
    // a BigInt or a cycle would make the reply unsendable: answer the client with an error instead
    const unserialisable = serialisationError(result.content);
    if (unserialisable) {
      this.log.error({ err: unserialisable, plugin: handle.plugin.info.package }, 'Plugin result cannot be serialised');
      return errorReply(session.id, tx, 462, `Plugin returned a response that cannot be serialised (${unserialisable.message})`);
    }
    const out = reply('success', session.id, tx);
    out.sender = handle.id;
    if (this.settings.opaqueIdInApi && handle.opaqueId) out.opaque_id = handle.opaqueId;
    out.plugindata = { plugin: handle.plugin.info.package, data: result.content };
    return out;
  }

  private trickle(root: JsonObject, session: Session, handle: Handle, tx: string): JanusMessage {
    if (!handle.attached || handle.detached) return errorReply(session.id, tx, 462, 'No plugin to handle this trickle candidate');
    const candidate = root.candidate;
    const candidates = root.candidates;
    if (candidate === undefined && candidates === undefined) {
      return errorReply(session.id, tx, 456, 'Missing mandatory element (candidate|candidates)');
    }
    if (candidate !== undefined && candidates !== undefined) {
      return errorReply(session.id, tx, 454, "Can't have both candidate and candidates");
    }
    handle.trickle = true;
    // the media stack queues what comes before the PeerConnection, and checks what it applies now
    this.sessions.media.trickle(handle, { candidate, candidates, received: Date.now() });
    return reply('ack', session.id, tx);
  }
}
