/** AudioBridge error codes (as Janus 1.1.x numbers them) and the error type requests throw. */
import { validateParams, type JsonObject, type ParamSpec } from '../../core/plugin-api';

export const AbErrorCode = {
  UNKNOWN_ERROR: 499,
  NO_MESSAGE: 480,
  INVALID_JSON: 481,
  INVALID_REQUEST: 482,
  MISSING_ELEMENT: 483,
  INVALID_ELEMENT: 484,
  NO_SUCH_ROOM: 485,
  ROOM_EXISTS: 486,
  NOT_JOINED: 487,
  LIBOPUS_ERROR: 488,
  UNAUTHORIZED: 489,
  ID_EXISTS: 490,
  ALREADY_JOINED: 491,
  NO_SUCH_USER: 492,
  INVALID_SDP: 493,
  NO_SUCH_GROUP: 494,
} as const;

/** A request failure: answered as `{"audiobridge":"event","error_code":code,"error":text}`. */
export class AbError extends Error {
  constructor(
    readonly code: number,
    text: string,
  ) {
    super(text);
    this.name = 'AbError';
  }
}

export function errorBody(err: unknown): JsonObject {
  if (err instanceof AbError) return { audiobridge: 'event', error_code: err.code, error: err.message };
  return { audiobridge: 'event', error_code: AbErrorCode.UNKNOWN_ERROR, error: (err as Error)?.message ?? 'Unknown error' };
}

/** Validate fields with Janus's texts and the AudioBridge codes (483 missing, 484 wrong type). */
export function checkParams(body: JsonObject, params: readonly ParamSpec[]): void {
  const f = validateParams(body, params, AbErrorCode.MISSING_ELEMENT, AbErrorCode.INVALID_ELEMENT);
  if (f) throw new AbError(f.code, f.reason);
}

/**
 * Janus's secret check: when `secret` is set, `member` must be a string equal to it
 * (483 missing, 484 not a string, 489 "Unauthorized (wrong <member>)").
 */
export function checkSecret(secret: string | undefined, body: JsonObject, member: string): void {
  if (!secret) return;
  checkParams(body, [{ name: member, type: 'string', required: true }]);
  if (body[member] !== secret) throw new AbError(AbErrorCode.UNAUTHORIZED, `Unauthorized (wrong ${member})`);
}
