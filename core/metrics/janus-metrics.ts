import { collectDefaultMetrics, Registry } from 'prom-client';
import { inject, injectable } from 'tsyringe';
import { ModuleRegistry } from '../modules/registry';
import { MEDIA_PORT, type MediaPort } from '../media/media-port';
import { isJsonObject, type JsonObject } from '../plugin-api';
import { Sessions } from '../sessions';
import { LoopMonitor, LoopRegistry, type LoopStats } from './event-loop';
import { HotCounter, HotHistogram } from './hot';
import type { KindCounters } from './media-snapshot';
import { videoRoomGauges } from './plugin-gauges';

/** Verbs counted by name; anything else is `other` (a client cannot grow the label set). */
const janusVerbs = new Set(['info', 'ping', 'create', 'keepalive', 'attach', 'destroy', 'claim', 'detach', 'hangup', 'message', 'trickle']);
const adminVerbs = new Set([
  'info', 'ping', 'get_status', 'list_sessions', 'list_handles', 'handle_info', 'destroy_session', 'detach_handle',
  'hangup_webrtc', 'start_pcap', 'stop_pcap', 'start_text2pcap', 'stop_text2pcap', 'set_log_level', 'accept_new_sessions',
  'message_plugin', 'query_transport', 'query_eventhandler', 'query_logger', 'add_token', 'allow_token', 'disallow_token',
  'list_tokens', 'remove_token', 'set_session_timeout', 'custom_event', 'custom_logline', 'resolve_address', 'test_stun', 'drain',
]);
const OUTCOMES = ['success', 'ack', 'error'] as const;
export type ApiOutcome = (typeof OUTCOMES)[number];

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SETUP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30];
const LOSS_BUCKETS = [0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5];
const JITTER_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2, 0.5];
const RTT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1];
const BITRATE_BUCKETS = [32e3, 64e3, 128e3, 256e3, 512e3, 1e6, 2e6, 4e6, 8e6];

/**
 * Every `janus_*` metric. Request counters are incremented as requests finish (slots resolved
 * once, no allocation); everything else is read at scrape time from what the core, the media
 * stack, plugins, transports and event handlers already keep (`refresh`).
 */
