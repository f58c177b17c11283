/**
 * janus.plugin.videoroom: the SFU. Rooms of publishers; subscribers take any of their streams
 * into one PeerConnection (1.x) or one publisher's (0.x `feed`). Same API, events and error codes
 * as Janus 1.1.x, including the 0.x forms Janus still accepts.
 */
import type {
  DataPacket,
  JsonObject,
  ModuleInfo,
  Plugin,
  PluginContext,
  PluginHandle,
  PluginMessage,
  PluginResult,
  RtcpPacket,
  RtpPacket,
} from '../../core/plugin-api';
import { PLUGIN_API_VERSION, PluginResult as Result } from '../../core/plugin-api';
import { checkParams, errorBody, VrError, VrErrorCode } from './errors';
import { forwardData, forwardRtp, subscriberRtcp } from './fanout';
import { HandleState } from './handle-state';
import { destroyHandleState, publisherUp, removeParticipant, removeSubscriber, unpublish } from './lifecycle';
import { subscriberOffer } from './negotiation';
import { recordData, recordRtp } from './publisher/recording';
import { querySession } from './query';
import { loadRooms, readSettings } from './rooms-file';
import { asyncRequests, syncRequests } from './requests';
import { checkCanJoin, joinRoom } from './requests/join';
import * as pubReq from './requests/publisher';
import * as subReq from './requests/subscriber';
import { VideoRoomState } from './state';
import { closeRemotePublishers } from './remote/remote-publisher';

export const VIDEOROOM_PACKAGE = 'janus.plugin.videoroom';

export default class VideoRoomPlugin implements Plugin<HandleState> {
  readonly kind = 'plugin' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info: ModuleInfo = {
    package: VIDEOROOM_PACKAGE,
    name: 'JANUS VideoRoom plugin',
    author: 'janus-ts',
    description: 'This is a plugin implementing a videoconferencing SFU (Selective Forwarding Unit) for Janus, that is an audio/video router.',
    version: 12,
    versionString: '0.0.12',
  };
  private vr?: VideoRoomState;
  /** Asynchronous requests run one at a time, in arrival order, as in Janus's message thread. */
  private queue: Promise<void> = Promise.resolve();

  /** The plugin state (rooms), for tests and the Admin API. */
  get state(): VideoRoomState {
    if (!this.vr) throw new Error('VideoRoom plugin not initialised');
    return this.vr;
  }

  init(ctx: PluginContext): boolean {
    const settings = readSettings(ctx.config);
    this.vr = new VideoRoomState(ctx, settings, ctx.logger);
    loadRooms(this.vr);
    ctx.logger.info({ rooms: this.vr.rooms.size }, 'VideoRoom plugin initialized');
    return true;
  }

  destroy(): void {
    for (const room of this.vr?.rooms.values() ?? []) {
      for (const p of room.participants.values()) p.stopTimers();
    }
    if (this.vr) closeRemotePublishers(this.vr);
    this.vr?.rooms.clear();
    this.vr?.sockets.close();
  }

  createSession(handle: PluginHandle): HandleState {
    return new HandleState(handle);
  }

  handleMessage(session: HandleState, message: PluginMessage): PluginResult | Promise<PluginResult> {
    const vr = this.state;
    const body = message.body;
    let request: string;
    try {
      checkParams(body, [{ name: 'request', type: 'string', required: true }]);
      request = (body.request as string).toLowerCase();
    } catch (err) {
      return Result.ok(errorBody(err));
    }
    const sync = syncRequests.get(request);
    if (sync) {
      try {
        const r = sync(vr, body);
        // a few answer once ports are bound or a host resolved (remote publishers)
        if (r instanceof Promise) return r.then((data) => Result.ok(data), (err: unknown) => Result.ok(errorBody(err)));
        return Result.ok(r);
      } catch (err) {
        return Result.ok(errorBody(err));
      }
    }
    if (!asyncRequests.has(request)) {
      return Result.ok(errorBody(new VrError(VrErrorCode.INVALID_REQUEST, `Unknown request '${body.request as string}'`)));
    }
    this.queue = this.queue.then(() => this.handleAsync(session, request, message)).catch((err) => {
      vr.log.error({ err }, 'VideoRoom request failed');
    });
    return Result.okWait();
  }

