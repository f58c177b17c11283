/** The Janus version whose API we speak (clients gate features on it), and our own. */
export const JANUS_VERSION = 1102;
export const JANUS_VERSION_STRING = '1.1.2';
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const OUR_VERSION: string = require('../../package.json').version;
