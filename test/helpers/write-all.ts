import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { PipelineRecord } from '../../src/core/record.js';

/**
 * Writes every record into a sink the way the pipeline does (src/engine/file-processor.ts):
 * `write()` per record, waiting for 'drain' only when the sink says it is full; then ends the
 * sink and waits for 'finish' (every record acknowledged). Rejects with the sink's error.
 * Counts how often the sink pushed back.
 */
export async function writeAll(
  sink: Writable,
  records: Iterable<PipelineRecord>,
): Promise<{ pushBacks: number }> {
  let pushBacks = 0;
  for (const r of records) {
    if (!sink.write(r)) {
      pushBacks++;
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          sink.off('error', onError);
          resolve();
        };
        const onError = (err: Error) => {
          sink.off('drain', onDrain);
          reject(err);
        };
        sink.once('drain', onDrain);
        sink.once('error', onError);
      });
    }
  }
  sink.end();
  await finished(sink);
  return { pushBacks };
}
