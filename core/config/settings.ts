import * as os from 'node:os';
import type { ConfigFile } from './config-file';

/** Keys of janus.jcfg we read, per category: anything else gets a one-time warning. */
export const knownJanusKeys: Record<string, readonly string[]> = {
  general: [
    'configs_folder', 'plugins_folder', 'transports_folder', 'events_folder', 'loggers_folder',
    'log_to_stdout', 'log_to_file', 'debug_level', 'debug_timestamps', 'debug_colors', 'debug_locks',
    'log_prefix', 'daemonize', 'pid_file', 'api_secret', 'token_auth', 'token_auth_secret', 'admin_secret',
    'interface', 'server_name', 'session_timeout', 'candidates_timeout', 'reclaim_session_timeout',
    'recordings_tmp_ext', 'event_loops', 'allow_loop_indication', 'task_pool_size', 'opaqueid_in_api',
    'hide_dependencies', 'exit_on_dl_error', 'no_webrtc_encryption', 'protected_folders',
    'log_json', 'drain_timeout',
  ],
  certificates: ['cert_pem', 'cert_key', 'cert_pwd', 'dtls_accept_selfsigned', 'dtls_ciphers', 'rsa_private_key'],
  media: [
    'ipv6', 'ipv6_linklocal', 'min_nack_queue', 'rtp_port_range', 'dtls_mtu', 'no_media_timer',
    'slowlink_threshold', 'twcc_period', 'dtls_timeout', 'nack_optimizations', 'dscp', 'dscp_tos',
    'media_workers', 'media_affinity', 'native_srtp',
  ],
  nat: [
    'stun_server', 'stun_port', 'nice_debug', 'full_trickle', 'ice_nomination', 'ice_keepalive_conncheck',
    'ice_lite', 'ice_tcp', 'ignore_mdns', 'nat_1_1_mapping', 'keep_private_host', 'turn_server', 'turn_port',
    'turn_type', 'turn_user', 'turn_pwd', 'turn_rest_api', 'turn_rest_api_key', 'turn_rest_api_method',
    'turn_rest_api_timeout', 'allow_force_relay', 'ice_enforce_list', 'ice_ignore_list',
    'ignore_unreachable_ice_server',
  ],
  plugins: ['disable', 'load'],
  transports: ['disable', 'load'],
  loggers: ['disable', 'load'],
  events: ['broadcast', 'disable', 'load', 'stats_period', 'combine_media_stats'],
  metrics: ['enabled', 'ip', 'port', 'path', 'username', 'password', 'default_metrics'],
};

/** janus.jcfg `metrics`: the Prometheus endpoint, with /healthz and /readyz on the same port. */
export interface MetricsSettings {
  enabled: boolean;
  ip: string;
  port: number;
  path: string;
  /** Basic auth: both set, or none. */
  username?: string;
  password?: string;
  /** Node process metrics (CPU, memory, GC, handles) next to ours. */
  defaultMetrics: boolean;
}

/**
 * The core's settings from janus.jcfg (after CLI overrides). Mutable: the Admin API's `set_*`
 * requests change them live.
 */
