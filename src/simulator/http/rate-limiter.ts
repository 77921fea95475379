import type { RateLimit } from '../faults.js';

/**
 * Sliding-window limiter per (endpoint, key): at most `limit` requests in any `windowMs`.
 * Real (monotonic) time, because a limit is about the client's pace, not the simulated clock.
 * A refused request does not count, so a client honouring Retry-After gets through.
 */
export class RateLimiter {
  private readonly history = new Map<string, number[]>();
  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Undefined when allowed (and counted); otherwise the seconds to wait, at least 1. */
  take(bucket: string, limit: RateLimit | null): number | undefined {
    if (limit === null) return undefined;
    const now = this.now();
    let times = this.history.get(bucket);
    if (times === undefined) {
      times = [];
      this.history.set(bucket, times);
    }
    let drop = 0;
    while (drop < times.length && times[drop]! <= now - limit.windowMs) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length >= limit.limit) {
      const oldestInWindow = times[times.length - limit.limit]!;
      return Math.max(1, Math.ceil((oldestInWindow + limit.windowMs - now) / 1000));
    }
    times.push(now);
    return undefined;
  }

  reset(): void {
    this.history.clear();
  }
}
