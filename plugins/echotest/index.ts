import {
  PLUGIN_API_VERSION,
  isJsonObject,
  JanusError,
  PluginResult,
  SimulcastContext,
  summarizeRtcp,
  SvcContext,
  validateParams,
  type AnswerMedia,
  type DataPacket,
  type JsonObject,
  type ModuleInfo,
  type Plugin,
  type PluginContext,
  type PluginHandle,
  type PluginMessage,
  type RtcpPacket,
  type RtcpSummary,
  type RtpPacket,
} from '../../core/plugin-api';
import { EchoSession } from './session';
import { configureRecording, recordingInfo, stopRecording } from './recording';

/** EchoTest error codes (janus_echotest.c). */
const ERR = { NO_MESSAGE: 411, INVALID_JSON: 412, INVALID_ELEMENT: 413, INVALID_SDP: 414, UNKNOWN: 499 } as const;

const params = [
  { name: 'audio', type: 'boolean' },
  { name: 'video', type: 'boolean' },
  { name: 'data', type: 'boolean' },
  { name: 'bitrate', type: 'positiveInteger' },
  { name: 'keyframe', type: 'boolean' },
  { name: 'record', type: 'boolean' },
  { name: 'filename', type: 'string' },
  { name: 'substream', type: 'positiveInteger' },
  { name: 'temporal', type: 'positiveInteger' },
  { name: 'fallback', type: 'positiveInteger' },
  { name: 'svc', type: 'boolean' },
  { name: 'spatial_layer', type: 'positiveInteger' },
  { name: 'temporal_layer', type: 'positiveInteger' },
  { name: 'audiocodec', type: 'string' },
  { name: 'videocodec', type: 'string' },
  { name: 'videoprofile', type: 'string' },
  { name: 'opusred', type: 'boolean' },
  { name: 'min_delay', type: 'integer' },
  { name: 'max_delay', type: 'integer' },
] as const;
const supportedKeys = new Set<string>(params.map((p) => p.name));

const HINT = "I'm taking my time!";

/**
 * The EchoTest plugin: sends back whatever the peer sends (audio, video, data), with toggles,
 * a REMB cap, keyframe requests, simulcast layer selection and codec preferences.
 */
export default class EchoTestPlugin implements Plugin<EchoSession> {
  readonly kind = 'plugin' as const;
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly info: ModuleInfo = {
    package: 'janus.plugin.echotest',
    name: 'JANUS EchoTest plugin',
    author: 'janus-ts',
    description: 'This is a trivial EchoTest plugin for Janus, just used to showcase the plugin interface.',
    version: 7,
    versionString: '0.0.7',
  };
  private ctx!: PluginContext;
  private notify = true;
  private readonly sessions = new Set<EchoSession>();
  private readonly rtcpSummary: RtcpSummary = { pli: false, fir: false, remb: -1, nack: false };

  init(ctx: PluginContext): boolean {
    this.ctx = ctx;
    this.notify = ctx.config.getBool('general', 'events', true);
    ctx.logger.info({}, 'JANUS EchoTest plugin initialized');
    return true;
  }

  destroy(): void {
    this.sessions.clear();
  }

  createSession(handle: PluginHandle): EchoSession {
    const s = new EchoSession(handle);
    this.sessions.add(s);
    return s;
  }

  destroySession(s: EchoSession): void {
    s.destroyed = true;
    stopRecording(s);
    this.sessions.delete(s);
  }

  querySession(s: EchoSession): JsonObject {
    const out: JsonObject = { audio_active: s.audioActive, video_active: s.videoActive };
    if (s.audioCodec) out.audio_codec = s.audioCodec;
    if (s.videoCodec) out.video_codec = s.videoCodec;
    out.bitrate = s.bitrate;
    out['peer-bitrate'] = s.peerBitrate;
    out.slowlink_count = s.slowlinkCount;
    for (const sim of s.simulcast.values()) {
      out.simulcast = sim.describe();
      break;
    }
    for (const svc of s.svc.values()) {
      out.svc = svc.describe();
      break;
    }
    const recording = recordingInfo(s);
    if (recording) out.recording = recording;
    out.hangingup = s.hangingUp ? 1 : 0;
    out.destroyed = s.destroyed ? 1 : 0;
    return out;
  }