@injectable()
export class JanusMetrics {
  readonly registry = new Registry();
  readonly loops = new LoopRegistry();
  /** Made at the first scrape: a server without a metrics endpoint runs no loop monitor. */
  private mainLoop?: LoopMonitor;
  /** Set by the drain controller and the server: what /readyz and `janus_ready` say. */
  draining = false;
  private readonly r = this.registry;
  private readonly requests = new HotCounter(this.r, 'janus_api_requests_total', 'Janus/Admin API requests by transport, verb and outcome', ['api', 'transport', 'verb', 'outcome']);
  private readonly latency = new HotHistogram(this.r, 'janus_api_request_duration_seconds', 'Time from request to reply', ['api', 'verb'], SECONDS_BUCKETS);
  /** [janus, admin]: transport → verb → slot per outcome; verb → latency slot. */
  private readonly apiSlots = [new Map<string, Map<string, Int32Array>>(), new Map<string, Map<string, Int32Array>>()];
  private readonly latencySlots = [new Map<string, number>(), new Map<string, number>()];
  private readonly sessionsG = new HotCounter(this.r, 'janus_sessions', 'Janus sessions', [], 'gauge');
  private readonly handlesG = new HotCounter(this.r, 'janus_handles', 'Handles by plugin', ['plugin'], 'gauge');
  private readonly peersG = new HotCounter(this.r, 'janus_peerconnections', 'PeerConnections by state', ['state'], 'gauge');
  private readonly setup = new HotHistogram(this.r, 'janus_webrtc_setup_seconds', 'PeerConnection creation to ICE+DTLS connected', [], SETUP_BUCKETS);
  private readonly phaseSetup = new HotHistogram(this.r, 'janus_webrtc_phase_seconds', 'Set-up phases: ice (checks to connected), dtls (ICE connected to DTLS connected)', ['phase'], SETUP_BUCKETS);
  private readonly phaseFailures = new HotCounter(this.r, 'janus_webrtc_phase_failures_total', 'Set-up failures by phase (ice, dtls)', ['phase']);
  private readonly failures = new HotCounter(this.r, 'janus_webrtc_failures_total', 'PeerConnections that failed (ICE failure or DTLS alert)');
  private readonly packets = new HotCounter(this.r, 'janus_rtp_packets_total', 'RTP packets by kind, direction and type (initial, retransmission)', ['kind', 'direction', 'type']);
  private readonly bytes = new HotCounter(this.r, 'janus_rtp_bytes_total', 'RTP payload bytes by kind and direction', ['kind', 'direction']);
  private readonly nacks = new HotCounter(this.r, 'janus_rtcp_nacks_total', 'RTCP NACK feedback packets (in: from peers, out: sent by us)', ['kind', 'direction']);
  private readonly plis = new HotCounter(this.r, 'janus_rtcp_plis_total', 'RTCP PLI keyframe requests (out: requested by plugins)', ['kind', 'direction']);
  private readonly firs = new HotCounter(this.r, 'janus_rtcp_firs_total', 'RTCP FIR keyframe requests received', ['kind', 'direction']);
  private readonly dataMsgs = new HotCounter(this.r, 'janus_data_messages_total', 'Data channel messages', ['direction']);
  private readonly dataBytes = new HotCounter(this.r, 'janus_data_bytes_total', 'Data channel bytes', ['direction']);
  private readonly loss = new HotHistogram(this.r, 'janus_stream_loss_ratio', 'Live streams by current loss fraction (snapshot at scrape)', ['kind', 'direction'], LOSS_BUCKETS);
  private readonly jitter = new HotHistogram(this.r, 'janus_stream_jitter_seconds', 'Live streams by current interarrival jitter (snapshot at scrape)', ['kind', 'direction'], JITTER_BUCKETS);
  private readonly rtt = new HotHistogram(this.r, 'janus_stream_rtt_seconds', 'Live streams by current round-trip time from RTCP (snapshot at scrape)', ['kind'], RTT_BUCKETS);
  private readonly remb = new HotHistogram(this.r, 'janus_stream_remb_bitrate_bps', 'Live streams by the estimated bitrate (REMB) peers last sent (snapshot at scrape)', ['kind'], BITRATE_BUCKETS);
  private readonly workersG = new HotCounter(this.r, 'janus_media_workers', 'Media worker threads (up, total)', ['state'], 'gauge');
  private readonly vr = {
    rooms: new HotCounter(this.r, 'janus_videoroom_rooms', 'VideoRoom rooms', [], 'gauge'),
    publishers: new HotCounter(this.r, 'janus_videoroom_publishers', 'VideoRoom publishers with media up', [], 'gauge'),
    subscribers: new HotCounter(this.r, 'janus_videoroom_subscribers', 'VideoRoom subscriber handles', [], 'gauge'),
    forwarders: new HotCounter(this.r, 'janus_videoroom_forwarders', 'VideoRoom RTP forwarders', [], 'gauge'),
  };
  private readonly evhDepth = new HotCounter(this.r, 'janus_eventhandler_queue_depth', 'Events waiting in an event handler queue', ['handler'], 'gauge');
  private readonly evhSent = new HotCounter(this.r, 'janus_eventhandler_sent_total', 'Events an event handler delivered', ['handler']);
  private readonly evhDropped = new HotCounter(this.r, 'janus_eventhandler_dropped_total', 'Events an event handler dropped', ['handler', 'reason']);
  private readonly tpConnected = new HotCounter(this.r, 'janus_transport_connected', 'Broker transport connected (1) or not (0)', ['transport'], 'gauge');
  private readonly tpDepth = new HotCounter(this.r, 'janus_transport_outbox_depth', 'Messages waiting for the broker', ['transport'], 'gauge');
  private readonly tpDropped = new HotCounter(this.r, 'janus_transport_outbox_dropped_total', 'Messages dropped while the broker was unreachable', ['transport']);
  private readonly tpReconnects = new HotCounter(this.r, 'janus_transport_reconnects_total', 'Broker reconnections', ['transport']);
  private readonly loopDelay = new HotCounter(this.r, 'janus_eventloop_delay_seconds', 'Event-loop delay since the last scrape', ['thread', 'quantile'], 'gauge');
  private readonly loopUtil = new HotCounter(this.r, 'janus_eventloop_utilization', 'Event-loop busy share since the last scrape', ['thread'], 'gauge');
  private readonly readyG = new HotCounter(this.r, 'janus_ready', '1 when /readyz answers 200', [], 'gauge');
  private readonly drainingG = new HotCounter(this.r, 'janus_draining', '1 while a graceful drain runs', [], 'gauge');

  constructor(
    @inject(Sessions) private readonly sessions: Sessions,
    @inject(ModuleRegistry) private readonly modules: ModuleRegistry,
    @inject(MEDIA_PORT) private readonly media: MediaPort,
  ) {
    this.loops.register('main', () => (this.mainLoop ??= new LoopMonitor()).read());
  }

  /** Node process metrics (`janus_process_*`, `janus_nodejs_*`). */
  enableDefaultMetrics(): void {
    collectDefaultMetrics({ register: this.registry, prefix: 'janus_' });
  }

