import { isJsonObject, JanusError, prefixedFormats, validateParams, type JsonObject, type ValidationFailure } from '../plugin-api';

/** One trickled candidate as the client sent it (already validated). */
export interface TrickleCandidate {
  candidate: string;
  sdpMid?: string;
  sdpMLineIndex?: number;
}

/** A `trickle` request's payload as the client sent it (exactly one of the two is set). */
export interface TrickleRequest {
  candidate?: unknown;
  candidates?: unknown;
  /** Wall-clock ms when it arrived (queued candidates expire after `candidates_timeout`). */
  received: number;
}

/**
 * Bounds on what a client may make us hold for one handle (Janus has none: 100 trickles of 10k
 * candidates each cost 180 MB that stayed until the handle went). Real clients send a few
 * candidates per m-line; a trickle over a bound is refused with 490 and nothing of it is kept.
 */
export const MAX_QUEUED_TRICKLES = 100;
export const MAX_QUEUED_CANDIDATES = 200;
/** Per request, and in total on one PeerConnection (werift pairs each with every local candidate). */
export const MAX_CANDIDATES_PER_TRICKLE = 200;
export const MAX_REMOTE_CANDIDATES = 1000;

/** How many candidates a request carries, as queued (an array counts its length, else 1). */
export function candidateCount(req: TrickleRequest): number {
  return Array.isArray(req.candidates) ? req.candidates.length : 1;
}

const candidateParams = [
  { name: 'sdpMid', type: 'string' },
  { name: 'sdpMLineIndex', type: 'positiveInteger' },
  { name: 'candidate', type: 'string', required: true },
] as const;
const trickleFormats = prefixedFormats('Trickle error: ');

/** Anything that is not an object, or that has `completed`, ends the candidates (as Janus). */
export function isEndOfCandidates(c: unknown): boolean {
  return !isJsonObject(c) || 'completed' in c;
}

/** Janus's checks on one candidate being applied: types, and an m-line reference. */
export function checkCandidate(c: JsonObject): ValidationFailure | undefined {
  const bad = validateParams(c, candidateParams, 456, 467, trickleFormats);
  if (bad) return bad;
  if (c.sdpMid === undefined && c.sdpMLineIndex === undefined) {
    return { code: 456, reason: 'Trickle error: missing mandatory element (sdpMid or sdpMLineIndex)' };
  }
  return undefined;
}

/**
 * Split a trickle request into good candidates and an end-of-candidates flag. Problems inside a
 * `candidates` array are skipped, as in Janus; a bad single `candidate` is returned as `error`.
 */
export function splitTrickle(req: TrickleRequest): { candidates: TrickleCandidate[]; completed: boolean; error?: ValidationFailure } {
  if (req.candidate !== undefined) {
    if (isEndOfCandidates(req.candidate)) return { candidates: [], completed: true };
    const error = checkCandidate(req.candidate as JsonObject);
    if (error) return { candidates: [], completed: false, error };
    return { candidates: [req.candidate as unknown as TrickleCandidate], completed: false };
  }
  if (!Array.isArray(req.candidates)) {
    return { candidates: [], completed: false, error: { code: 467, reason: 'candidates is not an array' } };
  }
  const out: TrickleCandidate[] = [];
  let completed = false;
  for (const c of req.candidates) {
    if (isEndOfCandidates(c)) completed = true;
    else if (!checkCandidate(c as JsonObject)) out.push(c as unknown as TrickleCandidate);
  }
  return { candidates: out, completed };
}

/** Refuse a request carrying more candidates than one may (490). Returns its candidate count. */
export function checkTrickleSize(req: TrickleRequest): number {
  const n = candidateCount(req);
  if (n > MAX_CANDIDATES_PER_TRICKLE) throw new JanusError(490, `Trickle error: too many candidates in one request (${n}, max ${MAX_CANDIDATES_PER_TRICKLE})`);
  return n;
}

/**
 * The candidates to apply now to a PeerConnection that has `applied` remote candidates already:
 * a bad single candidate throws its JanusError, going over the bound throws 490.
 */
export function trickleToApply(req: TrickleRequest, applied: number): { candidates: TrickleCandidate[]; completed: boolean } {
  const { candidates, completed, error } = splitTrickle(req);
  if (error) throw new JanusError(error.code, error.reason);
  if (applied + candidates.length > MAX_REMOTE_CANDIDATES) {
    throw new JanusError(490, `Trickle error: too many remote candidates for this PeerConnection (max ${MAX_REMOTE_CANDIDATES})`);
  }
  return { candidates, completed };
}

/**
 * Trickles that came before there was a remote description to apply them to (Janus queues them
 * unchecked), bounded, and expiring after `candidates_timeout`. Kept by the in-thread stack, and
 * mirrored on the main thread for a handle in a media worker so its errors stay synchronous.
 */
export class TrickleQueue {
  private queued: TrickleRequest[] = [];
  private candidates = 0;

  /** `timeoutSeconds`: Settings.candidatesTimeout. */
  constructor(private readonly timeoutSeconds: () => number) {}

  get length(): number {
    return this.queued.length;
  }

  /** Queue a request of `n` candidates, or throw 490 (keeping nothing of it) when over a bound. */
  push(req: TrickleRequest, n: number): void {
    this.dropExpired();
    if (this.queued.length >= MAX_QUEUED_TRICKLES || this.candidates + n > MAX_QUEUED_CANDIDATES) {
      throw new JanusError(490, `Trickle error: too many candidates queued before the PeerConnection (max ${MAX_QUEUED_TRICKLES} trickles, ${MAX_QUEUED_CANDIDATES} candidates)`);
    }
    this.queued.push(req);
    this.candidates += n;
  }

  /** Empty the queue, returning what has not expired (to apply to the new remote description). */
  take(): TrickleRequest[] {
    const oldest = Date.now() - this.timeoutSeconds() * 1000;
    const out = this.queued.filter((r) => r.received >= oldest);
    this.clear();
    return out;
  }

  clear(): void {
    this.queued = [];
    this.candidates = 0;
  }

  /** Queued trickles older than `candidates_timeout` would be skipped anyway: free them now. */
  private dropExpired(): void {
    const oldest = Date.now() - this.timeoutSeconds() * 1000;
    if (this.queued.length === 0 || this.queued[0].received >= oldest) return;
    this.queued = this.queued.filter((r) => r.received >= oldest);
    this.candidates = this.queued.reduce((sum, r) => sum + candidateCount(r), 0);
  }
}
