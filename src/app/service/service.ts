/*
 * The service (`compliance-forwarder run`), assembled:
 *
 *   stream A poller ─(interval+jitter | cron)─> runPipeline(A) ─┐
 *   stream B poller ─(backing off after a failure)> runPipeline(B) ─┼─> FileSlots ─> router ─> sinks
 *   stream C poller ─(interval+jitter | cron)─> runPipeline(C) ─┘   (files in flight,  (shared) │
 *        │                                                            all streams)            │ acks
 *        └── per-stream checkpoint <── per-stream watermark <─────────────────────────────────┘
 *
 *   HTTP :9464   /healthz   /readyz (sinks, state dir, failing streams)   /metrics (prom-client)
 *
 *   SIGTERM ─> drain: no new poll, no new file; started files finish ─> sinks flush ─> exit 0
 *              (all within shutdownGraceMs; past it, in-flight work is cut, checkpoints stay consistent)
 *   an error that will not heal (key, config, sink credentials, state) ─> same shutdown, exit 1
 *
 * Streams are the (principal, event type) pairs of the Compliance Logs Platform and the streams
 * of `sources` (an audit-logs organization, a conversations workspace, a files path), each with
 * the key `export` gives it; a shard owns the ones whose key hashes to it. One API client per
 * principal or source; one rate limiter per key and endpoint, shared by every client of that key;
 * one enricher (one de-duplication window) and one set of sinks for all streams.
 */
import { setMaxListeners } from 'node:events';
import type { Writable } from 'node:stream';
import type { Config } from '../../config/schema.js';
import { CfError, classify } from '../../core/errors/index.js';
import { DeadLetterFile } from '../../engine/dead-letter-file.js';
import { FileSlots } from '../../engine/file-slots.js';
import { Router } from '../../engine/router.js';
import { RateLimiterRegistry } from '../../http/index.js';
import type { Sink } from '../../sinks/index.js';
import { CheckpointStore } from '../../state/index.js';
import { type ReadinessReport, startHealthServer } from '../../telemetry/health-server.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { closeSinks, createRecordEnricher, createSinks } from '../assembly.js';
import { defaultDeadLetterPath } from '../export-job.js';
import { planService } from './plan.js';
import { evaluateReadiness, type ServicePhase } from './readiness.js';
import { scheduleFromConfig } from './schedule.js';
import { describeShard, type Shard } from './shard.js';
import { type PollerContext, StreamPoller } from './stream-poller.js';
import { createStreamSpecs, type StreamSpec } from './stream-specs.js';

export interface ServiceDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Aborted to stop gracefully (SIGTERM): drain, flush, checkpoint, within the grace period. */
  readonly signal: AbortSignal;
  /** Where secrets named by environment variable are read (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Where the stdout sink writes. */
  readonly stdout?: Writable;
  /** This replica's share; default `service.shard` of the config (resolved against the host name), or all. */
  readonly shard?: Shard;
  /** For `ordinal/COUNT` shards; default os.hostname() (a pod's host name is its name). */
  readonly hostname?: string;
}

export interface ServiceResult {
  /** Why the service stopped on its own; undefined when it stopped because it was asked to. */
  readonly error: CfError | undefined;
  /** The grace period ran out: in-flight files were cut short (fetched again at the next start). */
  readonly cutShort: boolean;
  readonly deadLetters: number;
  readonly deadLetterPath: string;
}

export interface RunningService {
  /** The port /healthz, /readyz and /metrics listen on (useful with httpPort 0). */
  readonly httpPort: number;
  readonly shard: Shard;
  /** Keys of the streams this replica polls. */
  readonly streams: readonly string[];
  readiness(): Promise<ReadinessReport>;
  /** Resolves once the service has stopped and released everything; never rejects. */
  readonly done: Promise<ServiceResult>;
}

/**
 * Starts the service and resolves once it runs (sinks started, HTTP server listening, pollers
 * scheduled). Rejects with a CfError, having released what it took, when it cannot start: bad
 * config (no principals nor sources, no state.dir, a bad shard), a missing key, a state
 * directory that is not writable, a port in use, a sink that does not start. From then on it
 * runs until `deps.signal` aborts or an error that will not heal stops it; `done` tells which.
 */
