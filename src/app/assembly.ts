import { hostname } from 'node:os';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Config } from '../config/schema.js';
import { type CfError, classify } from '../core/errors/index.js';
import { redactedKeyId, type Secret } from '../core/secret.js';
import { resolveSecret } from '../core/secret-ref.js';
import { VERSION } from '../core/version.js';
import { createSink, type Sink, type SinkContext, sinkName } from '../sinks/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RecordEnricher } from '../transforms/index.js';

/**
 * The parts every entry point (export, fetch, demo, run) builds the same way from the config:
 * the record enricher and the sinks (each source makes its own API clients: src/sources).
 */

export interface PartsDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
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
    onNoTime: (file) =>
      deps.metrics.eventsWithoutTime.inc({ component: 'enrich', source: file.source.source }),
  });
}

/** One sink per configured sink, each with its own child logger; not started. */
export function createSinks(config: Config, ctx: SinkContext, stdout?: Writable): Sink[] {
  const sinks = config.sinks.map((s) =>
    createSink(s, { ...ctx, logger: ctx.logger.child({ sink: sinkName(s) }) }, stdout),
  );
  ctx.metrics.watchSinkBuffers(sinks);
  return sinks;
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
