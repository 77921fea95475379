import { type CronExpression, parseCron } from '../../config/cron.js';
import type { Config } from '../../config/schema.js';
import { backoffDelayMs } from '../../http/index.js';

/** When a stream polls next. Times are epoch milliseconds. */
export interface PollSchedule {
  /** The next poll after a poll that ended (successfully) at `nowMs`. */
  nextPollAt(nowMs: number): number;
  /** For logs: `every 300000 ms (+10% jitter)` or `cron "*\/5 * * * *"`. */
  readonly description: string;
}

/**
 * Every `intervalMs` plus a random share (up to `jitterRatio`) of it, counted from the end of
 * the previous poll: streams started together drift apart instead of hitting the API in step,
 * and a long poll is never followed by an immediate one.
 */
export function intervalSchedule(
  intervalMs: number,
  jitterRatio: number,
  random: () => number = Math.random,
): PollSchedule {
  return {
    nextPollAt: (nowMs) => nowMs + intervalMs + Math.floor(random() * jitterRatio * intervalMs),
    description: `every ${intervalMs} ms (+${Math.round(jitterRatio * 100)}% jitter)`,
  };
}

/** At the times a cron expression names (UTC); a poll that overruns skips the slots it missed. */
export function cronSchedule(cron: CronExpression): PollSchedule {
  return {
    nextPollAt: (nowMs) => cron.next(new Date(nowMs)).getTime(),
    description: `cron "${cron.source}"`,
  };
}

export function scheduleFromConfig(service: Config['service']): PollSchedule {
  return service.cron === undefined
    ? intervalSchedule(service.pollIntervalMs, service.pollJitterRatio)
    : cronSchedule(parseCron(service.cron));
}

/**
 * How long a failing stream waits before it polls again: capped exponential backoff with full
 * jitter, counted in consecutive failed polls (1 for the first).
 */
export function failureDelayMs(service: Config['service'], failures: number, random = Math.random): number {
  const delay = backoffDelayMs(
    {
      maxAttempts: Number.POSITIVE_INFINITY,
      initialDelayMs: service.failureBackoffInitialMs,
      maxDelayMs: service.failureBackoffMaxMs,
      multiplier: 2,
    },
    failures,
    undefined,
    random,
  );
  // Full jitter may draw 0; a floor of half the first delay keeps a broken upstream from a storm.
  return Math.max(delay, Math.floor(service.failureBackoffInitialMs / 2));
}
