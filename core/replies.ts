import { JanusError, isIntegerAt, isJsonObject, janusErrorText, type IncomingRequest, type JanusMessage, type ModuleLogger } from './plugin-api';

/** `{janus, session_id?, transaction?}` in Janus's key order (session_id only when non-zero). */
export function reply(janus: string, sessionId: number, transaction: string | undefined): JanusMessage {
  const m: JanusMessage = { janus };
  if (sessionId !== 0) m.session_id = sessionId;
  if (transaction !== undefined) m.transaction = transaction;
  return m;
}

/** A Janus `error` reply; without a reason the code's default text is used. */
export function errorReply(sessionId: number, transaction: string | undefined, code: number, reason?: string): JanusMessage {
  const m = reply('error', sessionId, transaction);
  m.error = { code, reason: reason ?? janusErrorText[code] ?? 'Unknown error' };
  return m;
}

/**
 * IDs of a request as Janus reads them: integers only; anything else counts as 0, `null` as
 * absent. Janus keeps them unsigned, so a negative ID is a (huge) non-zero one.
 */
export function requestIds(root: unknown): { sessionId: number; handleId: number; hasHandle: boolean } {
  if (!isJsonObject(root)) return { sessionId: 0, handleId: 0, hasHandle: false };
  const s = root.session_id;
  const h = root.handle_id;
  return {
    // `1.0` is a real for Janus (json_integer_value gives 0)
    sessionId: isIntegerAt(root, 'session_id') ? (s as number) : 0,
    handleId: isIntegerAt(root, 'handle_id') ? (h as number) : 0,
    hasHandle: h !== undefined && h !== null,
  };
}

/** An ID as Janus prints it (unsigned 64-bit): -1 is 18446744073709551615. */
export function idText(id: number): string {
  return id >= 0 ? String(id) : (2n ** 64n + BigInt(id)).toString();
}

/**
 * Run `process` for a request and send its reply exactly once; a JanusError becomes its error
 * reply, anything else a 490 (logged). `after` runs once the reply is out.
 */
export async function answer(
  req: IncomingRequest,
  process: () => Promise<JanusMessage>,
  log: ModuleLogger,
  after?: () => void,
): Promise<void> {
  let out: JanusMessage;
  try {
    out = await process();
  } catch (err) {
    const { sessionId } = requestIds(req.message);
    const tx = isJsonObject(req.message) && typeof req.message.transaction === 'string' ? req.message.transaction : undefined;
    if (err instanceof JanusError) out = errorReply(sessionId, tx, err.code, err.message);
    else {
      log.error({ err }, 'Unexpected failure processing a request');
      out = errorReply(sessionId, tx, 490, (err as Error)?.message ?? 'Unknown error');
    }
  }
  try {
    req.reply(out);
  } finally {
    after?.();
  }
}
