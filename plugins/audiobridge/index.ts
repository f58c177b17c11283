/**
 * janus.plugin.audiobridge: the audio conference MCU. Every room mixes its participants in a
 * worker thread (mixer/), each participant hears everyone but itself. Same requests, events and
 * error codes as Janus 1.1.x.
 */
import {
  PLUGIN_API_VERSION,
  isJsonObject,
  ownValue,
  PluginResult as Result,
  type JsonObject,
  type ModuleInfo,
  type Plugin,
  type PluginContext,
  type PluginMessage,
  type PluginHandle,
  type PluginResult,
  type RtpPacket,
} from '../../core/plugin-api';
import { AbError, AbErrorCode, checkParams, errorBody } from './errors';
import { leaveRoom, trackLevel } from './lifecycle';
import { FLAG_SILENT } from './mixer/ring';
import { audioLevelOf } from './plain-rtp';
import type { Participant } from './participant';
import { loadRooms } from './rooms-file';
import * as files from './requests/files';
import * as fwd from './requests/forwarders';
import { changeRoom, join } from './requests/join';
import * as mod from './requests/moderation';
import { configure, leave } from './requests/participant';
import * as rooms from './requests/rooms';
import { answerFor, checkJsep, learnFromSdp, offerFor } from './requests/sdp';
import { AbSession } from './session';
import { readSettings } from './settings';
import { AbState } from './state';

type SyncHandler = (ab: AbState, body: JsonObject, session: AbSession | undefined, plugin: AudioBridgePlugin) => JsonObject | Promise<JsonObject>;

const syncRequests: Record<string, SyncHandler> = {
  create: (ab, b) => rooms.create(ab, b),
  edit: (ab, b) => rooms.edit(ab, b),
  destroy: (ab, b) => rooms.destroy(ab, b),
  exists: (ab, b) => rooms.exists(ab, b),
  list: (ab, b) => rooms.list(ab, b),
  allowed: (ab, b) => rooms.allowed(ab, b),
  enable_recording: (ab, b) => rooms.enableRecording(ab, b),
  enable_mjrs: (ab, b) => rooms.enableMjrs(ab, b),
  mute: (ab, b) => mod.mute(ab, b, true),
  unmute: (ab, b) => mod.mute(ab, b, false),
  mute_room: (ab, b) => mod.muteRoom(ab, b, true),
  unmute_room: (ab, b) => mod.muteRoom(ab, b, false),
  kick: (ab, b, _s, pl) => mod.kick(ab, b, (p) => pl.kickOut(p)),
  kick_all: (ab, b, _s, pl) => mod.kickAll(ab, b, (p) => pl.kickOut(p)),
  listparticipants: (ab, b) => mod.listParticipants(ab, b),
  resetdecoder: (ab, b, s) => mod.resetDecoder(ab, b, s),
  rtp_forward: (ab, b) => fwd.rtpForward(ab, b),
  stop_rtp_forward: (ab, b) => fwd.stopRtpForward(ab, b),
  listforwarders: (ab, b) => fwd.listForwarders(ab, b),
  play_file: (ab, b) => files.playFile(ab, b),
  is_playing: (ab, b) => files.isPlaying(ab, b),
  stop_file: (ab, b) => files.stopFile(ab, b),
};

const asyncRequests = new Set(['join', 'configure', 'changeroom', 'leave', 'hangup']);

export default class AudioBridgePlugin implements Plugin<AbSession> {
  readonly kind = 'plugin' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info: ModuleInfo = {
    package: 'janus.plugin.audiobridge',
    name: 'JANUS AudioBridge plugin',
    author: 'janus-ts',
    description: 'This is a plugin implementing an audio conference bridge for Janus, mixing Opus streams.',
    version: 12,
    versionString: '0.0.12',
  };
  private ab?: AbState;
  /** The session of each handle, for a kick (a participant reaches its session only as `ParticipantSession`). */
  private readonly sessionOf = new WeakMap<PluginHandle, AbSession>();
  /** Asynchronous requests run one at a time, in arrival order, as in Janus's message thread. */
  private queue: Promise<void> = Promise.resolve();

  get state(): AbState {
    if (!this.ab) throw new Error('AudioBridge plugin not initialised');
    return this.ab;
  }