  handleMessage(s: EchoSession, msg: PluginMessage): PluginResult {
    // always asynchronous, as Janus's EchoTest: the answer comes as an event
    setImmediate(() => {
      this.process(s, msg).catch((err) => this.ctx.logger.error({ err }, 'EchoTest failed processing a message'));
    });
    return PluginResult.okWait(HINT);
  }

  private async process(s: EchoSession, msg: PluginMessage): Promise<void> {
    const h = s.handle;
    if (!h.alive || s.destroyed) return;
    const fail = (code: number, error: string) => h.pushEvent(msg.transaction, { echotest: 'event', error_code: code, error }).catch(() => undefined);
    const body = msg.body;
    if (!isJsonObject(body)) return void (await fail(ERR.INVALID_JSON, 'JSON error: not an object'));
    const bad = validateParams(body, params, ERR.INVALID_ELEMENT, ERR.INVALID_ELEMENT);
    if (bad) return void (await fail(bad.code, bad.reason));
    const hasAttr = Object.keys(body).some((k) => supportedKeys.has(k));
    if (!hasAttr && !msg.jsep) return void (await fail(ERR.INVALID_ELEMENT, 'Message error: no supported attributes found'));
    for (const k of ['substream', 'temporal', 'spatial_layer', 'temporal_layer'] as const) {
      if (typeof body[k] === 'number' && (body[k] as number) > 2) {
        return void (await fail(ERR.INVALID_ELEMENT, `Invalid element (${k} should be 0, 1 or 2)`));
      }
    }

    if (typeof body.audio === 'boolean') s.audioActive = body.audio;
    if (typeof body.video === 'boolean') {
      if (!s.videoActive && body.video) h.sendPli();
      s.videoActive = body.video;
    }
    if (typeof body.data === 'boolean') s.dataActive = body.data;
    if (typeof body.bitrate === 'number') {
      s.bitrate = body.bitrate;
      if (s.bitrate > 0) h.sendRemb(s.bitrate);
    }
    if (body.keyframe === true) h.sendPli();
    if (typeof body.audiocodec === 'string') s.wantAudioCodec = body.audiocodec.toLowerCase();
    if (typeof body.videocodec === 'string') s.wantVideoCodec = body.videocodec.toLowerCase();
    if (typeof body.min_delay === 'number') s.minDelay = body.min_delay;
    if (typeof body.max_delay === 'number') s.maxDelay = body.max_delay;
    this.configureLayers(s, body);

    const result: JsonObject = { echotest: 'event', result: 'ok' };
    if (!msg.jsep) {
      await h.pushEvent(msg.transaction, result).catch(() => undefined);
      this.afterEvent(s, body);
      return;
    }
    if (msg.jsep.type !== 'offer') {
      // we never offer, so an answer only confirms what the client already had
      await h.pushEvent(msg.transaction, result).catch(() => undefined);
      this.afterEvent(s, body);
      return;
    }
    s.e2ee = msg.jsep.e2ee === true;
    const answer = this.answerFor(s, msg.jsep.media);
    s.lastJsep = msg.jsep;
    try {
      await h.pushEvent(msg.transaction, result, { type: 'answer', media: answer, ...(msg.jsep.e2ee ? { e2ee: true } : {}) });
    } catch (err) {
      const text = err instanceof JanusError ? err.message : String((err as Error)?.message ?? err);
      await fail(ERR.INVALID_SDP, text);
      return;
    }
    s.hasPc = true;
    this.afterEvent(s, body);
  }

