import { CfError, classify, isCfError } from '../core/errors/index.js';
import { type BackoffPolicy, backoffDelayMs, sleep } from './backoff.js';

/** One failed attempt that will be retried. */
export interface RetryEvent {
  /** The attempt that failed, 1 for the first. */
  readonly attempt: number;
  /** How long the wrapper waits before the next attempt (Retry-After included). */
  readonly delayMs: number;
  readonly error: CfError;
}

export interface RetryOptions {
  policy: BackoffPolicy;
  /** Aborting stops at once: no further attempt, no waiting out the backoff. */
  signal?: AbortSignal;
  /** Called before each backoff wait (metrics, logs, pausing a rate limiter on a 429). */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Runs `fn` until it succeeds, retrying only what the classifier calls retriable: socket errors,
 * timeouts, 408, 429 and 5xx except 501 (see src/core/errors/classify.ts), plus CfErrors created
 * retriable. Waits follow the policy's capped exponential backoff with full jitter, and a
 * Retry-After carried by the error (`retryAfterMs`) when it asks for longer.
 *
 * Outcomes: the first success; a non-retriable error as is; or, when `policy.maxAttempts`
 * attempts all failed, the last error's code with `retriable: false` (so no outer layer retries
 * it again) and `details.attempts`. An abort ends with CF_ERR_ABORTED.
 *
 * Only wrap operations that are safe to repeat (idempotent GETs, or a transfer that knows how to
 * resume): retrying belongs to the layer that knows idempotency.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, signal, onRetry } = options;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw aborted(signal);
    try {
      return await fn(attempt);
    } catch (thrown) {
      if (signal?.aborted) throw aborted(signal, thrown);
      const error = classify(thrown);
      if (!error.retriable) throw error;
      if (attempt >= policy.maxAttempts) throw exhausted(error, attempt);
      const delayMs = backoffDelayMs(policy, attempt, error.retryAfterMs);
      onRetry?.({ attempt, delayMs, error });
      try {
        await sleep(delayMs, signal);
      } catch {
        throw aborted(signal as AbortSignal, error);
      }
    }
  }
}

function aborted(signal: AbortSignal, cause: unknown = signal.reason): CfError {
  // A component that aborts on purpose passes a CfError saying why; keep its verdict.
  if (isCfError(signal.reason)) return signal.reason;
  return new CfError('CF_ERR_ABORTED', 'The operation was aborted.', { cause });
}

function exhausted(error: CfError, attempts: number): CfError {
  return new CfError(error.code, `${error.message} (gave up after ${attempts} attempts)`, {
    cause: error,
    retriable: false,
    details: { ...error.details, attempts },
  });
}
