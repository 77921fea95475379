import { finished } from 'node:stream/promises';
import type { PipelineRecord } from '../../src/core/record.ts';
import type { StreamSource } from '../../src/core/stream-source.ts';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.ts';
import { Router } from '../../src/engine/router.ts';
import { type PipelineResult, runPipeline } from '../../src/engine/run-pipeline.ts';
import { type Batch, BatchingSink } from '../../src/sinks/shared/batching-sink.ts';
import type { SinkContext } from '../../src/sinks/shared/contract.ts';
import { CheckpointStore } from '../../src/state/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { enrichConfigSchema, RecordEnricher, splitterConfigSchema } from '../../src/transforms/index.ts';

/** Acknowledges every record and keeps what it received, in arrival order. */
export class CollectingSink extends BatchingSink {
  readonly records: PipelineRecord[] = [];
  constructor(
    ctx: SinkContext,
    private readonly onRecords?: (count: number) => void,
  ) {
    super(
      'collect',
      { batchMaxCount: 100, batchMaxBytes: 8 * 1024 * 1024, lingerMs: 5, maxInFlight: 2 },
      ctx,
    );
  }
  protected async sendBatch(batch: Batch): Promise<void> {
    this.records.push(...batch.records);
    this.onRecords?.(batch.records.length);
  }
}

export interface SourceRun {
  readonly result: PipelineResult;
  readonly records: readonly PipelineRecord[];
  /** Every record's line, parsed. */
  readonly objects: ReadonlyArray<Record<string, unknown>>;
  readonly deadLetter: MemoryDeadLetter;
  readonly metrics: Metrics;
}

/**
 * Runs streams through the real pipeline (splitter, enricher without metadata, a collecting sink)
 * and returns what arrived. `stateDir` turns checkpoints on; `dedupe` the enricher's window.
 */
export async function runSources(
  streams: StreamSource[],
  opts: {
    stateDir?: string;
    dedupe?: boolean;
    concurrency?: number;
    signal?: AbortSignal;
    stopPulling?: AbortSignal;
    /** Told how many records each acknowledged batch held. */
    onRecords?: (count: number) => void;
  } = {},
): Promise<SourceRun> {
  const metrics = new Metrics();
  const deadLetter = new MemoryDeadLetter();
  const ctx = { logger: silentLogger(), metrics, deadLetter, signal: new AbortController().signal };
  const sink = new CollectingSink(ctx, opts.onRecords);
  await sink.start();
  const result = await runPipeline({
    streams,
    router: new Router([sink]),
    enricher: new RecordEnricher(
      enrichConfigSchema.parse({ metadataKey: null, dedupe: { enabled: opts.dedupe ?? true } }),
      { version: 'test', host: 'test' },
    ),
    splitter: splitterConfigSchema.parse({}),
    deadLetter,
    metrics,
    logger: silentLogger(),
    signal: opts.signal ?? new AbortController().signal,
    concurrency: opts.concurrency ?? 4,
    ...(opts.stateDir === undefined ? {} : { checkpoints: new CheckpointStore(opts.stateDir) }),
    ...(opts.stopPulling === undefined ? {} : { stopPulling: opts.stopPulling }),
  });
  if (result.error === undefined) {
    sink.end();
    await finished(sink);
  } else {
    sink.destroy();
  }
  return {
    result,
    records: sink.records,
    objects: sink.records.map((r) => JSON.parse(r.line) as Record<string, unknown>),
    deadLetter,
    metrics,
  };
}

/** The checkpoint of `stream` in `stateDir`, as a resume position. */
export async function loadResume(stateDir: string, stream: string) {
  const cp = await new CheckpointStore(stateDir).load(stream);
  return cp === undefined
    ? undefined
    : { endTime: cp.endTime, idsAtEndTime: cp.idsAtEndTime, filesDelivered: cp.filesDelivered };
}

/** Test pace against the simulator: fast retries, a generous local rate limit. */
export const FAST_HTTP = {
  requestsPerMinute: 1000,
  rateWindowMs: 1000,
  retry: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 100, multiplier: 2 },
} as const;
