import { z } from 'zod';
import { type Batch, BatchingSink } from '../shared/batching-sink.js';
import type { Sink, SinkContext } from '../shared/contract.js';

export const blackholeSinkConfigSchema = z
  .strictObject({
    type: z.literal('blackhole'),
    name: z.string().min(1).optional(),
    batchMaxCount: z.number().int().min(1).default(1000),
  })
  .meta({ description: 'Accepts and acknowledges every record; the baseline for benchmarks.' });
export type BlackholeSinkConfig = z.infer<typeof blackholeSinkConfigSchema>;

/** Acknowledges everything at once: measures the pipeline without a destination. */
class BlackholeSink extends BatchingSink {
  protected async sendBatch(_batch: Batch): Promise<void> {}
}

export function createBlackholeSink(config: BlackholeSinkConfig, ctx: SinkContext): Sink {
  return new BlackholeSink(
    config.name ?? 'blackhole',
    { batchMaxCount: config.batchMaxCount, batchMaxBytes: 8 * 1024 * 1024, lingerMs: 50, maxInFlight: 1 },
    ctx,
  );
}
