import { z } from 'zod';
import type { BackoffPolicy } from '../../http/index.js';

/**
 * The HTTP settings every API source has, with the same names as the Compliance Logs source's, so
 * a config reads the same whichever source it names. Spread into a source's `z.strictObject`.
 */
export function upstreamHttpShape(defaultRequestsPerMinute: number) {
  return {
    requestsPerMinute: z
      .number()
      .int()
      .min(1)
      .default(defaultRequestsPerMinute)
      .meta({ description: 'Client-side limit on requests per key to this endpoint, per rateWindowMs.' }),
    rateWindowMs: z.number().int().min(100).default(60_000).meta({
      description: 'The window the per-minute request limits apply to (shorten only against the simulator).',
    }),
    connectTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .meta({ description: 'Time to open a connection.' }),
    headersTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(30_000)
      .meta({ description: 'Time to response headers.' }),
    bodyTimeoutMs: z
      .number()
      .int()
      .min(1)
      .default(60_000)
      .meta({ description: 'Longest pause between body bytes.' }),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(8)
      .meta({ description: 'Attempts per request, first included (429 waits out Retry-After).' }),
    initialBackoffMs: z
      .number()
      .int()
      .min(1)
      .default(500)
      .meta({ description: 'First retry delay ceiling (full jitter).' }),
    maxBackoffMs: z
      .number()
      .int()
      .min(1)
      .default(30_000)
      .meta({ description: 'Largest retry delay ceiling.' }),
  };
}

/** The settings `upstreamHttpShape` declares, as parsed. */
export interface UpstreamHttpSettings {
  readonly requestsPerMinute: number;
  readonly rateWindowMs: number;
  readonly connectTimeoutMs: number;
  readonly headersTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
}

export function backoffPolicyOf(s: UpstreamHttpSettings): BackoffPolicy {
  return {
    maxAttempts: s.maxAttempts,
    initialDelayMs: s.initialBackoffMs,
    maxDelayMs: s.maxBackoffMs,
    multiplier: 2,
  };
}
