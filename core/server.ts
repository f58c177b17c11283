import 'reflect-metadata';
import * as path from 'node:path';
import { container as rootContainer, Lifecycle, type DependencyContainer } from 'tsyringe';
import { AdminApi } from './admin-api';
import { Auth } from './auth';
import { ConfigFile } from './config/config-file';
import { ConfigStore, type ConfigOverrides } from './config/config-store';
import { JcfgModuleStore } from './config/module-config-store';
import { JcfgSyntaxError } from './config/jcfg';
import { knownJanusKeys, Settings } from './config/settings';
import { EventBus } from './events/event-bus';
import { Faults } from './faults';
import { Gateway } from './gateway';
import { JanusApi } from './janus-api';
import { Logger } from './logger';
import { MEDIA_PORT, type MediaPort } from './media/media-port';
import { WorkerMediaPort } from './media-workers/worker-media-port';
import { SignallingOnlyMedia } from './media/signalling-only';
import { WeriftMedia } from './media/werift-media';
import { Drain } from './metrics/drain';
import { MetricsEndpoint } from './metrics/http-endpoint';
import { JanusMetrics } from './metrics/janus-metrics';
import { loadModules } from './modules/loader';
import { ModuleRegistry } from './modules/registry';
import { ServerInfo } from './server-info';
import { Sessions } from './sessions';
import { Recorder } from './recording/recorder';
import {
  EventType,
  type EventHandler,
  type ModuleContext,
  type Plugin,
  type PluginContext,
  type Transport,
  type TransportContext,
} from './plugin-api';

export interface ServerOptions {
  /** Janus `-F`: where janus.jcfg and the module configs are. */
  configsFolder: string;
  /** Janus `-C`: the main config file (default `<configsFolder>/janus.jcfg`). */
  configFile?: string;
  /** Per-file overrides (`--set`), e.g. `{ 'janus.transport.http': { 'general.port': 18088 } }`. */
  overrides?: ConfigOverrides;
  /** Applied to the settings after janus.jcfg is read (CLI flags). */
  settings?: (s: Settings) => void;
  /** The media stack; the werift WebRTC stack when absent. */
  media?: MediaPort;
  /** No media stack at all (API-only deployments and tests): JSEP passes through after Janus's checks. */
  signallingOnly?: boolean;
}

/**
 * One server instance: reads the configuration, wires the core in its own DI container, loads
 * event handlers, plugins and transports, and tears it all down on `stop`.
 */
export class JanusServer {
  private stopped = false;
  private endpoint?: MetricsEndpoint;
  private resolveStopped!: () => void;
  /** Resolves once the server stopped (a signal, an Admin `drain`, or `stop`). */
  readonly whenStopped = new Promise<void>((r) => (this.resolveStopped = r));
  /** The metrics endpoint's port when enabled (useful with port 0). */
  metricsPort?: number;
  /** Folder of each loaded module's entry file → its package (to tell which module a stack trace blames). */
  readonly moduleDirs = new Map<string, string>();
  private constructor(
    readonly container: DependencyContainer,
    readonly settings: Settings,
    readonly logger: Logger,
    readonly modules: ModuleRegistry,
  ) {}

