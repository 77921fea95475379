import type { CfError } from '../../../core/errors/index.js';
import { type BackoffPolicy, type Judged, retryJudged } from '../../../lib/retry.js';

export type { Judged } from '../../../lib/retry.js';

export interface RetryHooks {
  readonly policy: BackoffPolicy;
  /** Ends the waiting (and the retrying) early with CF_ERR_ABORTED. */
  readonly signal: AbortSignal;
  /** An attempt got an answer (the destination is reachable). */
  onAnswer(): void;
  /** An attempt failed; `unreachable` when no answer came at all. */
  onFailure(error: CfError, unreachable: boolean): void;
  /** A retry waits `delayMs` before attempt `attempt + 1`. */
  onRetry(error: CfError, attempt: number, delayMs: number): void;
}

/**
 * Runs `attempt` until it reaches a verdict, under the shared retry policy (lib/retry.ts): a
 * transient failure (judged 'retry', or a thrown error classify() calls retriable, e.g. a reset
 * socket) waits a capped, jittered backoff (Retry-After wins when longer) and tries again, up to
 * policy.maxAttempts attempts in all; a fatal failure rejects at once, exhaustion with
 * CF_ERR_RETRIES_EXHAUSTED (`<what> failed <n> times; ...`).
 */
export function withRetries<T>(
  what: string,
  attempt: () => Promise<Judged<T>>,
  hooks: RetryHooks,
): Promise<T> {
  return retryJudged(attempt, {
    what,
    policy: hooks.policy,
    signal: hooks.signal,
    onAnswer: () => hooks.onAnswer(),
    onFailure: (error, thrown) => hooks.onFailure(error, thrown && UNREACHABLE_CODES.has(error.code)),
    onRetry: ({ error, attempt: n, delayMs }) => hooks.onRetry(error, n, delayMs),
  });
}

const UNREACHABLE_CODES = new Set(['CF_ERR_SOCKET', 'CF_ERR_TIMEOUT', 'CF_ERR_SINK_CONNECT']);
