import { CfError } from '../core/errors/index.js';
import { type BackoffPolicy, RetriesExhaustedError, type RetryEvent, retry } from '../lib/retry.js';

export type { RetryEvent } from '../lib/retry.js';

export interface RetryOptions {
  policy: BackoffPolicy;
  /** Aborting stops at once: no further attempt, no waiting out the backoff. */
  signal?: AbortSignal;
  /** Called before each backoff wait (metrics, logs, pausing a rate limiter on a 429). */
  onRetry?: (event: RetryEvent) => void;
  /** Names the operation in messages; default `The request`. */
  what?: string;
}

/**
 * Runs `fn` under the shared retry policy (lib/retry.ts), retrying only what the classifier
 * calls retriable: socket errors, timeouts, 408, 429 and 5xx except 501 (see
 * src/core/errors/classify.ts), plus CfErrors created retriable.
 *
 * At exhaustion the upstream sources document (docs/reliability.md, docs/errors.md) and test
 * the last error's code, e.g. CF_ERR_HTTP_RATE_LIMITED, rather than the policy's
 * CF_ERR_RETRIES_EXHAUSTED: sourceExhaustion() keeps that code, not retriable, with
 * `details.attempts`.
 *
 * Only wrap operations that are safe to repeat (idempotent GETs, or a transfer that knows how to
 * resume): retrying belongs to the layer that knows idempotency.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  try {
    return await retry(fn, {
      what: options.what ?? 'The request',
      policy: options.policy,
      signal: options.signal,
      onRetry: options.onRetry,
    });
  } catch (err) {
    throw sourceExhaustion(err);
  }
}

/** The policy's CF_ERR_RETRIES_EXHAUSTED as the upstream sources report it (see withRetry). */
export function sourceExhaustion(err: unknown): unknown {
  if (!(err instanceof RetriesExhaustedError)) return err;
  const { last, attempts } = err;
  return new CfError(last.code, err.message, {
    cause: last,
    retriable: false,
    details: { ...last.details, attempts },
  });
}
