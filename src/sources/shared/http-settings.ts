import { z } from 'zod';
import { redactedKeyId, type Secret } from '../../core/secret.js';
import {
  type BackoffPolicy,
  type HttpEgress,
  type RateLimiterRegistry,
  readCaFile,
} from '../../http/index.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import type { ApiClientOptions } from './bearer-api.js';

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
    tls: z
      .strictObject({
        ca: z.string().min(1).optional().meta({
          description:
            'PEM file of a CA trusted for this API (and its download host) besides the public roots and NODE_EXTRA_CA_CERTS, e.g. a TLS-inspecting proxy’s CA.',
        }),
      })
      .prefault({})
      .meta({
        description:
          'TLS trust for this API: { ca: PEM file }, trusted for the API and its download host besides the public roots and NODE_EXTRA_CA_CERTS (a TLS-inspecting proxy’s CA, a private gateway’s).',
      }),
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
  readonly tls: { readonly ca?: string | undefined };
}

export function backoffPolicyOf(s: UpstreamHttpSettings): BackoffPolicy {
  return {
    maxAttempts: s.maxAttempts,
    initialDelayMs: s.initialBackoffMs,
    maxDelayMs: s.maxBackoffMs,
    multiplier: 2,
  };
}

/** What a source's client factory gets besides its config and key. */
export interface ApiClientDeps {
  readonly limiters?: RateLimiterRegistry;
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  readonly userAgent?: string;
  /** The process's proxy decisions (the `http` section); default the environment's. */
  readonly egress?: HttpEgress;
}

/** The PEM text of a source's `tls.ca`, read now (a missing file fails before any request). */
export function sourceCa(settings: Pick<UpstreamHttpSettings, 'tls'>, where: string): string | undefined {
  return settings.tls?.ca === undefined ? undefined : readCaFile(settings.tls.ca, `${where}.tls.ca`);
}

/**
 * A client's HTTP options from its source's settings: the limiter shared per key and endpoint
 * (so every stream on one key shares one budget), backoff, timeouts, and a child logger.
 */
export function apiClientOptions(
  settings: UpstreamHttpSettings,
  key: Secret,
  endpoint: string,
  component: string,
  deps: ApiClientDeps,
): ApiClientOptions {
  const limiter = deps.limiters?.get(
    `${redactedKeyId(key.reveal())}:${endpoint}`,
    settings.requestsPerMinute,
    settings.rateWindowMs,
  );
  return {
    ...(limiter ? { limiter } : {}),
    requestsPerMinute: settings.requestsPerMinute,
    rateWindowMs: settings.rateWindowMs,
    retry: backoffPolicyOf(settings),
    connectTimeoutMs: settings.connectTimeoutMs,
    headersTimeoutMs: settings.headersTimeoutMs,
    bodyTimeoutMs: settings.bodyTimeoutMs,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.logger ? { logger: deps.logger.child({ component }) } : {}),
    ...(deps.userAgent ? { userAgent: deps.userAgent } : {}),
    ...(deps.egress ? { egress: deps.egress } : {}),
    ...(settings.tls?.ca === undefined ? {} : { ca: sourceCa(settings, component) }),
  };
}
