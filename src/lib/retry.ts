import { CfError, classify, isCfError } from '../core/errors/index.js';

/**
 * The one retry policy of every client (HTTP sources, Kafka, Splunk HEC, syslog): capped
 * exponential backoff with full jitter (AWS architecture blog's "Full Jitter"), a peer's
 * Retry-After honoured, a number of attempts, an abort signal, and one outcome at exhaustion:
 *
 *   CF_ERR_RETRIES_EXHAUSTED, not retriable, `cause` the last classified error, `details` the
 *   last error's details, and the message
 *   `<what> failed <n> times, <n> failed attempts in a row; the last failure: <last message>
 *   (gave up after <n> attempts)` (each phrase is one the sinks' tests and users already match on).
 *
 * Other outcomes: the first success; a non-retriable error as is (nothing waits); an abort ends
 * with the signal's reason when it is a CfError (a component that stops on purpose says why),
 * otherwise with CF_ERR_ABORTED naming what was stopped and the last failure.
 *
 * Only wrap operations that are safe to repeat: retrying belongs to the layer that knows
 * idempotency.
 */
export interface BackoffPolicy {
  /** Attempts in all, the first one included; 0 (or Infinity) retries for as long as the signal allows. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({
  maxAttempts: 8,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
});

/**
 * Delay before retry number `retry` (1 for the first retry). A peer's Retry-After wins over
 * the jittered delay when it asks for longer, capped at 10x maxDelayMs so a hostile header
 * cannot park us for a day.
 */
export function backoffDelayMs(
  policy: BackoffPolicy,
  retry: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.multiplier ** Math.max(0, retry - 1),
  );
  const jittered = Math.floor(random() * ceiling);
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > jittered) {
    return Math.min(retryAfterMs, policy.maxDelayMs * 10);
  }
  return jittered;
}

/** Parses Retry-After: delta-seconds or an HTTP date. Undefined when absent or malformed. */
export function parseRetryAfterMs(
  value: string | string[] | undefined,
  now = Date.now(),
): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Sleeps `ms`, or rejects early with the signal's reason. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** One failed attempt that will be retried. */
export interface RetryEvent {
  /** The attempt that failed, 1 for the first. */
  readonly attempt: number;
  /** How long the loop waits before the next attempt (Retry-After included). */
  readonly delayMs: number;
  readonly error: CfError;
}

export interface RetryPolicyOptions {
  readonly policy: BackoffPolicy;
  /** Names the operation in the exhaustion and abort messages: `Sending to the Splunk HEC`. */
  readonly what: string;
  /** Aborting stops at once: no further attempt, no waiting out the backoff. */
  readonly signal?: AbortSignal | undefined;
  /** Called before each backoff wait (metrics, logs, pausing a rate limiter on a 429). */
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
}

export interface RetryOptions extends RetryPolicyOptions {
  /** Turns what an attempt threw into a CfError; default core classify(). */
  readonly classify?: ((thrown: unknown) => CfError) | undefined;
  /** An attempt returned (a reply came, whatever its verdict). */
  readonly onAnswer?: (() => void) | undefined;
  /** Every failure, fatal ones included; `thrown` when the attempt threw (no reply came). */
  readonly onFailure?: ((error: CfError, thrown: boolean) => void) | undefined;
}

/** The outcome of one attempt for callers that judge replies themselves. */
export type Judged<T> =
  | { readonly kind: 'done'; readonly value: T }
  | { readonly kind: 'retry' | 'fatal'; readonly error: CfError };

/** True when `attempts` failed attempts use up the policy. */
export function attemptsExhausted(policy: BackoffPolicy, attempts: number): boolean {
  return policy.maxAttempts > 0 && attempts >= policy.maxAttempts;
}

/** The one outcome at exhaustion (see the module comment); `attempts` and `last` for callers. */
export class RetriesExhaustedError extends CfError {
  constructor(
    what: string,
    readonly last: CfError,
    readonly attempts: number,
  ) {
    super(
      'CF_ERR_RETRIES_EXHAUSTED',
      `${what} failed ${attempts} times, ${attempts} failed attempts in a row; the last failure: ${last.message} (gave up after ${attempts} attempts)`,
      {
        cause: last,
        retriable: false,
        ...(last.details === undefined ? {} : { details: last.details }),
      },
    );
  }
}

/** The outcome of an abort: the signal's CfError reason, or CF_ERR_ABORTED. */
export function retryAborted(what: string, signal: AbortSignal | undefined, last?: CfError): CfError {
  if (isCfError(signal?.reason)) return signal.reason;
  const why = last === undefined ? '' : ` while retrying after: ${last.message}`;
  return new CfError('CF_ERR_ABORTED', `${what} was stopped${why}.`, { cause: last ?? signal?.reason });
}

/**
 * The step after failed attempt number `attempt`: throws the outcome when the error is not
 * retriable, the attempts are used up or the signal fired; otherwise reports the retry and
 * waits the backoff. For loops that cannot be a callback (generators, a transport's failure
 * count); everything else calls retry().
 */
export async function afterFailure(
  error: CfError,
  attempt: number,
  options: RetryPolicyOptions,
): Promise<void> {
  if (options.signal?.aborted) throw retryAborted(options.what, options.signal, error);
  if (!error.retriable) throw error;
  await waitOrGiveUp(error, attempt, options);
}

/** afterFailure() for a failure already judged worth retrying. */
async function waitOrGiveUp(error: CfError, attempt: number, options: RetryPolicyOptions): Promise<void> {
  const { policy, signal, what } = options;
  if (signal?.aborted) throw retryAborted(what, signal, error);
  if (attemptsExhausted(policy, attempt)) throw new RetriesExhaustedError(what, error, attempt);
  const delayMs = backoffDelayMs(policy, attempt, error.retryAfterMs);
  options.onRetry?.({ attempt, delayMs, error });
  try {
    await sleep(delayMs, signal);
  } catch {
    throw retryAborted(what, signal, error);
  }
}

/** Runs `fn` until it succeeds, under the policy (see the module comment). */
export function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  return retryJudged(async (attempt) => ({ kind: 'done', value: await fn(attempt) }), options);
}

/**
 * Runs `fn` until it reaches a verdict: 'done' returns, 'fatal' throws its error, 'retry' (or a
 * thrown error the classifier calls retriable) waits and tries again, under the policy.
 */
export async function retryJudged<T>(
  fn: (attempt: number) => Promise<Judged<T>>,
  options: RetryOptions,
): Promise<T> {
  const { signal, what } = options;
  const toCfError = options.classify ?? classify;
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw retryAborted(what, signal);
    let judged: Judged<T>;
    let thrown = false;
    try {
      judged = await fn(attempt);
      options.onAnswer?.();
    } catch (err) {
      if (signal?.aborted) throw retryAborted(what, signal, isCfError(err) ? err : undefined);
      const e = toCfError(err);
      thrown = true;
      judged = { kind: e.retriable ? 'retry' : 'fatal', error: e };
    }
    if (judged.kind === 'done') return judged.value;
    options.onFailure?.(judged.error, thrown);
    if (judged.kind === 'fatal') throw judged.error;
    await waitOrGiveUp(judged.error, attempt, options);
  }
}
