import type { JanusMessage, JsonParseResult } from '../../core/plugin-api';

/**
 * What a broker transport answers for a payload that is not JSON, as measured on the real
 * Janus 1.1.2 over RabbitMQ and MQTT:
 * - Janus API: 454 worded like its WebSocket transport with the source named `<buffer>`, e.g.
 *   `Invalid Janus API request - <buffer>(1,16): string or '}' expected near end of file`
 *   (an empty payload reports column 1);
 * - Admin API: 456 `Missing mandatory element (transaction)` (Janus checks the transaction of the
 *   missing object before anything else there).
 */
export function parseErrorReply(admin: boolean, parsed: Extract<JsonParseResult, { ok: false }>, payload: string): JanusMessage {
  if (admin) return { janus: 'error', error: { code: 456, reason: 'Missing mandatory element (transaction)' } };
  const column = payload.trim() === '' ? Math.max(1, parsed.column) : parsed.column;
  return {
    janus: 'error',
    error: { code: 454, reason: `Invalid Janus API request - <buffer>(${parsed.line},${column}): ${parsed.text}` },
  };
}