export async function startService(config: Config, deps: ServiceDeps): Promise<RunningService> {
  const { logger, metrics } = deps;
  const svc = config.service;
  const plan = planService(config, deps);
  const { shard, stateDir, startAfter } = plan;
  const streamCount = plan.streams.length + plan.sourceStreams.length;
  const checkpoints = new CheckpointStore(stateDir);
  await checkpoints.ensureWritable();

  const drain = new AbortController();
  const hardStop = new AbortController();
  // Every poll in progress listens on both, plus the pollers' timers.
  setMaxListeners(4 * streamCount + 16, drain.signal, hardStop.signal);
  let phase: ServicePhase = 'starting';
  let sinks: Sink[] = [];
  let pollers: StreamPoller[] = [];
  let fatal: CfError | undefined;
  let wake: () => void = () => {};
  const stopping = new Promise<void>((resolve) => {
    wake = resolve;
  });
  const fail = (error: CfError, where: string) => {
    if (fatal === undefined && !hardStop.signal.aborted) {
      fatal = error;
      logger.error(
        { err: error, code: error.code, where },
        'An error that will not heal; the service stops.',
      );
    }
    wake();
  };

  const readiness = () =>
    evaluateReadiness({
      phase,
      shard: describeShard(shard),
      sinks,
      stateDir,
      streams: pollers.map((p) => p.status()),
      failingThresholdMs: svc.failingThresholdMs,
      nowMs: Date.now(),
    });
  const health = await startHealthServer({
    host: svc.httpHost,
    port: svc.httpPort,
    metrics,
    logger: logger.child({ component: 'health' }),
    readiness,
    beforeScrape: () => {
      const now = Date.now();
      for (const p of pollers) {
        const end = p.status().checkpointEndTime;
        if (end !== undefined) {
          metrics.checkpointLag.set({ stream: p.key }, Math.max(0, (now - Date.parse(end)) / 1000));
        }
      }
    },
  });

  const deadLetterPath = defaultDeadLetterPath(config);
  const deadLetter = new DeadLetterFile(deadLetterPath, metrics);
  let closeClients: () => Promise<void> = async () => {};
  const release = async () => {
    await closeSinks(sinks, false);
    await closeClients();
    await deadLetter.close().catch(() => {});
    await health.close();
  };
  // A stop asked for while sinks connect gives up at once: nothing is in flight yet.
  const stopEarly = () =>
    hardStop.abort(new CfError('CF_ERR_ABORTED', 'Stopped before the service started.'));
  deps.signal.addEventListener('abort', stopEarly, { once: true });
  try {
    sinks = createSinks(config, { logger, metrics, deadLetter, signal: hardStop.signal }, deps.stdout);
    for (const sink of sinks) {
      // Every run in progress listens for its sinks' errors.
      sink.setMaxListeners(2 * streamCount + 16);
      sink.on('error', (err: Error) => {
        if (hardStop.signal.aborted) return; // torn down by the shutdown itself
        fail(classify(err), `sink ${sink.sinkName}`);
      });
    }
    await Promise.all(sinks.map((s) => s.start()));
    if (fatal !== undefined) throw fatal;
    if (hardStop.signal.aborted) throw hardStop.signal.reason;
  } catch (err) {
    deps.signal.removeEventListener('abort', stopEarly);
    await release();
    throw classify(err);
  }
  deps.signal.removeEventListener('abort', stopEarly);
  if (deps.signal.aborted) wake();
  else deps.signal.addEventListener('abort', () => wake(), { once: true });

  let specs: StreamSpec[];
  try {
    const made = createStreamSpecs(config, plan, {
      limiters: new RateLimiterRegistry(),
      metrics,
      logger,
    });
    specs = made.specs;
    closeClients = made.close;
  } catch (err) {
    await release();
    throw classify(err);
  }
  const ctx: PollerContext = {
    config,
    router: new Router(sinks, config.routes),
    enricher: createRecordEnricher(
      config,
      plan.principals.map((p) => p.apiKey),
      deps,
    ),
    deadLetter,
    checkpoints,
    fileSlots: new FileSlots(config.pipeline.concurrency),
    schedule: scheduleFromConfig(svc),
    metrics,
    logger,
    drain: drain.signal,
    hardStop: hardStop.signal,
  };
  pollers = specs.map((spec) => new StreamPoller(spec, ctx));
  const running = pollers.map((p) => p.run((error, stream) => fail(error, `stream ${stream}`)));
  phase = 'running';
  if (specs.length === 0)
    logger.warn(
      { shard: describeShard(shard) },
      'This shard owns no stream; it only serves its HTTP endpoints.',
    );
  logger.info(
    {
      shard: describeShard(shard),
      streams: specs.length,
      schedule: ctx.schedule.description,
      startAfter,
      httpPort: health.port,
    },
    'Service started.',
  );

  const shutdown = async (): Promise<ServiceResult> => {
    await stopping;
    phase = 'stopping';
    logger.info(
      { graceMs: svc.shutdownGraceMs, reason: fatal === undefined ? 'asked to stop' : fatal.code },
      'Stopping: no new polls or files; files in flight finish, sinks flush, checkpoints are saved.',
    );
    drain.abort(new CfError('CF_ERR_ABORTED', 'The service is stopping.'));
    const grace = setTimeout(
      () =>
        hardStop.abort(
          new CfError('CF_ERR_ABORTED', `The shutdown grace period (${svc.shutdownGraceMs} ms) ran out.`),
        ),
      svc.shutdownGraceMs,
    );
    await Promise.all(running);
    // Flushing counts against the same grace period; when it runs out the sinks are torn down.
    const cut = new Promise<undefined>((resolve) => {
      if (hardStop.signal.aborted) resolve(undefined);
      else hardStop.signal.addEventListener('abort', () => resolve(undefined), { once: true });
    });
    const flushError = await Promise.race([closeSinks(sinks, !hardStop.signal.aborted), cut]);
    clearTimeout(grace);
    const cutShort = hardStop.signal.aborted;
    if (cutShort) {
      logger.warn(
        { graceMs: svc.shutdownGraceMs },
        'The shutdown grace period ran out; files in flight were cut short and will be fetched again at the next start.',
      );
    }
    await release();
    const error = fatal ?? (cutShort ? undefined : flushError);
    logger.info({ error: error?.code }, 'Service stopped.');
    return { error, cutShort, deadLetters: deadLetter.count, deadLetterPath };
  };

  return {
    httpPort: health.port,
    shard,
    streams: specs.map((s) => s.key),
    readiness,
    done: shutdown().catch((err: unknown) => ({
      error: classify(err),
      cutShort: true,
      deadLetters: deadLetter.count,
      deadLetterPath,
    })),
  };
}
