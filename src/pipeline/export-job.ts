import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Config } from '../config/schema.js';
import { redactedKeyId, type Secret } from '../config/secret.js';
import { resolveSecret } from '../config/secret-ref.js';
import { type CfError, classify } from '../errors/index.js';
import { RateLimiterRegistry } from '../http/index.js';
import { createSink, type Sink, sinkName } from '../sinks/index.js';
import {
  ComplianceLogsClient,
  complianceLogsStream,
  complianceStreamKey,
} from '../sources/compliance-logs/index.js';
import { CheckpointStore } from '../state/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { RecordEnricher } from '../transforms/index.js';
import { VERSION } from '../version.js';
import { DeadLetterFile } from './dead-letter-file.js';
import { Router } from './router.js';
import { type PipelineResult, type ProgressEvent, runPipeline } from './run-pipeline.js';
import type { StreamSource } from './stream-source.js';

/** One window of one principal: what `export`, `fetch` and `demo` run. */
export interface ExportWindow {
  readonly principalId: string;
  readonly eventTypes: readonly string[];
  /** ISO-8601, exclusive. */
  readonly after: string;
  /** ISO-8601, exclusive. */
  readonly before?: string;
}

export interface ExportJobDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly signal: AbortSignal;
  /** Where the stdout sink writes. */
  readonly stdout?: Writable;
  readonly env?: NodeJS.ProcessEnv;
  /** Files of a stream are written in list order (fetch). */
  readonly ordered?: boolean;
  readonly onProgress?: (event: ProgressEvent) => void;
}

export interface ExportSummary {
  readonly result: PipelineResult;
  readonly deadLetters: number;
  readonly deadLetterPath: string;
  readonly error: CfError | undefined;
}

/** Where dead letters go when the config does not say: beside the state, the output, or here. */
export function defaultDeadLetterPath(config: Config): string {
  if (config.deadLetter.path !== undefined) return config.deadLetter.path;
  if (config.state.dir !== undefined) return join(config.state.dir, 'dead-letter.jsonl');
  const file = config.sinks.find((s) => s.type === 'file');
  if (file !== undefined && file.type === 'file') return join(file.directory, 'dead-letter.jsonl');
  return 'compliance-forwarder-dead-letter.jsonl';
}

/**
 * Runs one export window through the pipeline: sets up the dead-letter file, checkpoints,
 * sinks (started, so a bad destination fails before any download), the API client and the
 * streams; runs; then flushes and closes the sinks. Never throws for pipeline failures: the
 * summary carries the error (the command turns it into the exit code).
 */
export async function runExportJob(
  config: Config,
  window: ExportWindow,
  deps: ExportJobDeps,
): Promise<ExportSummary> {
  const env = deps.env ?? process.env;
  const apiKey = resolveSecret(config.source.apiKey, 'The Compliance API key', env);
  const deadLetterPath = defaultDeadLetterPath(config);
  const deadLetter = new DeadLetterFile(deadLetterPath, deps.metrics);
  const checkpoints = config.state.dir === undefined ? undefined : new CheckpointStore(config.state.dir);
  await checkpoints?.ensureWritable();

  const controller = new AbortController();
  const onAbort = () => controller.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', onAbort, { once: true });
  const ctx = { logger: deps.logger, metrics: deps.metrics, deadLetter, signal: controller.signal };
  const sinks: Sink[] = config.sinks.map((s) =>
    createSink(s, { ...ctx, logger: deps.logger.child({ sink: sinkName(s) }) }, deps.stdout),
  );
  const client = createClient(config, window.principalId, apiKey, deps);
  let result: PipelineResult | undefined;
  let error: CfError | undefined;
  try {
    await Promise.all(sinks.map((s) => s.start()));
    const streams: StreamSource[] = [];
    for (const eventType of window.eventTypes) {
      const key = complianceStreamKey(window.principalId, eventType);
      const cp = await checkpoints?.load(key);
      streams.push(
        complianceLogsStream(client, {
          principalId: window.principalId,
          eventType,
          after: window.after,
          ...(window.before === undefined ? {} : { before: window.before }),
          pageSize: config.source.pageSize,
          ...(config.source.maxPages === undefined ? {} : { maxPages: config.source.maxPages }),
          ...(cp === undefined ? {} : { resume: cp }),
        }),
      );
    }
    const enricher = createEnricher(config, apiKey, deps);
    result = await runPipeline({
      streams,
      router: new Router(sinks, config.routes),
      enricher,
      splitter: config.splitter,
      deadLetter,
      metrics: deps.metrics,
      logger: deps.logger,
      signal: controller.signal,
      concurrency: config.source.concurrency,
      ...(checkpoints === undefined ? {} : { checkpoints }),
      skipExpiredFiles: config.source.skipExpiredFiles,
      ordered: deps.ordered ?? false,
      ...(deps.onProgress === undefined ? {} : { onProgress: deps.onProgress }),
    });
    error = result.error;
  } catch (err) {
    error = classify(err);
  } finally {
    deps.signal.removeEventListener('abort', onAbort);
  }
  // Flush what was delivered so far; on failure tear down without waiting on a broken sink.
  await Promise.all(
    sinks.map(async (s) => {
      if (error === undefined && !s.destroyed) {
        s.end();
        await finished(s).catch((err: unknown) => {
          error ??= classify(err);
        });
      } else {
        s.destroy();
      }
    }),
  );
  await client.close();
  await deadLetter.close();
  return {
    result: result ?? { streams: [], error },
    deadLetters: deadLetter.count,
    deadLetterPath,
    error,
  };
}

function createClient(
  config: Config,
  principalId: string,
  apiKey: Secret,
  deps: ExportJobDeps,
): ComplianceLogsClient {
  const limiters = new RateLimiterRegistry();
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

function createEnricher(config: Config, apiKey: Secret, deps: ExportJobDeps): RecordEnricher {
  const own = config.enrich.dropOwnAuditEvents;
  const enrichConfig = own.enabled
    ? {
        ...config.enrich,
        dropOwnAuditEvents: { ...own, redactedIds: [...own.redactedIds, redactedKeyId(apiKey.reveal())] },
      }
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
