import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { CfError } from '../../../src/core/errors/index.ts';
import { MemoryDeadLetter } from '../../../src/engine/dead-letter-file.ts';
import { type Batch, BatchingSink } from '../../../src/sinks/shared/batching-sink.ts';
import { silentLogger } from '../../../src/telemetry/logger.ts';
import { Metrics } from '../../../src/telemetry/metrics.ts';
import { CountingDelivery, makeRecord } from '../../helpers/records.ts';

/** A destination that answers when the test says so. */
class GatedSink extends BatchingSink {
  readonly batches: Batch[] = [];
  private gates: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  constructor(opts: Partial<ConstructorParameters<typeof BatchingSink>[1]> = {}) {
    super(
      'gated',
      { batchMaxCount: 10, batchMaxBytes: 1_000_000, lingerMs: 5, maxInFlight: 2, ...opts },
      {
        logger: silentLogger(),
        metrics: new Metrics(),
        deadLetter: new MemoryDeadLetter(),
        signal: new AbortController().signal,
      },
    );
  }
  protected sendBatch(batch: Batch): Promise<void> {
    this.batches.push(batch);
    return new Promise((resolve, reject) => this.gates.push({ resolve, reject }));
  }
  release(n = Number.POSITIVE_INFINITY): void {
    for (const g of this.gates.splice(0, n)) g.resolve();
  }
  breakNext(err: Error): void {
    this.gates.shift()?.reject(err);
  }
}

test('a slow destination makes write() return false and bounds what the sink holds', async () => {
  const sink = new GatedSink();
  const delivery = new CountingDelivery();
  let accepted = 0;
  for (let i = 0; i < 1000; i++) {
    if (!sink.write(makeRecord(i, delivery))) break;
    accepted++;
  }
  assert.ok(accepted < 100, `backpressure after ${accepted} records`);
  assert.equal(sink.health().inFlight, 2);
  assert.equal(delivery.acked, 0, 'nothing is acknowledged before the destination answers');
  sink.release();
  await once(sink, 'drain');
  assert.ok(delivery.acked >= 20);
  sink.end();
  const done = once(sink, 'finish');
  const pump = setInterval(() => sink.release(), 2);
  await done;
  clearInterval(pump);
  assert.equal(delivery.acked, accepted + 1, 'every written record is acknowledged after end()');
});

test('records are acknowledged only after their batch succeeded, linger flushes a partial batch', async () => {
  const sink = new GatedSink({ batchMaxCount: 100, lingerMs: 10 });
  const delivery = new CountingDelivery();
  for (let i = 0; i < 3; i++) sink.write(makeRecord(i, delivery));
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(sink.batches.length, 1, 'the linger timer sent the partial batch');
  assert.equal(sink.batches[0]!.records.length, 3);
  assert.equal(delivery.acked, 0);
  sink.release();
  await new Promise((r) => setImmediate(r));
  assert.equal(delivery.acked, 3);
  sink.end();
  await once(sink, 'finish');
});

test('a batch never exceeds batchMaxBytes unless one record alone is larger', async () => {
  const sink = new GatedSink({ batchMaxCount: 1000, batchMaxBytes: 1000, maxInFlight: 100 });
  const delivery = new CountingDelivery();
  sink.write(makeRecord(1, delivery, { pad: 'x'.repeat(400) }));
  sink.write(makeRecord(2, delivery, { pad: 'x'.repeat(400) }));
  sink.write(makeRecord(3, delivery, { pad: 'x'.repeat(5000) }));
  sink.write(makeRecord(4, delivery));
  sink.end();
  const done = once(sink, 'finish');
  const pump = setInterval(() => sink.release(), 2);
  await done;
  clearInterval(pump);
  // 400 + 400 bytes (plus envelope) overflow 1000, the 5000-byte record travels alone.
  assert.ok(sink.batches.length >= 3);
  for (const b of sink.batches)
    assert.ok(b.bytes <= 1000 || b.records.length === 1, `batch of ${b.bytes} bytes`);
  assert.equal(delivery.acked, 4);
});

test('a fatal send error destroys the sink and leaves its records unacknowledged', async () => {
  const sink = new GatedSink();
  const delivery = new CountingDelivery();
  for (let i = 0; i < 10; i++) sink.write(makeRecord(i, delivery));
  const failed = once(sink, 'error');
  await new Promise((r) => setTimeout(r, 10));
  sink.breakNext(new CfError('CF_ERR_SINK_FATAL', 'topic events partition 0: MESSAGE_TOO_LARGE'));
  const [err] = await failed;
  assert.match((err as Error).message, /MESSAGE_TOO_LARGE/);
  assert.equal(delivery.acked, 0);
  assert.equal(sink.health().ready, false);
});
