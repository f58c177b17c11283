import { isJsonInteger, isJsonObject, janusErrorText, type JanusMessage } from './plugin-api';

/** `{janus, session_id?, transaction?}` in Janus's key order (session_id only when > 0). */
export function reply(janus: string, sessionId: number, transaction: string | undefined): JanusMessage {
  const m: JanusMessage = { janus };
  if (sessionId > 0) m.session_id = sessionId;
  if (transaction !== undefined) m.transaction = transaction;
  return m;
}

/** A Janus `error` reply; without a reason the code's default text is used. */
export function errorReply(sessionId: number, transaction: string | undefined, code: number, reason?: string): JanusMessage {
  const m = reply('error', sessionId, transaction);
  m.error = { code, reason: reason ?? janusErrorText[code] ?? 'Unknown error' };
  return m;
}

/** IDs of a request as Janus reads them: integers only, anything else (or null) counts as absent. */
export function requestIds(root: unknown): { sessionId: number; handleId: number; hasHandle: boolean } {
  if (!isJsonObject(root)) return { sessionId: 0, handleId: 0, hasHandle: false };
  const s = root.session_id;
  const h = root.handle_id;
  return {
    sessionId: isJsonInteger(s) ? s : 0,
    handleId: isJsonInteger(h) ? h : 0,
    hasHandle: h !== undefined && h !== null,
  };
}
