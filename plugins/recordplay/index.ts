import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  PLUGIN_API_VERSION,
  isJsonObject,
  JanusError,
  PluginResult,
  validateParams,
  type DataPacket,
  type JsonObject,
  type ModuleInfo,
  type Plugin,
  type PluginContext,
  type PluginHandle,
  type PluginMessage,
  type RtpPacket,
} from '../../core/plugin-api';
import { Catalogue } from './catalogue';
import { ERR, pauseResume, play, record, RpError, start, type RpReply } from './requests';
import { RpSession } from './session';

const ASYNC = new Set(['record', 'play', 'start', 'stop', 'pause', 'resume']);

/**
 * The Record&Play plugin (janus.plugin.recordplay): records a WebRTC peer to `.mjr` files in the
 * configured `path` (with a `.nfo` index per recording) and plays recordings back over WebRTC.
 */
export default class RecordPlayPlugin implements Plugin<RpSession> {
  readonly kind = 'plugin' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info: ModuleInfo = {
    package: 'janus.plugin.recordplay',
    name: 'JANUS Record&Play plugin',
    author: 'janus-ts',
    description: 'This is a trivial Record&Play plugin for Janus, to record WebRTC sessions and replay them.',
    version: 4,
    versionString: '0.0.4',
  };
  private ctx!: PluginContext;
  private notify = true;
  private cat!: Catalogue;
  private readonly sessions = new Set<RpSession>();

  async init(ctx: PluginContext): Promise<boolean> {
    this.ctx = ctx;
    const folder = ctx.config.getString('general', 'path');
    this.notify = ctx.config.getBool('general', 'events', true);
    ctx.config.warnUnknown('general', ['path', 'events']);
    if (!folder) {
      ctx.logger.fatal({}, 'No recordings path specified, giving up...');
      return false;
    }
    try {
      await fs.promises.mkdir(folder, { recursive: true });
    } catch (err) {
      ctx.logger.error({ err, folder }, 'Cannot create the recordings folder');
      return false;
    }
    this.cat = new Catalogue(path.resolve(folder), ctx.logger);
    await this.cat.scan();
    ctx.logger.info({ folder }, 'JANUS Record&Play plugin initialized');
    return true;
  }

  destroy(): void {
    for (const s of this.sessions) this.teardown(s);
    this.sessions.clear();
  }

  createSession(handle: PluginHandle): RpSession {
    const s = new RpSession(handle);
    this.sessions.add(s);
    return s;
  }

  destroySession(s: RpSession): void {
    this.hangupMedia(s);
    s.destroyed = true;
    this.sessions.delete(s);
  }

  querySession(s: RpSession): JsonObject {
    const j: JsonObject = { type: s.recorder ? 'recorder' : s.recording ? 'player' : 'none' };
    if (s.recording) {
      j.recording_id = s.recording.id;
      j.recording_name = s.recording.name;
      if (s.e2ee) j.e2ee = true;
    }
    j.hangingup = s.hangingUp ? 1 : 0;
    j.destroyed = s.destroyed ? 1 : 0;
    return j;
  }

  private errorBody(code: number, error: string): JsonObject {
    return { recordplay: 'event', error_code: code, error };
  }

  async handleMessage(s: RpSession, msg: PluginMessage): Promise<PluginResult> {
    const body = msg.body;
    if (!isJsonObject(body)) return PluginResult.ok(this.errorBody(ERR.INVALID_JSON, 'JSON error: not an object'));
    const bad = validateParams(body, [{ name: 'request', type: 'string', required: true }], ERR.MISSING_ELEMENT, ERR.INVALID_ELEMENT);
    if (bad) return PluginResult.ok(this.errorBody(bad.code, bad.reason));
    const request = (body.request as string).toLowerCase();
    if (request === 'update') {
      await this.cat.scan();
      return PluginResult.ok({ recordplay: 'ok' });
    }
    if (request === 'list') return PluginResult.ok({ recordplay: 'list', list: this.list() });
    if (request === 'configure') {
      const b = validateParams(body, [{ name: 'video-bitrate-max', type: 'positiveInteger' }, { name: 'video-keyframe-interval', type: 'positiveInteger' }], ERR.MISSING_ELEMENT, ERR.INVALID_ELEMENT);
      if (b) return PluginResult.ok(this.errorBody(b.code, b.reason));
      if (typeof body['video-bitrate-max'] === 'number') s.videoBitrate = body['video-bitrate-max'];
      if (typeof body['video-keyframe-interval'] === 'number') s.keyframeInterval = body['video-keyframe-interval'];
      if (s.active && s.recorder) this.startFeedback(s);
      return PluginResult.ok({ recordplay: 'configure', status: 'ok', settings: { 'video-keyframe-interval': s.keyframeInterval, 'video-bitrate-max': s.videoBitrate } });
    }
    if (!ASYNC.has(request)) return PluginResult.ok(this.errorBody(ERR.INVALID_REQUEST, `Unknown request '${body.request as string}'`));
    // janus.js sends `hangup` right after `stop`: what is being stopped is decided now, not when the
    // hangup may already have torn the session down
    const stopping = request === 'stop' ? s.recording?.id : undefined;
    setImmediate(() => void this.process(s, request, msg, stopping).catch((err) => this.ctx.logger.error({ err }, 'Record&Play failed processing a message')));
    return PluginResult.okWait();
  }

