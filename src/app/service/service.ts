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
import { FileSlots } from '../../engine/file-slots.js';
import type { CheckpointStore } from '../../state/index.js';
import { type HealthServer, type ReadinessReport, startHealthServer } from '../../telemetry/health-server.js';
import type { Logger } from '../../telemetry/logger.js';
import type { Metrics } from '../../telemetry/metrics.js';
import { Runtime } from '../runtime.js';
import { planService, type ServicePlan } from './plan.js';
import { evaluateReadiness, type ServicePhase } from './readiness.js';
import { scheduleFromConfig } from './schedule.js';
import { describeShard, type Shard } from './shard.js';
import { StopLatch } from './stop-latch.js';
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
  const { logger } = deps;
  const plan = planService(config, deps);
  const streamCount = plan.streams.length + plan.sourceStreams.length;
  const drain = new AbortController();
  const hardStop = new AbortController();
  // Every poll in progress listens on both, plus the pollers' timers.
  setMaxListeners(4 * streamCount + 16, drain.signal, hardStop.signal);
  const runtime = new Runtime(config, deps, {
    signal: hardStop.signal,
    ownKeys: plan.principals.map((p) => p.apiKey),
    concurrentRuns: streamCount,
  });
  const latch = new StopLatch(logger, hardStop);
  const state: ServiceState = { phase: 'starting', pollers: [] };
  const readiness = () => serviceReadiness(config, plan, runtime, state);
  const started = await startRuntime(config, runtime, deps, latch, {
    readiness,
    beforeScrape: () => refreshCheckpointLag(deps.metrics, state.pollers),
  });
  const { health } = started;
  let specs: StreamSpec[];
  try {
    const made = createStreamSpecs(config, plan, {
      limiters: runtime.limiters,
      egress: runtime.egress,
      metrics: deps.metrics,
      logger,
    });
    specs = made.specs;
    started.closeClients = made.close;
  } catch (err) {
    await started.release();
    throw classify(err);
  }
  const ctx = pollerContext(config, runtime, runtime.checkpoints!, deps, drain.signal, hardStop.signal);
  state.pollers = specs.map((spec) => new StreamPoller(spec, ctx));
  const running = state.pollers.map((p) => p.run((error, stream) => latch.fail(error, `stream ${stream}`)));
  state.phase = 'running';
  logStarted(logger, plan, specs.length, ctx.schedule.description, health.port);

  const stop = { drain, hardStop, running, release: () => started.release() };
  return {
    httpPort: health.port,
    shard: plan.shard,
    streams: specs.map((s) => s.key),
    readiness,
    done: shutdownService(config, runtime, latch, state, stop, logger).catch((err: unknown) => ({
      error: classify(err),
      cutShort: true,
      deadLetters: runtime.deadLetter.count,
      deadLetterPath: runtime.deadLetterPath,
    })),
  };
}

interface ServiceState {
  phase: ServicePhase;
  pollers: StreamPoller[];
}

function serviceReadiness(config: Config, plan: ServicePlan, runtime: Runtime, state: ServiceState) {
  return evaluateReadiness({
    phase: state.phase,
    shard: describeShard(plan.shard),
    sinks: runtime.sinks,
    stateDir: plan.stateDir,
    streams: state.pollers.map((p) => p.status()),
    failingThresholdMs: config.service.failingThresholdMs,
    nowMs: Date.now(),
  });
}

interface StartedRuntime {
  readonly health: HealthServer;
  closeClients: () => Promise<void>;
  /** Releases the sinks, the sources' clients, the dead-letter file and the HTTP server. */
  release(): Promise<void>;
}

/**
 * Checks the state directory, starts the HTTP server, then the sinks; a sink that fails later
 * stops the service through `latch`. On any failure releases what it took and rejects.
 */
async function startRuntime(
  config: Config,
  runtime: Runtime,
  deps: ServiceDeps,
  latch: StopLatch,
  endpoints: { readiness(): Promise<ReadinessReport>; beforeScrape(): void },
): Promise<StartedRuntime> {
  const { logger, metrics } = deps;
  try {
    await runtime.ensureState();
  } catch (err) {
    await runtime.release().catch(() => {});
    throw err;
  }
  let health: HealthServer;
  try {
    health = await startHealthServer({
      host: config.service.httpHost,
      port: config.service.httpPort,
      metrics,
      logger: logger.child({ component: 'health' }),
      readiness: endpoints.readiness,
      beforeScrape: endpoints.beforeScrape,
    });
  } catch (err) {
    await runtime.release().catch(() => {});
    throw err;
  }
  const started: StartedRuntime = {
    health,
    closeClients: async () => {},
    release: async () => {
      await runtime.flushSinks(false);
      await started.closeClients();
      await runtime.release().catch(() => {});
      await health.close();
    },
  };
  for (const sink of runtime.sinks) {
    sink.on('error', (err: Error) => {
      if (latch.hardStopped) return; // torn down by the shutdown itself
      latch.fail(classify(err), `sink ${sink.sinkName}`);
    });
  }
  await startSinksUnlessStopped(runtime, deps.signal, latch, started);
  return started;
}

