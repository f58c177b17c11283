/** JSON shapes that cross the Janus API, as plain TypeScript types. */

/** Any JSON object on the wire. */
export type JsonObject = { [key: string]: unknown };

/** A message the core sends to a client: a reply (`success`, `ack`, `error`, ...) or an event. */
export interface JanusMessage extends JsonObject {
  janus: string;
}

/** JSEP as a client sends it with a `message` (`jsep` field). */
export interface ClientJsep {
  type: string;
  sdp: string;
  trickle?: boolean;
  rid_order?: 'hml' | 'lmh';
  force_relay?: boolean;
  e2ee?: boolean;
  svc?: unknown[];
}