  /** As Janus: recording is set up after the event (so it knows the negotiated codecs), then handlers hear of it. */
  private afterEvent(s: EchoSession, body: JsonObject): void {
    if (typeof body.record === 'boolean') {
      configureRecording(s, body.record, typeof body.filename === 'string' ? body.filename : undefined, this.ctx.logger);
    }
    if (this.notify && this.ctx.eventsEnabled()) {
      const recording = recordingInfo(s);
      s.handle.notifyEvent({ audio_active: s.audioActive, video_active: s.videoActive, bitrate: s.bitrate, ...(recording ? { recording } : {}) });
    }
  }

  /**
   * Simulcast/SVC targets. A sender without simulcast (or SVC) simply has no context to apply
   * them to, as in Janus: the request still succeeds. Going up asks the sender for a keyframe.
   */
  private configureLayers(s: EchoSession, body: JsonObject): void {
    const w = s.simulcastWanted;
    if (typeof body.substream === 'number') w.substream = body.substream;
    if (typeof body.temporal === 'number') w.temporal = body.temporal;
    if (typeof body.fallback === 'number') w.fallback = body.fallback;
    const v = s.svcWanted;
    if (typeof body.spatial_layer === 'number') v.spatial_layer = body.spatial_layer;
    if (typeof body.temporal_layer === 'number') v.temporal_layer = body.temporal_layer;
    if (typeof body.fallback === 'number') v.fallback = body.fallback;
    for (const [mindex, sim] of s.simulcast) {
      if (sim.configure(w)) s.handle.sendPli(mindex);
    }
    for (const [mindex, svc] of s.svc) {
      if (svc.configure(v)) s.handle.sendPli(mindex);
    }
  }

  /** Accept every m-line, echoing with the same direction; codecs as forced or the offer's first. */
  private answerFor(s: EchoSession, media: NonNullable<PluginMessage['jsep']>['media']): AnswerMedia[] {
    const out: AnswerMedia[] = [];
    s.simulcast.clear();
    s.svc.clear();
    s.hasData = false;
    for (const m of media) {
      if (m.disabled) {
        out.push({ mindex: m.mindex, accept: false });
        continue;
      }
      const dir = m.direction === 'sendonly' ? 'recvonly' : m.direction === 'recvonly' ? 'sendonly' : m.direction;
      const want = m.kind === 'audio' ? s.wantAudioCodec : m.kind === 'video' ? s.wantVideoCodec : undefined;
      const a: AnswerMedia = { mindex: m.mindex, accept: true, direction: dir };
      if (want) a.codecs = [want];
      const codec = want ? m.codecs.find((c) => c.name === want) : m.codecs.find((c) => !['rtx', 'red', 'ulpfec'].includes(c.name));
      if (m.kind === 'application') s.hasData = true;
      if (codec) {
        s.clockRate.set(m.mindex, codec.clockRate);
        if (m.kind === 'video') s.videoFmtp = codec.name === 'h264' || codec.name === 'vp9' ? codec.fmtp : undefined;
        if (m.kind === 'video') {
          s.codecOf.set(m.mindex, codec.name);
          s.videoCodec = codec.name;
        } else if (m.kind === 'audio') s.audioCodec = codec.name;
      }
      const n = m.simulcast?.rids?.length ?? m.simulcast?.ssrcs?.length ?? 0;
      if (m.kind === 'video' && codec && n > 1) {
        s.simulcast.set(m.mindex, new SimulcastContext({ codec: codec.name, substreams: n, clockRate: codec.clockRate, ...s.simulcastWanted }));
      } else if (m.kind === 'video' && codec?.name === 'vp9') {
        s.svc.set(m.mindex, new SvcContext({ clockRate: codec.clockRate, ...s.svcWanted }));
      }
      out.push(a);
    }
    return out;
  }

  setupMedia(s: EchoSession): void {
    s.hasPc = true;
    s.hangingUp = false;
    if (s.bitrate > 0) s.handle.sendRemb(s.bitrate);
  }