  private async handleAsync(session: HandleState, request: string, message: PluginMessage): Promise<void> {
    const vr = this.state;
    const h = session.handle;
    if (!h.alive || session.destroyed) return;
    const { transaction: tx, body, jsep } = message;
    try {
      if (request === 'join' || request === 'joinandconfigure') {
        checkCanJoin(session);
        const { ptype, room } = joinRoom(vr, body);
        h.hintMediaAffinity?.(String(room.id)); // a room's handles share a media worker
        if (ptype === 'subscriber') {
          const r = subReq.joinSubscriber(vr, session, room, body);
          await this.send(session, tx, r.data, r.jsep, () => {
            // the offer could not be made: undo the subscription
            if (session.subscriber) removeSubscriber(vr, room, session.subscriber);
            session.clear(false);
          });
          return;
        }
        const pub = pubReq.joinPublisher(vr, session, room, body);
        const joined = pubReq.joinedEvent(room, pub);
        if (request === 'joinandconfigure' && jsep) {
          let r: pubReq.AsyncReply;
          try {
            r = pubReq.configurePublisher(vr, room, pub, body, jsep, true);
          } catch (err) {
            removeParticipant(vr, room, pub, 'leave');
            session.clear(false);
            throw err;
          }
          // Janus 1.1.2 adds the publisher's own negotiated streams to this "joined"
          joined.audio_codec = r.data.audio_codec;
          joined.video_codec = r.data.video_codec;
          joined.streams = r.data.streams;
          await this.send(session, tx, joined, r.jsep, () => unpublish(vr, room, pub));
          return;
        }
        await h.pushEvent(tx, joined);
        return;
      }
      const pub = session.participant;
      const sub = session.subscriber;
      const room = session.room;
      if (pub && room) {
        if (room.destroyed || pub.leaving) throw new VrError(VrErrorCode.NO_SUCH_ROOM, 'No such room');
        switch (request) {
          case 'publish':
          case 'configure': {
            const r = pubReq.configurePublisher(vr, room, pub, body, jsep, request === 'publish');
            await this.send(session, tx, r.data, r.jsep, () => unpublish(vr, room, pub));
            return;
          }
          case 'unpublish': {
            const r = pubReq.unpublishRequest(vr, pub);
            await h.pushEvent(tx, r.data);
            pubReq.finishUnpublish(vr, room, pub);
            return;
          }
          case 'leave': {
            const r = pubReq.leavePublisher(vr, session, room, pub);
            await h.pushEvent(tx, r.data);
            return;
          }
          default:
            throw new VrError(VrErrorCode.INVALID_REQUEST, `Unknown request '${request}'`);
        }
      }
      if (sub && room) {
        if (room.destroyed) throw new VrError(VrErrorCode.NO_SUCH_ROOM, 'No such room');
        switch (request) {
          case 'start': {
            const r = subReq.start(vr, sub, jsep);
            await h.pushEvent(tx, r.data);
            subReq.afterStart(vr, sub);
            return;
          }
          case 'pause': {
            await h.pushEvent(tx, subReq.pause(sub).data);
            return;
          }
          case 'configure': {
            const r = subReq.configureSubscriber(vr, sub, body);
            if (r.restart) {
              if (!sub.beginOffer(false)) throw new VrError(VrErrorCode.INVALID_REQUEST, 'An offer is already pending');
              await this.send(session, tx, r.data, { type: 'offer', media: subscriberOffer(sub), restart: body.restart === true }, () => {
                sub.offerFailed();
              });
              return;
            }
            await h.pushEvent(tx, r.data);
            return;
          }
          case 'switch': {
            await h.pushEvent(tx, subReq.switchSubscriber(vr, room, sub, body).data);
            return;
          }
          case 'subscribe':
          case 'unsubscribe':
          case 'update':
            subReq.updateSubscription(vr, room, sub, request, body, tx);
            return;
          case 'leave': {
            await h.pushEvent(tx, subReq.leaveSubscriber(vr, session, room, sub).data);
            return;
          }
          default:
            throw new VrError(VrErrorCode.INVALID_REQUEST, `Unknown request '${request}'`);
        }
      }
      if (session.gone && request !== 'leave') throw new VrError(VrErrorCode.NO_SUCH_ROOM, 'No such room');
      throw new VrError(VrErrorCode.JOIN_FIRST, 'Invalid request on unconfigured participant');
    } catch (err) {
      if (!(err instanceof VrError)) vr.log.error({ err, request }, 'VideoRoom request failed');
      if (h.alive) await h.pushEvent(tx, errorBody(err)).catch(() => undefined);
    }
  }

