/** Programmatic entry: start a server in-process (tests, embedding). */
export { JanusServer, type ServerOptions } from './server';
export { Settings } from './config/settings';
export type { ConfigOverrides } from './config/config-store';
export * from './plugin-api';
