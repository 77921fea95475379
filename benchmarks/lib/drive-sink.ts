import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { PipelineRecord } from '../../src/pipeline/record.js';

/**
 * Writes the records into a sink the way the pipeline does (src/pipeline/file-processor.ts):
 * `write()` per record, waiting for 'drain' only when the sink says it is full; then ends it and
 * waits until everything is acknowledged ('finish'). A Readable.from(generator) piped into the
 * sink would add a stream stage per record that no real run has.
 */
export async function driveSink(sink: Writable, records: Iterable<PipelineRecord>): Promise<void> {
  const failed = once(sink, 'error').then(([err]) => {
    throw err;
  });
  // Settled alongside the writes; an error surfaces through the race below.
  failed.catch(() => {});
  for (const record of records) {
    if (!sink.write(record)) await Promise.race([once(sink, 'drain'), failed]);
  }
  sink.end();
  await Promise.race([finished(sink), failed]);
}