/** Starts the sinks; a stop asked for meanwhile gives up at once: nothing is in flight yet. */
async function startSinksUnlessStopped(
  runtime: Runtime,
  signal: AbortSignal,
  latch: StopLatch,
  started: StartedRuntime,
): Promise<void> {
  const stopEarly = () =>
    latch.hardStop(new CfError('CF_ERR_ABORTED', 'Stopped before the service started.'));
  signal.addEventListener('abort', stopEarly, { once: true });
  try {
    await runtime.startSinks();
    latch.throwIfStopped();
  } catch (err) {
    signal.removeEventListener('abort', stopEarly);
    await started.release();
    throw classify(err);
  }
  signal.removeEventListener('abort', stopEarly);
  if (signal.aborted) latch.wake();
  else signal.addEventListener('abort', () => latch.wake(), { once: true });
}

/** The checkpoint lag of every stream, brought up to now before /metrics answers. */
function refreshCheckpointLag(metrics: Metrics, pollers: readonly StreamPoller[]): void {
  const now = Date.now();
  for (const p of pollers) {
    const end = p.status().checkpointEndTime;
    if (end !== undefined)
      metrics.checkpointLag.set({ stream: p.key }, Math.max(0, (now - Date.parse(end)) / 1000));
  }
}

function pollerContext(
  config: Config,
  runtime: Runtime,
  checkpoints: CheckpointStore,
  deps: ServiceDeps,
  drain: AbortSignal,
  hardStop: AbortSignal,
): PollerContext {
  return {
    config,
    router: runtime.router,
    enricher: runtime.enricher,
    deadLetter: runtime.deadLetter,
    checkpoints,
    fileSlots: new FileSlots(config.pipeline.concurrency),
    schedule: scheduleFromConfig(config.service),
    metrics: deps.metrics,
    logger: deps.logger,
    drain,
    hardStop,
  };
}

function logStarted(
  logger: Logger,
  plan: ServicePlan,
  streams: number,
  schedule: string,
  httpPort: number,
): void {
  const shard = describeShard(plan.shard);
  if (streams === 0) logger.warn({ shard }, 'This shard owns no stream; it only serves its HTTP endpoints.');
  logger.info({ shard, streams, schedule, startAfter: plan.startAfter, httpPort }, 'Service started.');
}

interface ServiceStop {
  readonly drain: AbortController;
  readonly hardStop: AbortController;
  /** Every poller's run, resolved once it has stopped. */
  readonly running: readonly Promise<void>[];
  release(): Promise<void>;
}

/**
 * Waits for a reason to stop, then drains within the grace period: no new poll or file, the
 * started files finish, the sinks flush; past the grace period in-flight work is cut and the
 * sinks torn down (checkpoints stay consistent). Releases everything and says why it stopped.
 */
async function shutdownService(
  config: Config,
  runtime: Runtime,
  latch: StopLatch,
  state: ServiceState,
  stop: ServiceStop,
  logger: Logger,
): Promise<ServiceResult> {
  const graceMs = config.service.shutdownGraceMs;
  await latch.stopping;
  state.phase = 'stopping';
  logger.info(
    { graceMs, reason: latch.fatal === undefined ? 'asked to stop' : latch.fatal.code },
    'Stopping: no new polls or files; files in flight finish, sinks flush, checkpoints are saved.',
  );
  stop.drain.abort(new CfError('CF_ERR_ABORTED', 'The service is stopping.'));
  const grace = setTimeout(
    () =>
      stop.hardStop.abort(
        new CfError('CF_ERR_ABORTED', `The shutdown grace period (${graceMs} ms) ran out.`),
      ),
    graceMs,
  );
  await Promise.all(stop.running);
  // Flushing counts against the same grace period; when it runs out the sinks are torn down.
  const hardStop = stop.hardStop.signal;
  const cut = new Promise<undefined>((resolve) => {
    if (hardStop.aborted) resolve(undefined);
    else hardStop.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  const flushError = await Promise.race([runtime.flushSinks(!hardStop.aborted), cut]);
  clearTimeout(grace);
  const cutShort = hardStop.aborted;
  if (cutShort) {
    logger.warn(
      { graceMs },
      'The shutdown grace period ran out; files in flight were cut short and will be fetched again at the next start.',
    );
  }
  await stop.release();
  const error = latch.fatal ?? (cutShort ? undefined : flushError);
  logger.info({ error: error?.code }, 'Service stopped.');
  return { error, cutShort, deadLetters: runtime.deadLetter.count, deadLetterPath: runtime.deadLetterPath };
}