  /** One request answered. Allocation-free once its (transport, verb) was seen. */
  requestDone(admin: boolean, transport: string, verbText: unknown, outcome: ApiOutcome, seconds: number): void {
    const i = admin ? 1 : 0;
    const api = admin ? 'admin' : 'janus';
    const verb = this.verbLabel(admin, verbText);
    let byVerb = this.apiSlots[i].get(transport);
    if (!byVerb) this.apiSlots[i].set(transport, (byVerb = new Map()));
    let slots = byVerb.get(verb);
    if (!slots) byVerb.set(verb, (slots = Int32Array.from(OUTCOMES, (o) => this.requests.slot(api, transport, verb, o))));
    this.requests.inc(slots[outcome === 'success' ? 0 : outcome === 'ack' ? 1 : 2]);
    let ls = this.latencySlots[i].get(verb);
    if (ls === undefined) this.latencySlots[i].set(verb, (ls = this.latency.slot(api, verb)));
    this.latency.observe(ls, seconds);
  }

  private verbLabel(admin: boolean, verbText: unknown): string {
    if (typeof verbText !== 'string') return 'other';
    const known = admin ? adminVerbs : janusVerbs;
    // exact match first: no lower-casing allocation for well-behaved clients
    if (known.has(verbText)) return verbText;
    const v = verbText.toLowerCase();
    return known.has(v) ? v : 'other';
  }

  /** What /readyz checks: not draining, transports up, brokers connected, media workers up. */
  async readiness(): Promise<{ ready: boolean; problems: string[] }> {
    const problems: string[] = [];
    if (this.draining) problems.push('draining');
    if (this.modules.transports.size === 0) problems.push('no transport listening');
    for (const [pkg, st] of await this.transportStatus()) {
      if (st.connected === false) problems.push(`${pkg} not connected to its broker`);
    }
    const w = this.media.metrics?.().workers;
    if (w && w.up < w.total) problems.push(`media workers up ${w.up}/${w.total}`);
    return { ready: problems.length === 0, problems };
  }