  /** Push an event with JSEP; if the core cannot produce the SDP, undo and answer with 437. */
  private async send(session: HandleState, tx: string, data: JsonObject, jsep: Parameters<PluginHandle['pushEvent']>[2], undo: () => void): Promise<void> {
    try {
      await session.handle.pushEvent(tx, data, jsep);
    } catch (err) {
      undo();
      throw new VrError(VrErrorCode.INVALID_SDP, `Error negotiating SDP: ${(err as Error).message}`);
    }
  }

  handleAdminMessage(request: unknown): JsonObject | Promise<JsonObject> {
    const vr = this.state;
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return errorBody(new VrError(VrErrorCode.INVALID_JSON, 'JSON error: not an object'));
    }
    const body = request as JsonObject;
    try {
      checkParams(body, [{ name: 'request', type: 'string', required: true }]);
      const r = (body.request as string).toLowerCase();
      const sync = syncRequests.get(r);
      if (!sync) throw new VrError(VrErrorCode.INVALID_REQUEST, `Unknown request '${body.request as string}'`);
      const res = sync(vr, body);
      return res instanceof Promise ? res.catch((err: unknown) => errorBody(err)) : res;
    } catch (err) {
      return errorBody(err);
    }
  }

  setupMedia(session: HandleState): void {
    const vr = this.state;
    if (session.participant) publisherUp(vr, session.participant);
    session.subscriber?.mediaUp();
  }

  incomingRtp(session: HandleState, packet: RtpPacket): void {
    const pub = session.participant;
    if (pub !== undefined) {
      recordRtp(pub, packet);
      forwardRtp(this.state, pub, packet);
    }
  }

  /** Only keyframe requests from subscribers matter here (reports stay in the media workers). */
  readonly incomingRtcpKinds = 'feedback';

  incomingRtcp(session: HandleState, packet: RtcpPacket): void {
    if (session.subscriber) subscriberRtcp(session.subscriber, packet);
  }

  incomingData(session: HandleState, packet: DataPacket): void {
    if (session.participant) {
      recordData(session.participant, packet);
      forwardData(session.participant, packet);
    }
  }

  slowLink(session: HandleState, _mindex: number, _video: boolean, uplink: boolean): void {
    const h = session.handle;
    if (session.participant && uplink) {
      void h.pushEvent(undefined, { videoroom: 'slow_link', 'current-bitrate': session.participant.bitrate || session.participant.room.config.bitrate }).catch(() => undefined);
    } else if (session.subscriber && !uplink) {
      void h.pushEvent(undefined, { videoroom: 'slow_link' }).catch(() => undefined);
    }
  }

  hangupMedia(session: HandleState): void {
    const vr = this.state;
    if (session.participant && session.room) unpublish(vr, session.room, session.participant);
    session.subscriber?.hangup();
  }

  destroySession(session: HandleState): void {
    destroyHandleState(this.state, session);
  }

  querySession(session: HandleState): JsonObject {
    return querySession(session);
  }
}

