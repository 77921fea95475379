import { performance } from 'node:perf_hooks';
import { CfError } from '../core/errors/index.js';

/** Rounding guard between our monotonic clock and a server's; the design needs no other slack. */
const DEFAULT_MARGIN_MS = 1;

/** A granted start. Release it once the server has certainly seen the request. */
export interface RateLimitSlot {
  /**
   * Call when the response headers arrived or the request failed. The window of this start is
   * counted from then. Idempotent. Until released, the slot counts as in flight.
   */
  release(): void;
}

interface Waiter {
  grant(slot: RateLimitSlot): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** One start in the log; `stamp` is Infinity while the request is in flight. */
interface Entry {
  stamp: number;
}

/**
 * Client-side rate limiter: at most `limit` requests in ANY window of `windowMs`, as the server
 * counts them.
 *
 * It keeps a sliding-window log. Each entry is stamped when its slot is released: for a request,
 * at its response headers, which is after the server stamped the request's arrival. A new start
 * is granted when fewer than `limit` entries are in flight or younger than `windowMs`. So between
 * the arrivals of request i and request i + limit at the server there is always at least
 * `windowMs`, whatever the network latency or a cold connection adds, and neither a fixed nor a
 * sliding server window ever sees more than `limit`. The sustained rate is `limit` per
 * (`windowMs` + one request latency): the only slack is the latency itself.
 * `acquire()` is the simpler form that stamps at the start (for callers without a response).
 *
 * Waiters are served first come, first served by ONE timer set for the moment the head of the
 * queue may start (or by a release, when in-flight slots are what it waits for); nothing polls.
 * `pauseFor(ms)` holds every acquisition (queued or new) until the pause ends, which is how a
 * 429's Retry-After is honoured by all concurrent requests. Times are monotonic.
 */
export class RateLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly marginMs: number;
  /** Entries that still count: in flight, or released less than a window ago. */
  #entries: Entry[] = [];
  readonly #queue: Waiter[] = [];
  #pausedUntil = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(limit: number, windowMs: number, options: { marginMs?: number } = {}) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new CfError('CF_ERR_CONFIG', `A rate limit must be a positive integer, got ${limit}.`);
    }
    if (!Number.isFinite(windowMs) || windowMs <= 0) {
      throw new CfError(
        'CF_ERR_CONFIG',
        `A rate-limit window must be a positive duration, got ${windowMs} ms.`,
      );
    }
    this.limit = limit;
    this.windowMs = windowMs;
    this.marginMs = Math.max(0, options.marginMs ?? DEFAULT_MARGIN_MS);
  }

  /** Acquisitions waiting for their turn. */
  get pending(): number {
    return this.#queue.length;
  }

  /**
   * Milliseconds until the next start may be granted (0: now), or undefined when that waits on
   * a request in flight to answer rather than on the clock. Read-only: a status for progress.
   */
  nextSlotInMs(): number | undefined {
    const at = this.#nextStartAt();
    if (at === Number.POSITIVE_INFINITY) return undefined;
    return Math.max(0, Math.ceil(at - performance.now()));
  }

  /**
   * Resolves when the caller may start one request; the window counts from that moment.
   * Rejects with the signal's reason if it aborts first; an aborted waiter consumes nothing.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    (await this.acquireSlot(signal)).release();
  }

  /**
   * Resolves with a slot when the caller may start one request. The caller MUST release it
   * (in a finally) when the response headers arrive or the request fails.
   */
  acquireSlot(signal?: AbortSignal): Promise<RateLimitSlot> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#queue.length === 0 && performance.now() >= this.#nextStartAt()) {
      return Promise.resolve(this.#grant());
    }
    return new Promise<RateLimitSlot>((grant, reject) => {
      const waiter: Waiter = { grant, reject, signal, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.#queue.indexOf(waiter);
          if (i >= 0) this.#queue.splice(i, 1);
          reject(signal.reason);
          if (this.#queue.length === 0) this.#clearTimer();
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#queue.push(waiter);
      this.#schedule();
    });
  }

  /** Holds every acquisition for at least `ms` from now (e.g. a 429's Retry-After). */
  pauseFor(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) return;
    this.#pausedUntil = Math.max(this.#pausedUntil, performance.now() + ms);
    if (this.#queue.length > 0) this.#schedule();
  }

  #grant(): RateLimitSlot {
    const entry: Entry = { stamp: Number.POSITIVE_INFINITY };
    this.#entries.push(entry);
    return {
      release: () => {
        if (entry.stamp !== Number.POSITIVE_INFINITY) return;
        entry.stamp = performance.now();
        if (this.#queue.length > 0) this.#schedule();
      },
    };
  }

  /** The earliest monotonic time one more start may be granted; Infinity until a release. */
  #nextStartAt(): number {
    const span = this.windowMs + this.marginMs;
    const now = performance.now();
    this.#entries = this.#entries.filter((e) => e.stamp + span > now);
    let at = this.#pausedUntil;
    const excess = this.#entries.length - this.limit + 1;
    if (excess > 0) {
      // `excess` entries must age out first; in-flight ones (Infinity) sort last.
      const stamps = this.#entries.map((e) => e.stamp).sort((a, b) => a - b);
      at = Math.max(at, (stamps[excess - 1] as number) + span);
    }
    return at;
  }

  #schedule(): void {
    this.#clearTimer();
    const at = this.#nextStartAt();
    if (at === Number.POSITIVE_INFINITY) return; // a release will call again
    // setTimeout has millisecond granularity and may fire a fraction early against the monotonic
    // clock; rounding up and re-checking in #drain keeps the bound exact.
    this.#timer = setTimeout(() => this.#drain(), Math.max(0, Math.ceil(at - performance.now())));
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #drain(): void {
    this.#timer = undefined;
    while (this.#queue.length > 0 && performance.now() >= this.#nextStartAt()) {
      const waiter = this.#queue.shift() as Waiter;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.grant(this.#grant());
    }
    if (this.#queue.length > 0) this.#schedule();
  }
}

