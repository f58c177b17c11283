import { describeCascade } from './cascade-suite';

// Interop with Janus 1.1.2 through the remote-publisher requests only, both ways.
describeCascade({ a: 'janus', b: 'ours', subscribers: 3, failures: false, base: 21500 });
describeCascade({ a: 'ours', b: 'janus', subscribers: 3, failures: false, base: 21600 });
