import { CfError } from '../../core/errors/index.js';
import { type BackoffPolicy, backoffDelayMs, sleep } from '../../http/backoff.js';
import { classifyKafkaError } from './errors.js';

export interface RetryOptions {
  /** maxAttempts 0 means no limit: the sink waits for the cluster as long as the pipeline runs. */
  readonly policy: BackoffPolicy;
  /** Aborting ends the wait at once with CF_ERR_ABORTED. */
  readonly signal: AbortSignal;
  readonly onRetry: (err: CfError, attempt: number, delayMs: number) => void;
}

/**
 * Runs `op` until it succeeds, retrying retriable failures with capped exponential backoff and
 * full jitter. Rejects with the first non-retriable error, with CF_ERR_RETRIES_EXHAUSTED when
 * the attempts run out, or with CF_ERR_ABORTED when the signal fires.
 */
export async function retrying<T>(op: () => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, signal } = options;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw aborted(undefined);
    try {
      return await op();
    } catch (err) {
      const e = classifyKafkaError(err);
      if (!e.retriable) throw e;
      if (policy.maxAttempts > 0 && attempt >= policy.maxAttempts) {
        throw new CfError('CF_ERR_RETRIES_EXHAUSTED', `${e.message} (gave up after ${attempt} attempts)`, {
          cause: e,
          ...(e.details === undefined ? {} : { details: e.details }),
        });
      }
      const delayMs = backoffDelayMs(policy, attempt, e.retryAfterMs);
      options.onRetry(e, attempt, delayMs);
      try {
        await sleep(delayMs, signal);
      } catch {
        throw aborted(e);
      }
    }
  }
}

function aborted(last: CfError | undefined): CfError {
  const why = last === undefined ? '' : ` while retrying after: ${last.message}`;
  return new CfError('CF_ERR_ABORTED', `The Kafka sink was stopped${why}`, { cause: last });
}