export class Settings {
  serverName = 'MyJanusInstance';
  configsFolder = 'conf';
  debugLevel = 4;
  debugTimestamps = false;
  debugColors = true;
  lockingDebug = false;
  refcountDebug = false;
  libniceDebug = false;
  logToStdout = true;
  logToFile?: string;
  pidFile?: string;
  apiSecret?: string;
  tokenAuth = false;
  tokenAuthSecret?: string;
  adminSecret?: string;
  interface?: string;
  sessionTimeout = 60;
  candidatesTimeout = 45;
  reclaimSessionTimeout = 0;
  acceptNewSessions = true;
  opaqueIdInApi = false;
  hideDependencies = false;
  exitOnDlError = false;
  eventLoops = 0;
  allowLoopIndication = false;
  noWebrtcEncryption = false;
  protectedFolders: string[] = [];
  // media
  ipv6 = false;
  ipv6LinkLocal = false;
  minNackQueue = 200;
  rtpPortRange?: [number, number];
  dtlsMtu = 1200;
  /** `dtls_timeout` (ms) when configured; werift's handshake timers are fixed (see media/werift-limits.ts). */
  dtlsTimeout?: number;
  noMediaTimer = 1;
  slowlinkThreshold = 0;
  twccPeriod = 200;
  nackOptimizations = false;
  dscp = 0;
  /**
   * `media_workers`: threads running PeerConnections (0 = on the main thread). Default: one per
   * core, or JANUS_MEDIA_WORKERS from the environment (lets CI run a suite in either mode).
   */
  mediaWorkers = defaultMediaWorkers();
  /** `media_affinity`: follow plugins' placement hints (a room's handles on one worker while it has room). */
  mediaAffinity = true;
  /**
   * `native_srtp`: outgoing SRTP (AES-GCM) and its datagram through the bundled native stage when
   * it was built. Default true, or JANUS_NATIVE_SRTP=0 from the environment (CI runs a suite without).
   */
  nativeSrtp = process.env.JANUS_NATIVE_SRTP !== '0';
  // nat
  stunServer?: string;
  stunPort = 3478;
  fullTrickle = false;
  iceLite = false;
  iceTcp = false;
  iceNomination = 'aggressive';
  iceKeepaliveConncheck = false;
  ignoreMdns = false;
  nat11Mapping: string[] = [];
  keepPrivateHost = false;
  turnServer?: string;
  turnPort = 3478;
  turnType = 'udp';
  turnUser?: string;
  turnPwd?: string;
  turnRestApi?: string;
  allowForceRelay = false;
  iceEnforceList: string[] = [];
  iceIgnoreList: string[] = ['vmnet'];
  // modules
  disabledPlugins: string[] = [];
  disabledTransports: string[] = [];
  disabledEventHandlers: string[] = [];
  extraPlugins: string[] = [];
  extraTransports: string[] = [];
  extraEventHandlers: string[] = [];
  eventsBroadcast = false;
  statsPeriod = 1;
  combineMediaStats = false;
  // operations (issue 15)
  /** pino's JSON lines instead of Janus-style text fields (`log_json`). */
  logJson = false;
  /** Seconds a drain (SIGTERM / Admin `drain`) waits for active media before stopping. */
  drainTimeout = 30;
  metrics: MetricsSettings = { enabled: false, ip: '127.0.0.1', port: 9464, path: '/metrics', defaultMetrics: true };

