import type { TransportClient } from './transport';

/**
 * Transport instance ids: the `id` event handlers see for a transport connection or request
 * (Janus hashes the pointer of its transport session). One generator for the core and every
 * transport, so ids never collide between them.
 */
let next = 1;

/** A fresh decimal id (a multiplicative hash of a counter: unique, not guessable at a glance). */
export function newTransportInstanceId(): string {
  return String((next++ * 2654435761) % 4294967296);
}

const byClient = new WeakMap<TransportClient, string>();

/** The stable id of a transport client (one per connection): given on first use, kept after. */
export function transportInstanceId(client: TransportClient): string {
  let id = byClient.get(client);
  if (!id) byClient.set(client, (id = newTransportInstanceId()));
  return id;
}
