import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Config } from '../config/schema.js';
import { type CfError, classify } from '../core/errors/index.js';
import { redactedKeyId, type Secret } from '../core/secret.js';
import { resolveSecret } from '../core/secret-ref.js';
import { VERSION } from '../core/version.js';
import type { RateLimiterRegistry } from '../http/index.js';
import { createSink, type Sink, type SinkContext, sinkName } from '../sinks/index.js';
import { ComplianceLogsClient } from '../sources/compliance-logs/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RecordEnricher } from '../transforms/index.js';

/**
 * The parts every entry point (export, fetch, demo, run) builds the same way from the config:
 * API clients that share one rate limiter per key and endpoint, the record enricher, the sinks.
 */

export interface PartsDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * A client of the Compliance API for one principal. Its List and Download limiters come from
 * `limiters`, keyed by the key's redacted id, so every client of one key shares one budget per
 * endpoint (the upstream limits are per key and endpoint).
 */
export function createComplianceClient(
  config: Config,
  principalId: string,
  apiKey: Secret,
  limiters: RateLimiterRegistry,
  deps: PartsDeps,
): ComplianceLogsClient {
  const keyId = redactedKeyId(apiKey.reveal());
  const s = config.source;
  return new ComplianceLogsClient({
    baseUrl: s.baseUrl,
    apiKey,
    principalId,
    listLimiter: limiters.get(`${keyId}:list`, s.listsPerMinute, s.rateWindowMs),
    downloadLimiter: limiters.get(`${keyId}:download`, s.downloadsPerMinute, s.rateWindowMs),
    retry: {
      maxAttempts: s.maxAttempts,
      initialDelayMs: s.initialBackoffMs,
      maxDelayMs: s.maxBackoffMs,
      multiplier: 2,
    },
    connectTimeoutMs: s.connectTimeoutMs,
    headersTimeoutMs: s.headersTimeoutMs,
    bodyTimeoutMs: s.bodyTimeoutMs,
    metrics: deps.metrics,
    logger: deps.logger.child({ component: 'compliance-logs' }),
    userAgent: `compliance-forwarder/${VERSION}`,
  });
}

/**
 * The enricher for a process. With `dropOwnAuditEvents`, the audit events of every key in
 * `apiKeys` (this forwarder's own LIST and DOWNLOAD calls) are dropped.
 */
export function createRecordEnricher(
  config: Config,
  apiKeys: readonly Secret[],
  deps: PartsDeps,
): RecordEnricher {
  const own = config.enrich.dropOwnAuditEvents;
  const ownIds = [...new Set(apiKeys.map((k) => redactedKeyId(k.reveal())))];
  const enrichConfig = own.enabled
    ? { ...config.enrich, dropOwnAuditEvents: { ...own, redactedIds: [...own.redactedIds, ...ownIds] } }
    : config.enrich;
  const hashKey =
    config.enrich.hashKey === undefined
      ? undefined
      : resolveSecret(config.enrich.hashKey, 'The redaction hash key');
  return new RecordEnricher(enrichConfig, {
    version: VERSION,
    host: hostname(),
    ...(hashKey === undefined ? {} : { hmacKey: hashKey }),
    onDrop: (reason) => deps.metrics.discardedEvents.inc({ component: 'enrich', reason }),
  });
}

/** One sink per configured sink, each with its own child logger; not started. */
export function createSinks(config: Config, ctx: SinkContext, stdout?: Writable): Sink[] {
  return config.sinks.map((s) =>
    createSink(s, { ...ctx, logger: ctx.logger.child({ sink: sinkName(s) }) }, stdout),
  );
}

/**
 * Ends the sinks: with `flush`, each is ended and awaited (its last batches sent and
 * acknowledged); otherwise, or for a sink already destroyed, torn down at once. Resolves with
 * the first error a flush met, if any.
 */
export async function closeSinks(sinks: readonly Sink[], flush: boolean): Promise<CfError | undefined> {
  let error: CfError | undefined;
  await Promise.all(
    sinks.map(async (s) => {
      if (flush && !s.destroyed) {
        s.end();
        await finished(s).catch((err: unknown) => {
          error ??= classify(err);
        });
      } else {
        s.destroy();
      }
    }),
  );
  return error;
}
