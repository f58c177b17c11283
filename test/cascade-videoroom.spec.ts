import { cascadeSpec } from './cascade-suite';

// Two of our instances + RabbitMQ: publisher (simulcast) on A, 50 subscribers on B.
cascadeSpec(__filename, [{ a: 'ours', b: 'ours', subscribers: 50, failures: true, base: 21400 }]);
