import { inject, injectable } from 'tsyringe';
import { Settings } from './config/settings';
import { EventBus } from './events/event-bus';
import { ModuleRegistry } from './modules/registry';
import type { JanusMessage } from './plugin-api';
import { JANUS_VERSION, JANUS_VERSION_STRING, OUR_VERSION } from './version';

/** Builds the `server_info` reply of `info` (Janus API and Admin API alike). */
@injectable()
export class ServerInfo {
  private readonly started = new Date().toISOString();

  constructor(
    @inject(Settings) private readonly settings: Settings,
    @inject(ModuleRegistry) private readonly modules: ModuleRegistry,
    @inject(EventBus) private readonly events: EventBus,
  ) {}

  /** Janus API `info` reply; without `transaction` it is the body of the core startup event. */
  build(transaction?: string): JanusMessage {
    const s = this.settings;
    const info: JanusMessage = {
      janus: 'server_info',
      ...(transaction !== undefined ? { transaction } : {}),
      name: 'Janus WebRTC Server',
      version: JANUS_VERSION,
      version_string: JANUS_VERSION_STRING,
      author: 'janus-ts',
      'commit-hash': `janus-ts ${OUR_VERSION}`,
      'compile-time': this.started,
      'log-to-stdout': s.logToStdout,
      'log-to-file': !!s.logToFile,
      ...(s.logToFile ? { 'log-path': s.logToFile } : {}),
      data_channels: true,
      'accepting-new-sessions': s.acceptNewSessions,
      'session-timeout': s.sessionTimeout,
      'reclaim-session-timeout': s.reclaimSessionTimeout,
      'candidates-timeout': s.candidatesTimeout,
      'server-name': s.serverName,
      'local-ip': s.interface ?? '127.0.0.1',
      ...(s.nat11Mapping.length === 1 ? { 'public-ip': s.nat11Mapping[0] } : {}),
      ...(s.nat11Mapping.length > 1 ? { 'public-ip': s.nat11Mapping[0], 'public-ips': s.nat11Mapping } : {}),
      ipv6: s.ipv6,
      ...(s.ipv6 ? { 'ipv6-link-local': s.ipv6LinkLocal } : {}),
      'ice-lite': s.iceLite,
      'ice-tcp': s.iceTcp,
      'ice-nomination': s.iceNomination,
      'ice-keepalive-conncheck': s.iceKeepaliveConncheck,
      'full-trickle': s.fullTrickle,
      'mdns-enabled': !s.ignoreMdns,
      'min-nack-queue': s.minNackQueue,
      'nack-optimizations': s.nackOptimizations,
      'twcc-period': s.twccPeriod,
      ...(s.dscp > 0 ? { dscp: s.dscp } : {}),
      'dtls-mtu': s.dtlsMtu,
      ...(s.stunServer ? { 'stun-server': `${s.stunServer}:${s.stunPort}` } : {}),
      ...(s.turnServer ? { 'turn-server': `${s.turnServer}:${s.turnPort}` } : {}),
      ...(s.allowForceRelay ? { 'allow-force-relay': true } : {}),
      'static-event-loops': s.eventLoops,
      ...(s.eventLoops > 0 ? { 'loop-indication': s.allowLoopIndication } : {}),
      api_secret: !!s.apiSecret,
      auth_token: s.tokenAuth,
      event_handlers: this.events.enabled(),
      opaqueid_in_api: s.opaqueIdInApi,
      ...(s.noWebrtcEncryption ? { webrtc_encryption: false } : {}),
    };
    if (!s.hideDependencies) {
      info.dependencies = { node: process.versions.node, openssl: process.versions.openssl, ...runtimeDeps() };
    }
    info.transports = ModuleRegistry.describe(this.modules.transports.values());
    info.events = ModuleRegistry.describe(this.modules.eventHandlers.values());
    info.loggers = {};
    info.plugins = ModuleRegistry.describe(this.modules.plugins.values());
    return info;
  }
}

function runtimeDeps(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['werift', 'ws', 'pino', 'tsyringe']) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      out[name] = require(`${name}/package.json`).version;
    } catch {
      // not installed or exports hide package.json: leave it out
    }
  }
  return out;
}
