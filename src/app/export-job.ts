import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Config } from '../config/schema.js';
import { type CfError, classify } from '../core/errors/index.js';
import { resolveSecret } from '../core/secret-ref.js';
import type { StreamSource } from '../core/stream-source.js';
import { DeadLetterFile } from '../engine/dead-letter-file.js';
import { Router } from '../engine/router.js';
import { type PipelineResult, type ProgressEvent, runPipeline } from '../engine/run-pipeline.js';
import { RateLimiterRegistry } from '../http/index.js';
import type { Sink } from '../sinks/index.js';
import {
  complianceLogsStream,
  complianceStreamKey,
  createComplianceClient,
} from '../sources/compliance-logs/index.js';
import { type SourceEntry, sourceOf } from '../sources/index.js';
import { CheckpointStore } from '../state/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { closeSinks, createRecordEnricher, createSinks } from './assembly.js';

/** One window of one principal: what `export`, `fetch` and `demo` run. */
export interface ExportWindow {
  /** An entry of `sources` to export (`export --source`); the default is the config's `source` and this principal. */
  readonly source?: SourceEntry;
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
  /** Standard input, for `--source files --path -`. */
  readonly stdin?: import('node:stream').Readable;
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
  const apiKey =
    window.source === undefined
      ? resolveSecret(config.source.apiKey, 'The Compliance API key', env)
      : undefined;
  const deadLetterPath = defaultDeadLetterPath(config);
  const deadLetter = new DeadLetterFile(deadLetterPath, deps.metrics);
  const checkpoints = config.state.dir === undefined ? undefined : new CheckpointStore(config.state.dir);
  await checkpoints?.ensureWritable();

  const controller = new AbortController();
  const onAbort = () => controller.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', onAbort, { once: true });
  const ctx = { logger: deps.logger, metrics: deps.metrics, deadLetter, signal: controller.signal };
  const sinks: Sink[] = createSinks(config, ctx, deps.stdout);
  const limiters = new RateLimiterRegistry();
  const client =
    apiKey === undefined
      ? undefined
      : createComplianceClient(config.source, window.principalId, apiKey, limiters, deps);
  let closeOther = async () => {};
  let result: PipelineResult | undefined;
  let error: CfError | undefined;
  try {
    await Promise.all(sinks.map((s) => s.start()));
    const streams: StreamSource[] = [];
    if (window.source !== undefined) {
      const opened = await sourceOf(window.source.type)!.exportStreams(window.source, window, {
        env,
        limiters,
        metrics: deps.metrics,
        logger: deps.logger,
        ...(checkpoints === undefined ? {} : { resumeOf: (key: string) => checkpoints.load(key) }),
        ...(deps.stdin === undefined ? {} : { stdin: deps.stdin }),
      });
      streams.push(...opened.streams);
      closeOther = opened.close;
    }
    for (const eventType of client === undefined ? [] : window.eventTypes) {
      const key = complianceStreamKey(window.principalId, eventType);
      const cp = await checkpoints?.load(key);
      streams.push(
        complianceLogsStream(client!, {
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
    const enricher = createRecordEnricher(config, apiKey === undefined ? [] : [apiKey], deps);
    result = await runPipeline({
      streams,
      router: new Router(sinks, config.routes),
      enricher,
      splitter: config.splitter,
      deadLetter,
      metrics: deps.metrics,
      logger: deps.logger,
      signal: controller.signal,
      concurrency: config.pipeline.concurrency,
      ...(checkpoints === undefined ? {} : { checkpoints }),
      skipExpiredFiles: config.pipeline.skipExpiredFiles,
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
  const flushError = await closeSinks(sinks, error === undefined);
  error ??= flushError;
  await client?.close();
  await closeOther();
  await deadLetter.close();
  return {
    result: result ?? { streams: [], error },
    deadLetters: deadLetter.count,
    deadLetterPath,
    error,
  };
}
