import { strict as assert } from 'node:assert';
import { finished } from 'node:stream/promises';
import { test } from 'node:test';
import { MemoryDeadLetter } from '../../../src/engine/dead-letter-file.js';
import { type Batch, BatchingSink } from '../../../src/sinks/shared/batching-sink.js';
import { silentLogger } from '../../../src/telemetry/logger.js';
import { Metrics } from '../../../src/telemetry/metrics.js';
import { makeRecord } from '../../helpers/records.js';

/** Counts disposeSink calls: a sink closing its connections twice may fail or hang on the second. */
class DisposalCounter extends BatchingSink {
  disposals = 0;
  constructor() {
    super(
      'dispose-once',
      { batchMaxCount: 10, batchMaxBytes: 1_000_000, lingerMs: 5, maxInFlight: 1 },
      {
        logger: silentLogger(),
        metrics: new Metrics(),
        deadLetter: new MemoryDeadLetter(),
        signal: new AbortController().signal,
      },
    );
  }
  protected async sendBatch(_batch: Batch): Promise<void> {}
  protected override async disposeSink(): Promise<void> {
    this.disposals++;
  }
}

test('disposeSink runs once when a sink ends normally (final, then autoDestroy)', async () => {
  const sink = new DisposalCounter();
  sink.write(makeRecord(1));
  sink.end();
  await finished(sink);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(sink.disposals, 1);
});

test('disposeSink runs once when a sink is destroyed', async () => {
  const sink = new DisposalCounter();
  sink.destroy();
  await finished(sink).catch(() => {});
  sink.destroy();
  assert.equal(sink.disposals, 1);
});
