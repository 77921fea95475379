import type { StreamSource } from '../../src/core/stream-source.ts';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.ts';
import { Router } from '../../src/engine/router.ts';
import type { PipelineOptions } from '../../src/engine/run-pipeline.ts';
import { createBlackholeSink } from '../../src/sinks/blackhole/index.ts';
import type { CheckpointStore } from '../../src/state/index.ts';
import { silentLogger } from '../../src/telemetry/logger.ts';
import { Metrics } from '../../src/telemetry/metrics.ts';
import { enrichConfigSchema, RecordEnricher, splitterConfigSchema } from '../../src/transforms/index.ts';

/**
 * Options for runPipeline in engine tests: `streams` into one blackhole sink that acknowledges
 * each record at once, four files at a time. Pass `metrics`, `deadLetter` or `enricher` to share
 * them between runs (as service mode's polls do).
 */
export function blackholePipeline(
  streams: StreamSource[],
  checkpoints: CheckpointStore,
  shared: Partial<Pick<PipelineOptions, 'metrics' | 'deadLetter' | 'enricher'>> = {},
): PipelineOptions {
  const metrics = shared.metrics ?? new Metrics();
  const deadLetter = shared.deadLetter ?? new MemoryDeadLetter();
  const sink = createBlackholeSink(
    { type: 'blackhole', batchMaxCount: 1 },
    { logger: silentLogger(), metrics, deadLetter, signal: new AbortController().signal },
  );
  return {
    streams,
    router: new Router([sink]),
    enricher:
      shared.enricher ?? new RecordEnricher(enrichConfigSchema.parse({}), { version: 'test', host: 'test' }),
    splitter: splitterConfigSchema.parse({}),
    deadLetter,
    metrics,
    logger: silentLogger(),
    signal: new AbortController().signal,
    concurrency: 4,
    checkpoints,
  };
}
