import { cascadeSpec } from './cascade-suite';

// The reference: the cascade backend driving two real Janus 1.1.2 instances. What B's participants
// and subscribers get when the source publisher leaves was observed here (docs/cascading.md).
cascadeSpec(__filename, [{ a: 'janus', b: 'janus', subscribers: 3, failures: true, base: 21300 }]);
