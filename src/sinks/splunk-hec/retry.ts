import { CfError, classify } from '../../core/errors/index.js';
import { type BackoffPolicy, backoffDelayMs, sleep } from '../../http/backoff.js';

/** The outcome of one attempt: a result, or a failure to retry, or one to give up on. */
export type Judged<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'retry' | 'fatal'; readonly error: CfError };

export interface RetryHooks {
  readonly policy: BackoffPolicy;
  /** Ends the waiting (and the retrying) early with CF_ERR_ABORTED. */
  readonly signal: AbortSignal;
  /** Names the component in the CF_ERR_ABORTED message. */
  readonly component: string;
  /** An attempt got an answer (the destination is reachable). */
  onAnswer(): void;
  /** An attempt failed; `unreachable` when no answer came at all. */
  onFailure(error: CfError, unreachable: boolean): void;
  /** A retry waits `delayMs` before attempt `attempt + 1`. */
  onRetry(error: CfError, attempt: number, delayMs: number): void;
}

/**
 * Runs `attempt` until it reaches a verdict. A transient failure (judged 'retry', or a thrown
 * error classify() calls retriable, e.g. a reset socket) waits a capped, jittered backoff
 * (Retry-After wins when longer) and tries again, up to policy.maxAttempts attempts in all;
 * a fatal failure rejects at once, exhaustion with CF_ERR_RETRIES_EXHAUSTED.
 */
export async function withRetries<T>(
  what: string,
  attempt: () => Promise<Judged<T>>,
  hooks: RetryHooks,
): Promise<T> {
  for (let n = 1; ; n++) {
    let judged: Judged<T>;
    let unreachable = false;
    try {
      judged = await attempt();
      hooks.onAnswer();
    } catch (err) {
      if (hooks.signal.aborted) throw aborted(hooks.component, err);
      const e = classify(err);
      unreachable = UNREACHABLE_CODES.has(e.code);
      judged = { kind: e.retriable ? 'retry' : 'fatal', error: e };
    }
    if (judged.kind === 'done') return judged.value;
    const error = judged.error;
    hooks.onFailure(error, unreachable);
    if (judged.kind === 'fatal') throw error;
    if (n >= hooks.policy.maxAttempts) {
      throw new CfError(
        'CF_ERR_RETRIES_EXHAUSTED',
        `${what} failed ${n} times; the last failure: ${error.message}`,
        {
          cause: error,
          ...(error.details === undefined ? {} : { details: error.details }),
        },
      );
    }
    const delayMs = backoffDelayMs(hooks.policy, n, error.retryAfterMs);
    hooks.onRetry(error, n, delayMs);
    try {
      await sleep(delayMs, hooks.signal);
    } catch (err) {
      throw aborted(hooks.component, err);
    }
  }
}

const UNREACHABLE_CODES = new Set(['CF_ERR_SOCKET', 'CF_ERR_TIMEOUT', 'CF_ERR_SINK_CONNECT']);

function aborted(component: string, cause: unknown): CfError {
  return new CfError('CF_ERR_ABORTED', `Sink ${component} stopped while sending.`, { cause });
}
