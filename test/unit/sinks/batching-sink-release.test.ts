import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Delivery, PipelineRecord } from '../../../src/core/record.ts';
import { MemoryDeadLetter } from '../../../src/engine/dead-letter-file.ts';
import { type Batch, BatchingSink } from '../../../src/sinks/shared/batching-sink.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { Metrics } from '../../../src/telemetry/metrics.ts';
import { counterTotal } from '../../helpers/metrics.ts';
import { loggingDeliveries, makeRecord } from '../../helpers/records.ts';

/**
 * A sink that reads its records at once (as an encoding sink does), releases them, then waits for
 * the test to let the batch complete. Records whose event id is listed are dead-lettered.
 */
class ReleasingSink extends BatchingSink {
  readonly batches: Batch[] = [];
  readonly seen: string[] = [];
  private gates: Array<() => void> = [];

  constructor(
    private readonly deadLetterIds: ReadonlySet<string> = new Set(),
    readonly metrics: Metrics = new Metrics(),
  ) {
    super(
      'releasing',
      { batchMaxCount: 100, batchMaxBytes: 1_000_000, lingerMs: 5, maxInFlight: 2 },
      {
        logger: silentLogger(),
        metrics,
        deadLetter: new MemoryDeadLetter(),
        signal: new AbortController().signal,
      },
    );
  }

  protected sendBatch(batch: Batch): Promise<void> {
    for (const r of batch.records) {
      this.seen.push(r.eventId ?? '');
      if (this.deadLetterIds.has(r.eventId ?? '')) this.markDeadLettered(r, 'test');
    }
    this.releaseRecords(batch);
    this.batches.push(batch);
    return new Promise((resolve) => this.gates.push(resolve));
  }

  complete(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

test('released records are still acknowledged once each, in order, after the batch succeeds', async () => {
  const sink = new ReleasingSink(new Set(['evt-000003']));
  const log: string[] = [];
  const [a, b] = loggingDeliveries(log, 'a', 'b') as [Delivery, Delivery];
  const records = [makeRecord(1, a), makeRecord(2, a), makeRecord(3, b), makeRecord(4, a), makeRecord(5, b)];
  const lineBytes = records.map((r) => Buffer.byteLength(r.line));
  for (const r of records) sink.write(r);
  await new Promise((r) => setTimeout(r, 30));

  assert.equal(sink.batches.length, 1);
  assert.deepEqual(sink.seen, ['evt-000001', 'evt-000002', 'evt-000003', 'evt-000004', 'evt-000005']);
  assert.equal(sink.batches[0]!.records.length, 0, 'the sink no longer sees the records it released');
  assert.deepEqual(log, [], 'nothing is acknowledged before the batch succeeded');

  sink.complete();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['a', 'a', 'b', 'a', 'b'], 'every record acknowledged to its own file, in order');
  assert.equal(
    await counterTotal(sink.metrics, 'component_sent_events_total'),
    4,
    'the dead-lettered one is not sent',
  );
  assert.equal(
    await counterTotal(sink.metrics, 'component_sent_bytes_total'),
    lineBytes.reduce((n, x) => n + x, 0) - lineBytes[2]!,
  );
  assert.equal(sink.health().bufferedBytes, 0);
  sink.end();
  await once(sink, 'finish');
});

/** Writes `count` records of 10 KB, keeping only weak references to them (made here, so no local of the test holds one). */
function writeWatched(sink: BatchingSink, delivery: Delivery, count: number): Array<WeakRef<PipelineRecord>> {
  const refs: Array<WeakRef<PipelineRecord>> = [];
  for (let i = 0; i < count; i++) {
    const record = makeRecord(i, delivery, { pad: 'x'.repeat(10_000) });
    refs.push(new WeakRef(record));
    sink.write(record);
  }
  return refs;
}

test('records released by the sink can be garbage-collected while their batch is in flight', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const sink = new ReleasingSink();
  const [delivery] = loggingDeliveries([], 'a') as [Delivery];
  const refs = writeWatched(sink, delivery, 10);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(sink.batches.length, 1, 'the batch is in flight');
  gc();
  assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, 'no record is kept alive');
  sink.complete();
  sink.end();
  await once(sink, 'finish');
});
