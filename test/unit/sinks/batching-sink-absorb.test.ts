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
 * A sink that takes each record as it arrives (keeps its event id, as an encoding sink keeps its
 * bytes) and declines the ones listed, which it dead-letters in sendBatch; batches complete when
 * the test lets them.
 */
class AbsorbingSink extends BatchingSink<string[]> {
  readonly batches: Array<Batch<string[]>> = [];
  private taken: string[] = [];
  private gates: Array<() => void> = [];

  constructor(
    private readonly declineIds: ReadonlySet<string> = new Set(),
    readonly metrics: Metrics = new Metrics(),
    batchMaxCount = 100,
    lingerMs = 5,
  ) {
    super(
      'absorbing',
      { batchMaxCount, batchMaxBytes: 1_000_000, lingerMs, maxInFlight: 2 },
      {
        logger: silentLogger(),
        metrics,
        deadLetter: new MemoryDeadLetter(),
        signal: new AbortController().signal,
      },
    );
  }

  protected override absorb(record: PipelineRecord): boolean {
    if (this.declineIds.has(record.eventId ?? '')) return false;
    this.taken.push(record.eventId ?? '');
    return true;
  }

  protected override closeAbsorbed(): string[] {
    const taken = this.taken;
    this.taken = [];
    return taken;
  }

  protected sendBatch(batch: Batch<string[]>): Promise<void> {
    for (const r of batch.records) this.markDeadLettered(r, 'test');
    this.releaseRecords(batch);
    this.batches.push(batch);
    return new Promise((resolve) => this.gates.push(resolve));
  }

  complete(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

test('absorbed records are acknowledged once each, in arrival order, only after their batch succeeds', async () => {
  const sink = new AbsorbingSink(new Set(['evt-000003']));
  const log: string[] = [];
  const [a, b] = loggingDeliveries(log, 'a', 'b') as [Delivery, Delivery];
  const records = [makeRecord(1, a), makeRecord(2, a), makeRecord(3, b), makeRecord(4, a), makeRecord(5, b)];
  const lineBytes = records.map((r) => Buffer.byteLength(r.line));
  for (const r of records) sink.write(r);
  await new Promise((r) => setTimeout(r, 30));

  assert.equal(sink.batches.length, 1);
  const batch = sink.batches[0]!;
  assert.deepEqual(batch.absorbed, ['evt-000001', 'evt-000002', 'evt-000004', 'evt-000005']);
  assert.equal(
    batch.bytes,
    lineBytes.reduce((n, x) => n + x, 0),
    'the batch counts every record that arrived',
  );
  assert.deepEqual(log, [], 'nothing is acknowledged before the batch succeeded');

  sink.complete();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(log, ['a', 'a', 'b', 'a', 'b'], 'every record acknowledged to its own file, in order');
  assert.equal(await counterTotal(sink.metrics, 'component_received_events_total'), 5);
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

test('each batch carries what was absorbed while it filled, and batches close by count as before', async () => {
  const sink = new AbsorbingSink(new Set(), new Metrics(), 2);
  const log: string[] = [];
  const [a] = loggingDeliveries(log, 'a') as [Delivery];
  for (let i = 1; i <= 5; i++) sink.write(makeRecord(i, a));
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(
    sink.batches.map((b) => b.absorbed),
    [
      ['evt-000001', 'evt-000002'],
      ['evt-000003', 'evt-000004'],
    ],
    'two in flight (maxInFlight), the fifth record waits in a filling batch',
  );
  sink.complete();
  await new Promise((r) => setTimeout(r, 30));
  sink.complete();
  sink.end();
  await once(sink, 'finish');
  assert.deepEqual(
    sink.batches.map((b) => b.absorbed),
    [['evt-000001', 'evt-000002'], ['evt-000003', 'evt-000004'], ['evt-000005']],
  );
  assert.equal(log.length, 5);
});

test('a failed batch acknowledges none of its absorbed records', async () => {
  class FailingSink extends AbsorbingSink {
    protected override sendBatch(): Promise<void> {
      return Promise.reject(new Error('receiver gone'));
    }
  }
  const sink = new FailingSink();
  const log: string[] = [];
  const [a] = loggingDeliveries(log, 'a') as [Delivery];
  sink.write(makeRecord(1, a));
  const [err] = (await once(sink, 'error')) as [Error];
  assert.match(err.message, /receiver gone/);
  assert.deepEqual(log, []);
});

test('absorbed records can be garbage-collected while their batch is still filling', async () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  // A linger longer than the test: the batch is still filling when gc runs.
  const sink = new AbsorbingSink(new Set(), new Metrics(), 100, 60_000);
  const [delivery] = loggingDeliveries([], 'a') as [Delivery];
  const refs: Array<WeakRef<PipelineRecord>> = [];
  (() => {
    for (let i = 0; i < 10; i++) {
      const record = makeRecord(i, delivery, { pad: 'x'.repeat(10_000) });
      refs.push(new WeakRef(record));
      sink.write(record);
    }
  })();
  // A WeakRef keeps its target alive until the job that made it ends.
  await new Promise((r) => setImmediate(r));
  assert.equal(sink.batches.length, 0, 'the batch is still filling');
  gc();
  assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0, 'no record is kept alive');
  sink.end();
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(sink.batches[0]?.absorbed?.length, 10, 'end() closed the batch with every record');
  sink.complete();
  await once(sink, 'finish');
});
