import type { CfError } from '../../core/errors/index.js';
import { type BackoffPolicy, retry } from '../../lib/retry.js';
import { classifyKafkaError } from './errors.js';

export interface RetryOptions {
  /** maxAttempts 0 means no limit: the sink waits for the cluster as long as the pipeline runs. */
  readonly policy: BackoffPolicy;
  /** Aborting ends the wait at once with CF_ERR_ABORTED. */
  readonly signal: AbortSignal;
  readonly onRetry: (err: CfError, attempt: number, delayMs: number) => void;
}

/**
 * Runs `op` under the shared retry policy (lib/retry.ts) with the Kafka error classifier:
 * rejects with the first non-retriable error, with CF_ERR_RETRIES_EXHAUSTED when the attempts
 * run out, or with CF_ERR_ABORTED when the signal fires.
 */
export function retrying<T>(op: () => Promise<T>, options: RetryOptions): Promise<T> {
  return retry(op, {
    what: 'The Kafka sink',
    policy: options.policy,
    signal: options.signal,
    classify: classifyKafkaError,
    onRetry: ({ error, attempt, delayMs }) => options.onRetry(error, attempt, delayMs),
  });
}