  /** Read janus.jcfg, keeping defaults for what is absent. */
  static fromConfig(cfg: ConfigFile): Settings {
    const s = new Settings();
    const str = (c: string, k: string) => cfg.getString(c, k);
    const int = (c: string, k: string, d: number) => cfg.getInt(c, k) ?? d;
    const bool = (c: string, k: string, d: boolean) => cfg.getBool(c, k, d);
    s.serverName = str('general', 'server_name') ?? s.serverName;
    s.configsFolder = str('general', 'configs_folder') ?? s.configsFolder;
    s.debugLevel = int('general', 'debug_level', s.debugLevel);
    s.debugTimestamps = bool('general', 'debug_timestamps', false);
    s.debugColors = bool('general', 'debug_colors', true);
    s.lockingDebug = bool('general', 'debug_locks', false);
    s.logToStdout = bool('general', 'log_to_stdout', true);
    s.logToFile = str('general', 'log_to_file');
    s.pidFile = str('general', 'pid_file');
    s.apiSecret = str('general', 'api_secret');
    s.tokenAuth = bool('general', 'token_auth', false);
    s.tokenAuthSecret = str('general', 'token_auth_secret');
    s.adminSecret = str('general', 'admin_secret');
    s.interface = str('general', 'interface');
    s.sessionTimeout = Math.max(0, int('general', 'session_timeout', s.sessionTimeout));
    const ct = int('general', 'candidates_timeout', s.candidatesTimeout);
    if (ct > 0) s.candidatesTimeout = ct; // 0 is invalid and ignored, as in Janus
    s.reclaimSessionTimeout = Math.max(0, int('general', 'reclaim_session_timeout', 0));
    s.opaqueIdInApi = bool('general', 'opaqueid_in_api', false);
    s.hideDependencies = bool('general', 'hide_dependencies', false);
    s.exitOnDlError = bool('general', 'exit_on_dl_error', false);
    s.eventLoops = int('general', 'event_loops', 0);
    s.allowLoopIndication = bool('general', 'allow_loop_indication', false);
    s.noWebrtcEncryption = bool('general', 'no_webrtc_encryption', false);
    s.protectedFolders = cfg.getList('general', 'protected_folders');

    s.ipv6 = bool('media', 'ipv6', false);
    s.ipv6LinkLocal = bool('media', 'ipv6_linklocal', false);
    s.minNackQueue = int('media', 'min_nack_queue', s.minNackQueue);
    s.rtpPortRange = parsePortRange(str('media', 'rtp_port_range'));
    s.dtlsMtu = int('media', 'dtls_mtu', s.dtlsMtu);
    s.dtlsTimeout = cfg.getInt('media', 'dtls_timeout') ?? undefined;
    s.noMediaTimer = Math.max(0, int('media', 'no_media_timer', s.noMediaTimer));
    s.slowlinkThreshold = Math.max(0, int('media', 'slowlink_threshold', 0));
    s.twccPeriod = int('media', 'twcc_period', s.twccPeriod);
    s.nackOptimizations = bool('media', 'nack_optimizations', false);
    s.dscp = int('media', 'dscp', cfg.getInt('media', 'dscp_tos') ?? 0);
    s.mediaWorkers = Math.max(0, Math.min(64, int('media', 'media_workers', s.mediaWorkers)));
    s.mediaAffinity = bool('media', 'media_affinity', true);
    s.nativeSrtp = bool('media', 'native_srtp', s.nativeSrtp);

    s.stunServer = str('nat', 'stun_server');
    s.stunPort = int('nat', 'stun_port', s.stunPort);
    s.fullTrickle = bool('nat', 'full_trickle', false);
    s.iceLite = bool('nat', 'ice_lite', false);
    s.iceTcp = bool('nat', 'ice_tcp', false);
    s.iceNomination = str('nat', 'ice_nomination') ?? s.iceNomination;
    s.iceKeepaliveConncheck = bool('nat', 'ice_keepalive_conncheck', false);
    s.ignoreMdns = bool('nat', 'ignore_mdns', false);
    s.nat11Mapping = cfg.getList('nat', 'nat_1_1_mapping');
    s.keepPrivateHost = bool('nat', 'keep_private_host', false);
    s.turnServer = str('nat', 'turn_server');
    s.turnPort = int('nat', 'turn_port', s.turnPort);
    s.turnType = str('nat', 'turn_type') ?? s.turnType;
    s.turnUser = str('nat', 'turn_user');
    s.turnPwd = str('nat', 'turn_pwd');
    s.turnRestApi = str('nat', 'turn_rest_api');
    s.allowForceRelay = bool('nat', 'allow_force_relay', false);
    s.iceEnforceList = cfg.getList('nat', 'ice_enforce_list');
    if (cfg.getRaw('nat', 'ice_ignore_list') !== undefined) s.iceIgnoreList = cfg.getList('nat', 'ice_ignore_list');

    s.disabledPlugins = cfg.getList('plugins', 'disable');
    s.disabledTransports = cfg.getList('transports', 'disable');
    s.disabledEventHandlers = cfg.getList('events', 'disable');
    s.extraPlugins = cfg.getList('plugins', 'load');
    s.extraTransports = cfg.getList('transports', 'load');
    s.extraEventHandlers = cfg.getList('events', 'load');
    s.eventsBroadcast = bool('events', 'broadcast', false);
    s.statsPeriod = Math.max(0, int('events', 'stats_period', 1));
    s.combineMediaStats = bool('events', 'combine_media_stats', false);

    s.logJson = bool('general', 'log_json', false);
    s.drainTimeout = Math.max(0, int('general', 'drain_timeout', s.drainTimeout));
    const mpath = str('metrics', 'path') ?? '/metrics';
    s.metrics = {
      enabled: bool('metrics', 'enabled', false),
      ip: str('metrics', 'ip') ?? '127.0.0.1',
      port: int('metrics', 'port', 9464),
      path: mpath.startsWith('/') ? mpath : `/${mpath}`,
      username: str('metrics', 'username'),
      password: str('metrics', 'password'),
      defaultMetrics: bool('metrics', 'default_metrics', true),
    };
    return s;
  }
}

function defaultMediaWorkers(): number {
  const env = process.env.JANUS_MEDIA_WORKERS;
  if (env !== undefined && /^\d+$/.test(env)) return parseInt(env, 10);
  return os.availableParallelism();
}

/** `"min-max"`, swapped if reversed, max 0 meaning 65535 (as Janus). */
export function parsePortRange(v: string | undefined): [number, number] | undefined {
  if (!v) return undefined;
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(v);
  if (!m) return undefined;
  let lo = parseInt(m[1], 10);
  let hi = parseInt(m[2], 10);
  if (hi === 0) hi = 65535;
  if (lo > hi) [lo, hi] = [hi, lo];
  return [lo, Math.min(hi, 65535)];
}