  init(ctx: PluginContext): boolean {
    this.ab = new AbState(ctx, readSettings(ctx.config), ctx.logger);
    loadRooms(this.ab);
    ctx.logger.info({ rooms: this.ab.rooms.size }, 'AudioBridge plugin initialized');
    return true;
  }

  async destroy(): Promise<void> {
    const ab = this.ab;
    if (!ab) return;
    const all = [...ab.rooms.values()];
    ab.rooms.clear();
    await Promise.all(all.map((r) => r.close()));
  }

  createSession(handle: PluginHandle): AbSession {
    const s = new AbSession(handle);
    this.sessionOf.set(handle, s);
    return s;
  }

  async handleMessage(session: AbSession, message: PluginMessage): Promise<PluginResult> {
    const ab = this.state;
    const body = message.body;
    if (!isJsonObject(body)) return Result.ok(errorBody(new AbError(AbErrorCode.INVALID_JSON, 'JSON error: not an object')));
    let request: string;
    try {
      checkParams(body, [{ name: 'request', type: 'string', required: true }]);
      request = (body.request as string).toLowerCase();
    } catch (err) {
      return Result.ok(errorBody(err));
    }
    // own keys only: `constructor`/`__proto__` are unknown requests, never Object's (issue 10)
    const sync = ownValue(syncRequests, request);
    if (sync) {
      try {
        return Result.ok(await sync(ab, body, session, this));
      } catch (err) {
        return Result.ok(errorBody(err));
      }
    }
    if (!asyncRequests.has(request)) {
      return Result.ok(errorBody(new AbError(AbErrorCode.INVALID_REQUEST, `Unknown request '${body.request as string}'`)));
    }
    this.queue = this.queue.then(() => this.handleAsync(session, request, message)).catch((err) => ab.log.error({ err }, 'AudioBridge request failed'));
    return Result.okWait();
  }

  async handleAdminMessage(request: unknown): Promise<JsonObject> {
    const ab = this.state;
    if (!isJsonObject(request)) return errorBody(new AbError(AbErrorCode.INVALID_JSON, 'JSON error: not an object'));
    try {
      checkParams(request, [{ name: 'request', type: 'string', required: true }]);
      const r = (request.request as string).toLowerCase();
      const sync = ownValue(syncRequests, r);
      if (!sync) throw new AbError(AbErrorCode.INVALID_REQUEST, `Unknown request '${request.request as string}'`);
      return await sync(ab, request, undefined, this);
    } catch (err) {
      return errorBody(err);
    }
  }

  private async handleAsync(s: AbSession, request: string, message: PluginMessage): Promise<void> {
    const ab = this.state;
    const h = s.handle;
    if (!h.alive || s.destroyed) return;
    const { transaction: tx, body, jsep } = message;
    try {
      let event: JsonObject;
      let generateOffer = false;
      switch (request) {
        case 'join': {
          const r = await join(ab, s, body, jsep !== undefined, (p, buf) => this.incomingPlainRtp(p, buf));
          event = r.event;
          generateOffer = r.generateOffer;
          break;
        }
        case 'configure': {
          const r = configure(ab, s, body, jsep?.update === true);
          event = r.event;
          generateOffer = r.generateOffer;
          break;
        }
        case 'changeroom':
          event = changeRoom(ab, s, body);
          break;
        case 'hangup':
          h.closePc();
          event = { audiobridge: 'hangingup' };
          break;
        case 'leave':
          event = leave(ab, s);
          break;
        default:
          throw new AbError(AbErrorCode.INVALID_REQUEST, `Unknown request '${request}'`);
      }
      if (!jsep && !generateOffer) {
        await h.pushEvent(tx, event);
        return;
      }
      if (jsep) checkJsep(s, jsep);
      if (jsep?.type === 'answer') {
        learnFromSdp(s, jsep);
        s.participant?.room?.sync(s.participant);
        await h.pushEvent(tx, event);
        return;
      }
      if (!s.participant?.room) throw new AbError(AbErrorCode.NOT_JOINED, "Can't handle SDP (not in a room)");
      try {
        if (jsep) {
          learnFromSdp(s, jsep);
          s.participant.room.sync(s.participant);
          await h.pushEvent(tx, event, { type: 'answer', media: answerFor(s, jsep) });
        } else {
          await h.pushEvent(tx, event, { type: 'offer', media: offerFor(s) });
        }
      } catch (err) {
        throw new AbError(AbErrorCode.INVALID_SDP, `Error negotiating SDP: ${(err as Error).message}`);
      }
    } catch (err) {
      if (!(err instanceof AbError)) ab.log.error({ err, request }, 'AudioBridge request failed');
      if (h.alive) await h.pushEvent(tx, errorBody(err)).catch(() => undefined);
    }
  }

