import * as path from 'node:path';
import type { ModuleKind } from '../plugin-api';

/**
 * Our built-in modules, with the Janus library file each one stands for, so a stock janus.jcfg
 * `disable = "libjanus_rabbitmq.so,..."` list disables the same things here.
 */
export interface BuiltinModule {
  readonly kind: ModuleKind;
  readonly package: string;
  readonly library: string;
  /** Folder (relative to the build root) holding the module's index. */
  readonly dir: string;
}

export const builtinModules: readonly BuiltinModule[] = [
  { kind: 'transport', package: 'janus.transport.http', library: 'libjanus_http.so', dir: 'transports/http' },
  { kind: 'transport', package: 'janus.transport.websockets', library: 'libjanus_websockets.so', dir: 'transports/websockets' },
  { kind: 'transport', package: 'janus.transport.rabbitmq', library: 'libjanus_rabbitmq.so', dir: 'transports/rabbitmq' },
  { kind: 'transport', package: 'janus.transport.mqtt', library: 'libjanus_mqtt.so', dir: 'transports/mqtt' },
  { kind: 'plugin', package: 'janus.plugin.echotest', library: 'libjanus_echotest.so', dir: 'plugins/echotest' },
  { kind: 'plugin', package: 'janus.plugin.videoroom', library: 'libjanus_videoroom.so', dir: 'plugins/videoroom' },
  { kind: 'plugin', package: 'janus.plugin.recordplay', library: 'libjanus_recordplay.so', dir: 'plugins/recordplay' },
  { kind: 'plugin', package: 'janus.plugin.audiobridge', library: 'libjanus_audiobridge.so', dir: 'plugins/audiobridge' },
  { kind: 'eventhandler', package: 'janus.eventhandler.sampleevh', library: 'libjanus_sampleevh.so', dir: 'eventhandlers/sample' },
  { kind: 'eventhandler', package: 'janus.eventhandler.wsevh', library: 'libjanus_wsevh.so', dir: 'eventhandlers/websockets' },
  { kind: 'eventhandler', package: 'janus.eventhandler.rabbitmqevh', library: 'libjanus_rabbitmqevh.so', dir: 'eventhandlers/rabbitmq' },
  { kind: 'eventhandler', package: 'janus.eventhandler.mqttevh', library: 'libjanus_mqttevh.so', dir: 'eventhandlers/mqtt' },
];

/** Compiled root (`dist/`): this file lives in dist/core/modules. */
export const buildRoot = path.resolve(__dirname, '..', '..');

/** True when a `disable` entry names this module (library file name or package, case-insensitive). */
export function isDisabled(disabled: readonly string[], pkg: string, library?: string): boolean {
  const names = [pkg.toLowerCase(), library?.toLowerCase()];
  return disabled.some((d) => names.includes(d.trim().toLowerCase()));
}
