/**
 * The public plugin API: everything a transport, media plugin or event handler may depend on.
 * Third-party modules import from `janus-ts/plugin-api` (this file) and nothing else of the core.
 */
export * from './module';
export * from './messages';
export * from './errors';
export * from './media';
export * from './transport';
export * from './plugin';
export * from './eventhandler';

/** A module's default export: a class with a no-argument constructor. */
export type ModuleClass<T> = new () => T;
export * from './validate';
export * from './json-format';
export * from './json-parse';
export * from './rtp';
export * from './rtcp';
export * from './rtp-extensions';
export * from './vp8';
export * from './vp9';
export * from './simulcast';
export * from './svc';
export * from './media-route';
export * from './layer-relay';
export * from './recorder';
export { readMjr } from '../recording/mjr-reader';
export * from './untrusted';
export * from './backoff';
export * from './instance-id';
export * from './srtp';
