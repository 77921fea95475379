import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { type Config, unknownEventTypesOf } from '../config/schema.js';
import type { CfError } from '../core/errors/index.js';
import type { Secret } from '../core/secret.js';
import type { Sink } from '../core/sink.js';
import { DeadLetterFile } from '../engine/dead-letter-file.js';
import { Router } from '../engine/router.js';
import { type HttpEgress, httpEgressOf, RateLimiterRegistry } from '../http/index.js';
import { CheckpointStore } from '../state/index.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { RecordEnricher } from '../transforms/index.js';
import { closeSinks, createRecordEnricher, createSinks } from './assembly.js';

export interface RuntimeDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Where the stdout sink writes. */
  readonly stdout?: Writable;
}

export interface RuntimeOptions {
  /** Aborted to tear down at once: the sinks give up retrying and waiting. */
  readonly signal: AbortSignal;
  /** The Compliance API keys in use: the enricher recognises their own audit events. */
  readonly ownKeys: readonly Secret[];
  /** Pipeline runs that may use the sinks at once (each listens for the sinks' errors). */
  readonly concurrentRuns?: number;
}

/**
 * What `export` and `run` share for one process, built the same way from the config: the
 * dead-letter file, the checkpoint store, the sinks and the router in front of them, the enricher
 * (one de-duplication window), and one rate limiter per key and endpoint for every API client.
 *
 * Lifecycle: `createRuntime` (nothing connects) -> `ensureState()` -> `startSinks()` -> runs ->
 * `flushSinks(flush)` -> `release()`. The sources' clients are the caller's to close.
 */
export class Runtime {
  readonly deadLetterPath: string;
  readonly deadLetter: DeadLetterFile;
  readonly checkpoints: CheckpointStore | undefined;
  readonly sinks: readonly Sink[];
  readonly router: Router;
  readonly enricher: RecordEnricher;
  readonly limiters = new RateLimiterRegistry();
  /** Which HTTP requests go through which forward proxy: the `http` section, then the environment. */
  readonly egress: HttpEgress;

  constructor(config: Config, deps: RuntimeDeps, options: RuntimeOptions) {
    this.egress = httpEgressOf(config.http);
    const proxies = this.egress.describe();
    if (proxies.https !== undefined || proxies.http !== undefined) {
      // Without credentials: describe() gives scheme://host:port only.
      deps.logger.info(
        { proxy: proxies },
        'HTTP requests go through a forward proxy (NO_PROXY targets go direct).',
      );
    }
    this.deadLetterPath = defaultDeadLetterPath(config);
    this.deadLetter = new DeadLetterFile(this.deadLetterPath, deps.metrics);
    this.checkpoints = config.state.dir === undefined ? undefined : new CheckpointStore(config.state.dir);
    const ctx = {
      logger: deps.logger,
      metrics: deps.metrics,
      deadLetter: this.deadLetter,
      signal: options.signal,
      egress: this.egress,
    };
    this.sinks = createSinks(config, ctx, deps.stdout);
    for (const sink of this.sinks) sink.setMaxListeners(2 * (options.concurrentRuns ?? 1) + 16);
    this.router = new Router([...this.sinks], config.routes);
    this.enricher = createRecordEnricher(config, options.ownKeys, deps);
    const unknown = unknownEventTypesOf(config);
    if (unknown.length > 0) {
      deps.logger.warn(
        { eventTypes: unknown },
        `Event types outside the built-in list (added by the API since?): ${unknown.join(', ')}; requested as given.`,
      );
    }
  }

  /** Fails with CF_ERR_STATE when the state directory (if any) cannot be written. */
  async ensureState(): Promise<void> {
    await this.checkpoints?.ensureWritable();
  }

  /** Connects every sink and checks its destination, so a bad one fails before any download. */
  async startSinks(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.start()));
  }

  /** Ends the sinks: with `flush`, their last batches are sent and acknowledged. The first flush error. */
  flushSinks(flush: boolean): Promise<CfError | undefined> {
    return closeSinks(this.sinks, flush);
  }

  /** Tears down the sinks that did not finish flushing and closes the dead-letter file. */
  async release(): Promise<void> {
    await closeSinks(
      this.sinks.filter((s) => !s.writableFinished),
      false,
    );
    await this.deadLetter.close();
  }
}

/** Where dead letters go when the config does not say: beside the state, the output, or here. */
export function defaultDeadLetterPath(config: Config): string {
  if (config.deadLetter.path !== undefined) return config.deadLetter.path;
  if (config.state.dir !== undefined) return join(config.state.dir, 'dead-letter.jsonl');
  const file = config.sinks.find((s) => s.type === 'file');
  if (file !== undefined && file.type === 'file') return join(file.directory, 'dead-letter.jsonl');
  return 'compliance-forwarder-dead-letter.jsonl';
}
