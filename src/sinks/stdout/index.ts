import type { Writable } from 'node:stream';
import { z } from 'zod';
import { CfError } from '../../core/errors/index.js';
import { type Batch, BatchingSink } from '../shared/batching-sink.js';
import type { Sink, SinkContext } from '../shared/contract.js';
import { jsonLines } from '../shared/json-lines.js';

export const stdoutSinkConfigSchema = z
  .strictObject({
    type: z.literal('stdout'),
    name: z.string().min(1).optional(),
    batchMaxBytes: z
      .number()
      .int()
      .min(1)
      .default(256 * 1024),
    lingerMs: z.number().int().min(0).default(20),
  })
  .meta({ description: 'JSON Lines on standard output, one record per line.' });
export type StdoutSinkConfig = z.infer<typeof stdoutSinkConfigSchema>;

/**
 * Writes each record as one line to a stream (standard output by default). A record is
 * acknowledged when the stream accepted its bytes (the write callback), which for a pipe means
 * the reader's side has them or the pipe buffer does: nothing is durable here.
 */
class StdoutSink extends BatchingSink {
  constructor(
    name: string,
    config: StdoutSinkConfig,
    ctx: SinkContext,
    private readonly out: Writable,
  ) {
    super(
      name,
      {
        batchMaxCount: 10_000,
        batchMaxBytes: config.batchMaxBytes,
        lingerMs: config.lingerMs,
        maxInFlight: 1,
      },
      ctx,
    );
  }

  protected sendBatch(batch: Batch): Promise<void> {
    const lines = jsonLines(batch.records);
    return new Promise((resolve, reject) => {
      this.out.write(lines, (err) => {
        if (err)
          reject(
            new CfError('CF_ERR_SINK_IO', `Cannot write to ${this.sinkName}: ${err.message}`, { cause: err }),
          );
        else resolve();
      });
    });
  }
}

export function createStdoutSink(
  config: StdoutSinkConfig,
  ctx: SinkContext,
  out: Writable = process.stdout,
): Sink {
  return new StdoutSink(config.name ?? 'stdout', config, ctx, out);
}