  /** The exposition text, after refreshing every scrape-time figure. */
  async render(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private async transportStatus(): Promise<Array<[string, JsonObject]>> {
    const out: Array<[string, JsonObject]> = [];
    for (const [pkg, t] of this.modules.transports) {
      if (!t.queryTransport || !/mqtt|rabbitmq/.test(pkg)) continue;
      try {
        const r = await t.queryTransport({ request: 'status' });
        if (isJsonObject(r) && isJsonObject(r.status)) out.push([pkg, r.status]);
      } catch {
        // a transport that cannot answer has no figures
      }
    }
    return out;
  }

  private async refresh(): Promise<void> {
    this.sessionsG.set(0, this.sessions.size);
    const handles = new Map<string, number>();
    for (const pkg of this.modules.plugins.keys()) handles.set(pkg, 0);
    for (const id of this.sessions.ids()) {
      for (const h of this.sessions.get(id)?.handles.values() ?? []) {
        const pkg = h.plugin.info.package;
        handles.set(pkg, (handles.get(pkg) ?? 0) + 1);
      }
    }
    for (const [pkg, n] of handles) this.handlesG.set(this.handlesG.slot(pkg), n);
    const workerLoops = this.refreshMedia();
    const vr = videoRoomGauges(this.modules.plugin('janus.plugin.videoroom'));
    if (vr) for (const k of ['rooms', 'publishers', 'subscribers', 'forwarders'] as const) this.vr[k].set(0, vr[k]);
    await this.refreshModules();
    const loops: Array<[string, LoopStats]> = [...this.loops.read(), ...Object.entries(workerLoops ?? {})];
    for (const [thread, s] of loops) {
      this.loopDelay.set(this.loopDelay.slot(thread, '0.5'), s.p50);
      this.loopDelay.set(this.loopDelay.slot(thread, '0.99'), s.p99);
      this.loopDelay.set(this.loopDelay.slot(thread, '1'), s.max);
      this.loopUtil.set(this.loopUtil.slot(thread), s.utilization);
    }
    const { ready } = await this.readiness();
    this.readyG.set(0, ready ? 1 : 0);
    this.drainingG.set(0, this.draining ? 1 : 0);
  }

  /** Media figures; returns the worker threads' loop figures the snapshot carried. */
  private refreshMedia(): Record<string, LoopStats> | undefined {
    const m = this.media.metrics?.();
    if (!m) return undefined;
    for (const st of ['new', 'connected', 'failed'] as const) this.peersG.set(this.peersG.slot(st), m.peers[st]);
    for (const x of m.newSetupSeconds) this.setup.observe(0, x);
    const ice = this.phaseSetup.slot('ice');
    const dtls = this.phaseSetup.slot('dtls');
    for (const x of m.newIceSeconds) this.phaseSetup.observe(ice, x);
    for (const x of m.newDtlsSeconds) this.phaseSetup.observe(dtls, x);
    this.phaseFailures.set(this.phaseFailures.slot('ice'), m.iceFailures);
    this.phaseFailures.set(this.phaseFailures.slot('dtls'), m.dtlsFailures);
    this.failures.set(0, m.setupFailures);
    for (const kind of ['audio', 'video'] as const) {
      const k: KindCounters = m[kind];
      this.packets.set(this.packets.slot(kind, 'in', 'initial'), Math.max(0, k.packetsIn - k.rtxIn));
      this.packets.set(this.packets.slot(kind, 'in', 'retransmission'), k.rtxIn);
      this.packets.set(this.packets.slot(kind, 'out', 'initial'), k.packetsOut);
      this.packets.set(this.packets.slot(kind, 'out', 'retransmission'), k.rtxOut);
      this.bytes.set(this.bytes.slot(kind, 'in'), k.bytesIn);
      this.bytes.set(this.bytes.slot(kind, 'out'), k.bytesOut);
      this.nacks.set(this.nacks.slot(kind, 'in'), k.nacksIn);
      this.nacks.set(this.nacks.slot(kind, 'out'), k.nacksOut);
      this.plis.set(this.plis.slot(kind, 'in'), k.pliIn);
      this.plis.set(this.plis.slot(kind, 'out'), k.pliOut);
      this.firs.set(this.firs.slot(kind, 'in'), k.firIn);
      this.firs.set(this.firs.slot(kind, 'out'), k.firOut);
    }
    this.dataMsgs.set(this.dataMsgs.slot('in'), m.data.messagesIn);
    this.dataMsgs.set(this.dataMsgs.slot('out'), m.data.messagesOut);
    this.dataBytes.set(this.dataBytes.slot('in'), m.data.bytesIn);
    this.dataBytes.set(this.dataBytes.slot('out'), m.data.bytesOut);
    for (const h of [this.loss, this.jitter, this.rtt, this.remb]) h.reset();
    for (const kind of ['audio', 'video']) {
      // every label set shows, even with no stream (a zero histogram rather than a missing one)
      this.loss.slot(kind, 'in'), this.loss.slot(kind, 'out'), this.jitter.slot(kind, 'in'), this.jitter.slot(kind, 'out');
      this.rtt.slot(kind), this.remb.slot(kind);
    }
    for (const s of m.streams) {
      this.loss.observe(this.loss.slot(s.kind, 'in'), s.lossIn);
      this.loss.observe(this.loss.slot(s.kind, 'out'), s.lossOut);
      this.jitter.observe(this.jitter.slot(s.kind, 'in'), s.jitterIn);
      this.jitter.observe(this.jitter.slot(s.kind, 'out'), s.jitterOut);
      if (s.rtt > 0) this.rtt.observe(this.rtt.slot(s.kind), s.rtt);
      if (s.remb > 0) this.remb.observe(this.remb.slot(s.kind), s.remb);
    }
    this.workersG.set(this.workersG.slot('up'), m.workers.up);
    this.workersG.set(this.workersG.slot('total'), m.workers.total);
    return m.loops;
  }

  private async refreshModules(): Promise<void> {
    for (const [pkg, h] of this.modules.eventHandlers) {
      if (!h.handleRequest) continue;
      try {
        const r = await h.handleRequest({ request: 'stats' });
        const st = isJsonObject(r) && isJsonObject(r.stats) ? r.stats : undefined;
        if (!st) continue;
        const n = (k: string) => (typeof st[k] === 'number' ? (st[k] as number) : 0);
        this.evhDepth.set(this.evhDepth.slot(pkg), n('queued'));
        this.evhSent.set(this.evhSent.slot(pkg), n('sent'));
        for (const reason of ['overflow', 'retries', 'shutdown']) this.evhDropped.set(this.evhDropped.slot(pkg, reason), n(`dropped_${reason}`));
      } catch {
        // a handler without stats has no figures
      }
    }
    for (const [pkg, st] of await this.transportStatus()) {
      const n = (k: string) => (typeof st[k] === 'number' ? (st[k] as number) : 0);
      this.tpConnected.set(this.tpConnected.slot(pkg), st.connected === true ? 1 : 0);
      this.tpDepth.set(this.tpDepth.slot(pkg), n('buffered'));
      this.tpDropped.set(this.tpDropped.slot(pkg), n('dropped'));
      this.tpReconnects.set(this.tpReconnects.slot(pkg), n('reconnects'));
    }
  }

  stop(): void {
    this.mainLoop?.stop();
    this.mainLoop = undefined;
  }
}
