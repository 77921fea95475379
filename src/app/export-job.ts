import type { Writable } from 'node:stream';
import type { Config } from '../config/schema.js';
import { type CfError, classify } from '../core/errors/index.js';
import { resolveSecret } from '../core/secret-ref.js';
import type { StreamSource } from '../core/stream-source.js';
import { type PipelineResult, type ProgressEvent, runPipeline } from '../engine/run-pipeline.js';
import type { RateLimitHold } from '../http/index.js';
import { DEFAULT_SOURCE, type SourceEntry, sourceOf } from '../sources/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { Runtime } from './runtime.js';

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
  /**
   * Handed, once the rate limiters exist, a probe of those holding requests back (the progress
   * line's "waiting for the rate limit" state polls it).
   */
  readonly onRateLimitProbe?: (probe: () => readonly RateLimitHold[]) => void;
}

export interface ExportSummary {
  readonly result: PipelineResult;
  readonly deadLetters: number;
  readonly deadLetterPath: string;
  readonly error: CfError | undefined;
}

/**
 * Runs one export window through the pipeline: builds the runtime (dead-letter file, checkpoints,
 * sinks started so a bad destination fails before any download), opens the window's streams,
 * runs, then flushes the sinks and closes everything. Never throws for pipeline failures: the
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
  const controller = new AbortController();
  const runtime = new Runtime(config, deps, {
    signal: controller.signal,
    ownKeys: apiKey === undefined ? [] : [apiKey],
  });
  try {
    await runtime.ensureState();
  } catch (err) {
    await runtime.release();
    throw err;
  }
  deps.onRateLimitProbe?.(() => runtime.limiters.holds());
  const onAbort = () => controller.abort(deps.signal.reason);
  deps.signal.addEventListener('abort', onAbort, { once: true });
  let streams: WindowStreams | undefined;
  let result: PipelineResult | undefined;
  let error: CfError | undefined;
  try {
    await runtime.startSinks();
    streams = await openWindowStreams(config, window, runtime, { ...deps, env });
    result = await runPipeline({
      streams: streams.streams,
      router: runtime.router,
      enricher: runtime.enricher,
      splitter: config.splitter,
      deadLetter: runtime.deadLetter,
      metrics: deps.metrics,
      logger: deps.logger,
      signal: controller.signal,
      concurrency: config.pipeline.concurrency,
      ...(runtime.checkpoints === undefined ? {} : { checkpoints: runtime.checkpoints }),
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
  error ??= await runtime.flushSinks(error === undefined);
  await streams?.close();
  await runtime.release();
  return {
    result: result ?? { streams: [], error },
    deadLetters: runtime.deadLetter.count,
    deadLetterPath: runtime.deadLetterPath,
    error,
  };
}

interface WindowStreams {
  readonly streams: StreamSource[];
  close(): Promise<void>;
}

/**
 * The streams of one window, each resuming from its checkpoint, and what to close after the run:
 * those of the `sources` entry `export --source` named, or of the compliance-logs source for the
 * window's principal and event types.
 */
function openWindowStreams(
  config: Config,
  window: ExportWindow,
  runtime: Runtime,
  deps: ExportJobDeps & { readonly env: NodeJS.ProcessEnv },
): Promise<WindowStreams> {
  const { checkpoints, limiters } = runtime;
  const [descriptor, instance] =
    window.source === undefined
      ? [
          DEFAULT_SOURCE,
          { ...config.source, principals: [{ id: window.principalId, eventTypes: [...window.eventTypes] }] },
        ]
      : [sourceOf(window.source.type)!, window.source];
  return descriptor.exportStreams(instance, window, {
    env: deps.env,
    limiters,
    egress: runtime.egress,
    metrics: deps.metrics,
    logger: deps.logger,
    ...(checkpoints === undefined ? {} : { resumeOf: (key: string) => checkpoints.load(key) }),
    ...(deps.stdin === undefined ? {} : { stdin: deps.stdin }),
  });
}
