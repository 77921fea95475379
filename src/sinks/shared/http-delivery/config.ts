import { z } from 'zod';

const positiveInt = () => z.number().int().min(1);

/** What differs per sink in the delivery settings every HTTP sink shares. */
export interface HttpDeliveryFieldOptions {
  /** Description of maxInFlightRequests, e.g. 'Bulk requests in flight at once.' */
  inFlightDescription: string;
  /** Default of requestTimeoutMs. */
  requestTimeoutMs: number;
  /** Description of retryMaxAttempts (which failures are retried, and what else counts). */
  retryAttemptsDescription: string;
}

/**
 * The zod fields of the delivery timing every HTTP sink shares (lingerMs, maxInFlightRequests,
 * requestTimeoutMs, retryMaxAttempts, retryInitialDelayMs, retryMaxDelayMs), to spread into a
 * sink's schema. The per-sink defaults and descriptions come as options.
 */
export function httpDeliveryFields(o: HttpDeliveryFieldOptions) {
  return {
    lingerMs: z
      .number()
      .int()
      .min(0)
      .default(1000)
      .meta({ description: 'A batch that is not full is sent this long after its first record.' }),
    maxInFlightRequests: positiveInt().max(64).default(4).meta({ description: o.inFlightDescription }),
    requestTimeoutMs: positiveInt()
      .default(o.requestTimeoutMs)
      .meta({ description: 'Time to wait for response headers and for each chunk of the body.' }),
    retryMaxAttempts: positiveInt().default(10).meta({ description: o.retryAttemptsDescription }),
    retryInitialDelayMs: positiveInt().default(500).meta({ description: 'First retry delay (full jitter).' }),
    retryMaxDelayMs: positiveInt()
      .default(30_000)
      .meta({ description: 'Cap of the exponential retry delay; Retry-After may ask for more.' }),
  };
}