  async handleAdminMessage(request: unknown): Promise<JsonObject> {
    if (!isJsonObject(request)) return this.errorBody(ERR.INVALID_JSON, 'JSON error: not an object');
    const bad = validateParams(request, [{ name: 'request', type: 'string', required: true }], ERR.MISSING_ELEMENT, ERR.INVALID_ELEMENT);
    if (bad) return this.errorBody(bad.code, bad.reason);
    if ((request.request as string).toLowerCase() !== 'update') return this.errorBody(ERR.INVALID_REQUEST, `Unknown request '${request.request as string}'`);
    await this.cat.scan();
    return { recordplay: 'ok' };
  }

  private list(): JsonObject[] {
    return [...this.cat.recordings.values()].filter((r) => r.completed).map((r) => r.toJson());
  }

  private async process(s: RpSession, request: string, msg: PluginMessage, stopping?: number): Promise<void> {
    const h = s.handle;
    if (!h.alive || s.destroyed) return;
    let reply: RpReply;
    try {
      if (request === 'record') reply = record(this.cat, s, msg.body, msg.jsep);
      else if (request === 'play') reply = await play(this.cat, s, msg.body, msg.jsep, () => h.closePc());
      else if (request === 'start') reply = start(s, msg.jsep);
      else if (request === 'stop') reply = { result: { status: 'stopped', ...(stopping !== undefined ? { id: stopping } : {}) }, ...(stopping !== undefined ? { notify: { event: 'stopped', id: stopping } } : {}) };
      else reply = pauseResume(s, request === 'pause');
    } catch (err) {
      const code = err instanceof RpError ? err.code : ERR.UNKNOWN;
      await h.pushEvent(msg.transaction, this.errorBody(code, (err as Error).message)).catch(() => undefined);
      return;
    }
    if (reply.notify && this.notify && this.ctx.eventsEnabled()) h.notifyEvent(reply.notify);
    const event: JsonObject = { recordplay: 'event', ...(reply.result ? { result: reply.result } : {}) };
    try {
      await h.pushEvent(msg.transaction, event, reply.jsep);
    } catch (err) {
      const text = err instanceof JanusError ? err.message : String((err as Error)?.message ?? err);
      await h.pushEvent(msg.transaction, this.errorBody(ERR.INVALID_SDP, text)).catch(() => undefined);
      return;
    }
    // stop: the PeerConnection goes, hangupMedia finishes the recording (or playout)
    if (request === 'stop') h.closePc();
  }

  setupMedia(s: RpSession): void {
    s.active = true;
    s.hangingUp = false;
    if (s.recorder) this.startFeedback(s);
    else s.playout?.start();
  }

  /** While recording: the REMB cap, and a keyframe every `video-keyframe-interval` ms (as Janus). */
  private startFeedback(s: RpSession): void {
    s.stopFeedback();
    if (!s.vrc) return;
    s.handle.sendRemb(s.videoBitrate);
    s.handle.sendPli();
    s.feedbackTimer = setInterval(() => {
      if (!s.handle.alive) return s.stopFeedback();
      s.handle.sendRemb(s.videoBitrate);
      s.handle.sendPli();
    }, s.keyframeInterval);
  }

  incomingRtp(s: RpSession, p: RtpPacket): void {
    if (!s.recorder || !s.recording || s.destroyed) return;
    if (!p.video) return s.arc?.saveRtp(p.buffer, p.length);
    const sim = s.simulcast;
    if (!sim || p.mindex !== s.simulcastMindex) return s.vrc?.saveRtp(p.buffer, p.length);
    const buf = p.buffer;
    if (sim.relay(buf, p.length, p.substream)) {
      // one SSRC for the whole file, whatever substream it came from
      if (s.recVssrc === 0) s.recVssrc = (Math.random() * 0xffffffff) >>> 0 || 1;
      const ssrc = buf.readUInt32BE(8);
      buf.writeUInt32BE(s.recVssrc, 8);
      s.vrc?.saveRtp(buf, p.length);
      buf.writeUInt32BE(ssrc, 8);
      sim.restore(buf);
    }
    if (sim.needPli) s.handle.sendPli(p.mindex);
  }

  incomingData(s: RpSession, p: DataPacket): void {
    if (s.recorder && s.recording && !s.destroyed) s.drc?.saveData(p.buffer, p.length);
  }

  hangupMedia(s: RpSession): void {
    s.active = false;
    if (s.destroyed || s.hangingUp) return;
    s.hangingUp = true;
    if (s.handle.alive) void s.handle.pushEvent(undefined, { recordplay: 'event', result: 'done' }).catch(() => undefined);
    this.teardown(s);
    s.hangingUp = false;
  }

  /** Close the files (then write the .nfo of a finished recording), stop a playout, forget both. */
  private teardown(s: RpSession): void {
    s.stopFeedback();
    const closing = [s.arc, s.vrc, s.drc].filter((r) => r !== undefined).map((r) => r!.close());
    const rec = s.recording;
    if (s.recorder && rec) void Promise.all(closing).then(() => this.cat.complete(rec));
    if (s.playout) {
      s.playout.stop();
      if (rec) rec.viewers--;
    }
    s.arc = s.vrc = s.drc = undefined;
    s.playout = undefined;
    s.recording = undefined;
    s.recorder = false;
    s.simulcast = undefined;
    s.paused = false;
    s.e2ee = false;
  }
}