  incomingRtp(s: EchoSession, p: RtpPacket): void {
    if (s.destroyed || s.hangingUp) return;
    if (p.video ? !s.videoActive : !s.audioActive) return;
    if (p.video) {
      const sim = s.simulcast.get(p.mindex);
      if (sim) {
        const pass = sim.relay(p.buffer, p.length, p.substream);
        if (sim.needPli) s.handle.sendPli(p.mindex);
        if (sim.changedSubstream) this.layerEvent(s, sim.codec, 'substream', sim.substream);
        if (sim.changedTemporal) this.layerEvent(s, sim.codec, 'temporal', sim.temporal);
        if (!pass) return;
        s.vrc?.saveRtp(p.buffer, p.length);
      } else {
        const svc = s.svc.get(p.mindex);
        if (svc) {
          const pass = svc.relay(p.buffer, p.length);
          if (svc.needPli) s.handle.sendPli(p.mindex);
          if (svc.changedSpatial) this.layerEvent(s, 'vp9', 'spatial_layer', svc.spatial);
          if (svc.changedTemporal) this.layerEvent(s, 'vp9', 'temporal_layer', svc.temporal);
          if (!pass) return;
        }
        s.vrc?.saveRtp(p.buffer, p.length);
      }
    } else s.arc?.saveRtp(p.buffer, p.length);
    if (p.video && (s.minDelay >= 0 || s.maxDelay >= 0)) {
      // playout-delay asked by the user: the core writes it on the way out
      p.extensions.minDelay = s.minDelay;
      p.extensions.maxDelay = s.maxDelay;
    }
    s.handle.relayRtp(p);
  }

  /** Janus's layer-change notification: `{"echotest":"event","videocodec":C,<what>:n}` (rare: not per packet). */
  private layerEvent(s: EchoSession, codec: string, what: 'substream' | 'temporal' | 'spatial_layer' | 'temporal_layer', value: number): void {
    s.handle.pushEvent(undefined, { echotest: 'event', videocodec: codec, [what]: value }).catch(() => undefined);
  }

  incomingRtcp(s: EchoSession, p: RtcpPacket): void {
    if (s.destroyed) return;
    const r = summarizeRtcp(p.buffer, p.length, this.rtcpSummary);
    if (r.pli || r.fir) s.handle.sendPli();
    if (r.remb >= 0) {
      s.peerBitrate = r.remb;
      // our cap goes back to the sender whenever the receiver side reports
      if (s.bitrate > 0) s.handle.sendRemb(s.bitrate);
    }
  }

  incomingData(s: EchoSession, p: DataPacket): void {
    if (s.destroyed || !s.dataActive) return;
    s.drc?.saveData(p.buffer, p.length);
    if (p.binary) {
      s.handle.relayData({ label: p.label, protocol: p.protocol, binary: true, buffer: p.buffer, length: p.length });
      return;
    }
    const text = `Janus EchoTest here! You wrote: ${p.buffer.toString('utf8', 0, p.length)}`;
    const buffer = Buffer.from(text, 'utf8');
    s.handle.relayData({ label: p.label, protocol: p.protocol, binary: false, buffer, length: buffer.length });
  }

  slowLink(s: EchoSession, _mindex: number, video: boolean, uplink: boolean): void {
    if (s.destroyed || !uplink) return;
    s.slowlinkCount++;
    const event: JsonObject = { echotest: 'event', event: 'slow_link', media: video ? 'video' : 'audio' };
    if (video) {
      // halve what the sender may use, as Janus's EchoTest does, but never below 64 kbps
      s.bitrate = Math.max(64000, s.bitrate > 0 ? Math.floor(s.bitrate / 2) : 512000);
      s.handle.sendRemb(s.bitrate);
      event['current-bitrate'] = s.bitrate;
    }
    s.handle.pushEvent(undefined, event).catch(() => undefined);
  }

  hangupMedia(s: EchoSession): void {
    if (s.hangingUp) return;
    s.hangingUp = true;
    stopRecording(s);
    s.resetMedia();
    s.bitrate = 0;
    s.audioActive = true;
    s.videoActive = true;
    s.dataActive = true;
    if (s.handle.alive) s.handle.pushEvent(undefined, { echotest: 'event', result: 'done' }).catch(() => undefined);
    s.hangingUp = false;
  }
}