  /** kick / kick_all: the PeerConnection goes, the participant leaves when the hangup comes back. */
  kickOut(p: Participant): void {
    const s = this.sessionOf.get(p.session.handle);
    if (!s) return;
    if (p.plain || !s.started) setImmediate(() => this.hangupInternal(s));
    else p.session.handle.closePc();
  }

  setupMedia(s: AbSession): void {
    s.started = true;
    const p = s.participant;
    const room = p?.room;
    if (!p || !room) return;
    this.state.notifyRoom(room, { audiobridge: 'event', room: room.id, participants: [p.describe(false, true)] }, p);
    room.sync(p);
  }

  incomingRtp(s: AbSession, pkt: RtpPacket): void {
    const p = s.participant;
    if (!p || pkt.video) return;
    this.mixIn(p, pkt.buffer, pkt.length, pkt.extensions.audioLevel);
  }

  private incomingPlainRtp(p: Participant, buf: Buffer): void {
    this.mixIn(p, buf, buf.length, p.extmapId > 0 ? audioLevelOf(buf, p.extmapId) : -1);
  }

  /** Hot path: one packet to the room's mixer ring (and the .mjr, if recording). */
  private mixIn(p: Participant, buf: Buffer, len: number, level: number): void {
    const room = p.room;
    if (!room || p.muted || (room.muted && !p.admin)) return;
    p.mjr?.save(buf, len);
    let flags = 0;
    if (p.extmapId > 0 && level >= 0) {
      if (level === 127) flags = FLAG_SILENT;
      trackLevel(this.state, p, level);
    }
    room.mixer.pushRtp(p.slot, buf, len, flags);
  }

  hangupMedia(s: AbSession): void {
    this.hangupInternal(s);
  }

  private hangupInternal(s: AbSession): void {
    s.started = false;
    const p = s.participant;
    s.pluginOffer = false;
    if (!p) return;
    if (p.room) leaveRoom(this.state, p, false);
    p.plain?.close();
    p.plain = undefined;
    p.muted = true;
    p.display = undefined;
    p.extmapId = 0;
    p.mjrBase = undefined;
  }

  destroySession(s: AbSession): void {
    if (s.destroyed) return;
    this.hangupInternal(s);
    s.destroyed = true;
  }

  querySession(s: AbSession): JsonObject {
    const p = s.participant;
    const info: JsonObject = { state: p?.room ? 'inroom' : 'idle' };
    if (p) {
      if (p.room) info.room = p.room.id;
      info.id = p.id;
      const g = p.room?.groupName(p.group);
      if (g) info.group = g;
      if (p.display !== undefined) info.display = p.display;
      if (p.admin) info.admin = true;
      info.muted = p.muted;
      info.active = s.started;
      info['prebuffer-count'] = p.prebuffer;
      if (p.room?.config.spatialAudio) info.spatial_position = p.spatial;
      if (p.mjr) info['audio-recording'] = p.mjr.filename;
      if (p.extmapId > 0) {
        info['audio-level-dBov'] = p.dBov;
        info.talking = p.talking;
      }
      info.fec = p.fec;
      if (p.fec) info['expected-loss'] = p.expectedLoss;
      if (p.bitrate) info['opus-bitrate'] = p.bitrate;
      if (p.plain) {
        const rtp: JsonObject = { 'local-ip': this.state.settings.localIp, 'local-port': p.plain.localPort };
        if (p.plain.remoteIp) rtp['remote-ip'] = p.plain.remoteIp;
        if (p.plain.remotePort) rtp['remote-port'] = p.plain.remotePort;
        rtp['local-ssrc'] = p.ssrc;
        if (p.plain.peerSsrc) rtp['remote-ssrc'] = p.plain.peerSsrc;
        info['plain-rtp'] = rtp;
      }
    }
    if (s.pluginOffer) info['plugin-offer'] = true;
    info.started = s.started;
    info.destroyed = s.destroyed;
    return info;
  }
}