  /** Start a server. Rejects with JcfgSyntaxError (bad janus.jcfg) or Error (nothing to serve). */
  static async start(opts: ServerOptions): Promise<JanusServer> {
    const store = new ConfigStore(opts.configsFolder, opts.overrides, undefined, opts.configFile);
    const main = store.load('janus');
    const settings = Settings.fromConfig(main);
    settings.configsFolder = opts.configsFolder;
    opts.settings?.(settings);
    const logger = new Logger({
      level: settings.debugLevel,
      file: settings.logToFile,
      stdout: settings.logToStdout,
      timestamps: settings.debugTimestamps,
      colors: settings.debugColors,
      json: settings.logJson,
    });
    const log = logger.child('core');
    const checked = new ConfigFile(main.file, main.root, main.loaded, log);
    for (const [cat, keys] of Object.entries(knownJanusKeys)) checked.warnUnknown(cat, keys);
    if (!main.loaded) log.warn({ file: main.file }, 'No janus.jcfg found, using defaults');

    const c = rootContainer.createChildContainer();
    c.registerInstance(Settings, settings);
    c.registerInstance(Logger, logger);
    if (opts.media) c.registerInstance(MEDIA_PORT, opts.media);
    else if (opts.signallingOnly) c.registerInstance(MEDIA_PORT, new SignallingOnlyMedia());
    else if (settings.mediaWorkers > 0) c.register(MEDIA_PORT, { useClass: WorkerMediaPort }, { lifecycle: Lifecycle.Singleton });
    else c.register(MEDIA_PORT, { useClass: WeriftMedia }, { lifecycle: Lifecycle.Singleton });
    for (const cls of [Faults, EventBus, Recorder, Auth, Sessions, ModuleRegistry, ServerInfo, JanusMetrics, Drain, JanusApi, AdminApi, Gateway]) {
      c.registerSingleton(cls as never);
    }
    // janus.jcfg `recordings_tmp_ext`: recordings are `.mjr.<ext>` while written
    c.resolve(Recorder).tmpExt = main.getString('general', 'recordings_tmp_ext') || undefined;
    const server = new JanusServer(c, settings, logger, c.resolve(ModuleRegistry));
    c.resolve(Drain).onDrained = () => server.stop(server.drainSignal);
    try {
      await server.load(store);
      await server.startMetrics();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  private moduleConfig(store: ConfigStore, pkg: string, log: ReturnType<Logger['child']>): ConfigFile {
    try {
      return store.load(pkg);
    } catch (err) {
      if (!(err instanceof JcfgSyntaxError)) throw err;
      // as Janus: a module whose file does not parse runs on its defaults (usually disabled)
      log.error({ file: err.file, line: err.line, column: err.column, reason: err.reason }, 'Config file does not parse, module uses defaults');
      return new ConfigFile(err.file, {}, false);
    }
  }

  private drainSignal = 0;

  get isDraining(): boolean {
    return this.container.resolve(Drain).active;
  }

  /** The operations endpoint (/metrics, /healthz, /readyz) when `metrics.enabled`. */
  private async startMetrics(): Promise<void> {
    const cfg = this.settings.metrics;
    if (!cfg.enabled) return;
    const metrics = this.container.resolve(JanusMetrics);
    if (cfg.defaultMetrics) metrics.enableDefaultMetrics();
    this.endpoint = new MetricsEndpoint(cfg, metrics, this.logger.child('metrics'));
    this.metricsPort = await this.endpoint.start();
  }

  /**
   * Graceful drain (SIGTERM, Admin `drain`): see core/metrics/drain.ts. Resolves once stopped;
   * a second call ends the wait for active media at once.
   */
  drain(signum = 0): Promise<void> {
    const d = this.container.resolve(Drain);
    if (d.active) {
      d.hurry();
      return this.whenStopped;
    }
    this.drainSignal = signum;
    void d.start(signum ? 'signal' : 'api');
    return this.whenStopped;
  }

  private async load(store: ConfigStore): Promise<void> {
    const c = this.container;
    const s = this.settings;
    const log = this.logger.child('core');
    const bus = c.resolve(EventBus);
    const base = (pkg: string): ModuleContext => {
      const mlog = this.logger.child(pkg);
      const config = this.moduleConfig(store, pkg, mlog);
      return {
        config: new ConfigFile(config.file, config.root, config.loaded, mlog),
        configStore: new JcfgModuleStore(config.file, mlog),
        configsFolder: s.configsFolder,
        logger: mlog,
        serverName: s.serverName,
      };
    };

    if (s.eventsBroadcast) {
      const handlers = await loadModules<EventHandler>({
        kind: 'eventhandler', disabled: s.disabledEventHandlers, extra: s.extraEventHandlers,
        configsFolder: s.configsFolder, log, exitOnError: s.exitOnDlError, context: base,
      });
      for (const h of handlers.loaded) {
        this.modules.eventHandlers.set(h.info.package, h);
        bus.addHandler(h);
      }
    }

    const auth = c.resolve(Auth);
    const plugins = await loadModules<Plugin>({
      kind: 'plugin', disabled: s.disabledPlugins, extra: s.extraPlugins,
      configsFolder: s.configsFolder, log, exitOnError: s.exitOnDlError,
      context: (pkg): PluginContext => ({
        ...base(pkg),
        eventsEnabled: () => bus.wants(EventType.PLUGIN),
        notifyEvent: (event) => bus.emit({ type: EventType.PLUGIN, event: { plugin: pkg, data: event } }),
        authIsSigned: () => auth.isSigned(),
        authIsSignatureValid: (token) => auth.isSignatureValid(pkg, token),
        authSignatureContains: (token, d) => auth.signatureContains(pkg, token, d),
      }),
    });
    for (const p of plugins.loaded) this.modules.plugins.set(p.info.package, p);

    const gateway = c.resolve(Gateway);
    const transports = await loadModules<Transport>({
      kind: 'transport', disabled: s.disabledTransports, extra: s.extraTransports,
      configsFolder: s.configsFolder, log, exitOnError: s.exitOnDlError,
      context: (pkg): TransportContext => ({ ...base(pkg), gateway }),
    });
    for (const t of transports.loaded) this.modules.transports.set(t.info.package, t);
    if (![...this.modules.transports.values()].some((t) => t.isJanusApiEnabled())) {
      throw new Error('No Janus API transport is available: enable at least one in its config file');
    }

    this.mapModuleDirs();
    c.resolve(Sessions).startWatchdog();
    log.info(
      {
        transports: [...this.modules.transports.keys()],
        plugins: [...this.modules.plugins.keys()],
        eventhandlers: [...this.modules.eventHandlers.keys()],
      },
      'Janus-compatible server started',
    );
    bus.emit({ type: EventType.CORE, subtype: 1, event: { status: 'started', info: c.resolve(ServerInfo).build() } });
  }

  private mapModuleDirs(): void {
    const all = [...this.modules.plugins.values(), ...this.modules.transports.values(), ...this.modules.eventHandlers.values()];
    for (const mod of Object.values(require.cache)) {
      const exp = mod?.exports as { default?: unknown } | undefined;
      const ctor = exp?.default ?? exp;
      const m = all.find((x) => x.constructor === ctor);
      if (m && mod) this.moduleDirs.set(path.dirname(mod.filename) + path.sep, m.info.package);
    }
  }

  /**
   * Graceful stop: sessions destroyed (handles detached), transports closed, modules destroyed.
   * `signum` goes in the core shutdown event (Janus: the signal that stopped it; 0 otherwise).
   */
  async stop(signum = 0): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.container.resolve(Drain).hurry();
    const log = this.logger.child('core');
    const c = this.container;
    const bus = c.resolve(EventBus);
    bus.emit({ type: EventType.CORE, subtype: 2, event: { status: 'shutdown', signum } });
    // as Janus: the shutdown event is the last one handlers get (no session/handle events follow)
    bus.close();
    await c.resolve(Sessions).shutdown();
    const safely = async (what: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (err) {
        log.error({ err, module: what }, 'Error while stopping');
      }
    };
    for (const t of this.modules.transports.values()) await safely(t.info.package, () => t.destroy());
    for (const p of this.modules.plugins.values()) await safely(p.info.package, () => p.destroy());
    await new Promise((r) => setImmediate(r)); // let the bus deliver the shutdown event
    for (const h of this.modules.eventHandlers.values()) await safely(h.info.package, () => h.destroy());
    await safely('media', () => c.resolve<MediaPort>(MEDIA_PORT).close());
    await safely('metrics', () => this.endpoint?.stop());
    c.resolve(JanusMetrics).stop();
    await safely('recorder', () => c.resolve(Recorder).closeAll());
    log.info('Server stopped');
    this.logger.flush();
    this.resolveStopped();
  }
}
