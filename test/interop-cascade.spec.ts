import { cascadeSpec } from './cascade-suite';

// Interop with Janus 1.1.2 through the remote-publisher requests only, both ways.
cascadeSpec(__filename, [
  { a: 'janus', b: 'ours', subscribers: 3, failures: false, base: 21500 },
  { a: 'ours', b: 'janus', subscribers: 3, failures: false, base: 21600 },
]);