/** A limiter that holds requests back: its key, how many wait, and when the next may start. */
export interface RateLimitHold {
  readonly key: string;
  readonly pending: number;
  readonly nextSlotInMs: number;
}

/**
 * Shared limiters by key: one per API key and endpoint, so every stream that uses the same key
 * draws from the same budget (the upstream limits are per key and endpoint, not per stream).
 */
export class RateLimiterRegistry {
  readonly #limiters = new Map<string, RateLimiter>();

  /**
   * The limiter for `key`, created on first use. Asking again for the same key with a different
   * limit or window is a wiring bug (two budgets for one upstream limit) and throws.
   */
  get(key: string, limit: number, windowMs: number): RateLimiter {
    const existing = this.#limiters.get(key);
    if (existing) {
      if (existing.limit !== limit || existing.windowMs !== windowMs) {
        throw new CfError(
          'CF_ERR_INTERNAL',
          `Rate limiter "${key}" already exists with ${existing.limit} per ${existing.windowMs} ms; ` +
            `it was asked again with ${limit} per ${windowMs} ms.`,
        );
      }
      return existing;
    }
    const limiter = new RateLimiter(limit, windowMs);
    this.#limiters.set(key, limiter);
    return limiter;
  }

  /**
   * The limiters that hold requests back right now on the clock (a window or a Retry-After
   * pause, not an answer in flight), soonest next slot first. Keys name the key's redacted id.
   */
  holds(): RateLimitHold[] {
    const out: RateLimitHold[] = [];
    for (const [key, limiter] of this.#limiters) {
      if (limiter.pending === 0) continue;
      const nextSlotInMs = limiter.nextSlotInMs();
      if (nextSlotInMs !== undefined && nextSlotInMs > 0)
        out.push({ key, pending: limiter.pending, nextSlotInMs });
    }
    return out.sort((a, b) => a.nextSlotInMs - b.nextSlotInMs);
  }
}
