/** VideoRoom error codes (the same numbers in Janus 0.x and 1.x) and the error type requests throw. */
import { validateParams, type JsonObject, type ParamSpec } from '../../core/plugin-api';

export const VrErrorCode = {
  UNKNOWN_ERROR: 499,
  NO_MESSAGE: 421,
  INVALID_JSON: 422,
  INVALID_REQUEST: 423,
  JOIN_FIRST: 424,
  ALREADY_JOINED: 425,
  NO_SUCH_ROOM: 426,
  ROOM_EXISTS: 427,
  NO_SUCH_FEED: 428,
  MISSING_ELEMENT: 429,
  INVALID_ELEMENT: 430,
  INVALID_SDP_TYPE: 431,
  PUBLISHERS_FULL: 432,
  UNAUTHORIZED: 433,
  ALREADY_PUBLISHED: 434,
  NOT_PUBLISHED: 435,
  ID_EXISTS: 436,
  INVALID_SDP: 437,
} as const;

/** A request failure: answered as `{"videoroom":"event","error_code":code,"error":text}`. */
export class VrError extends Error {
  constructor(
    readonly code: number,
    text: string,
  ) {
    super(text);
    this.name = 'VrError';
  }
}

/** The reply body for an error, as Janus writes it. */
export function errorBody(err: unknown): JsonObject {
  if (err instanceof VrError) return { videoroom: 'event', error_code: err.code, error: err.message };
  return { videoroom: 'event', error_code: VrErrorCode.UNKNOWN_ERROR, error: (err as Error)?.message ?? 'Unknown error' };
}

/** Validate fields with Janus's texts and the VideoRoom codes (429 missing, 430 wrong type). */
export function checkParams(body: JsonObject, params: readonly ParamSpec[]): void {
  const f = validateParams(body, params, VrErrorCode.MISSING_ELEMENT, VrErrorCode.INVALID_ELEMENT);
  if (f) throw new VrError(f.code, f.reason);
}

export function unauthorized(what: string): VrError {
  return new VrError(VrErrorCode.UNAUTHORIZED, `Unauthorized (${what})`);
}
