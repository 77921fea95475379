/** Capped exponential backoff with full jitter (AWS architecture blog's "Full Jitter"). */
export interface BackoffPolicy {
  /** Attempts in all, the first one included. */
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
