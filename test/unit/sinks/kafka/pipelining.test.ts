/**
 * How many batches of one partition the Kafka sink hands its client at once: one with kafkajs
 * (it rewinds sequence numbers on a failure), up to maxInFlightRequests with a client that keeps
 * a partition's requests in order itself (librdkafka's idempotent producer). Either way the
 * client sees the batches in order and the records are acknowledged only once the broker took them.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { MemoryDeadLetter } from '../../../../src/engine/dead-letter-file.ts';
import { kafkaSinkConfigSchema } from '../../../../src/sinks/kafka/index.ts';
import { KafkaSink } from '../../../../src/sinks/kafka/sink.ts';
import type { PreparedSend } from '../../../../src/sinks/kafka/transport.ts';
import { silentLogger } from '../../../../src/telemetry/logger.ts';
import { Metrics } from '../../../../src/telemetry/metrics.ts';
import { OnePartitionTransport } from '../../../helpers/kafka-transport-stub.ts';
import { CountingDelivery, makeRecord } from '../../../helpers/records.ts';

/** One partition whose broker answers a produce only when the test says so. */
class HeldBroker extends OnePartitionTransport {
  readonly order: string[] = [];
  readonly waiting: Array<() => void> = [];
  outstanding = 0;
  mostOutstanding = 0;
  constructor(readonly requestsPerPartition: number) {
    super();
  }
  async produce(send: PreparedSend): Promise<void> {
    this.order.push(...send.messages.map((m) => JSON.parse(m.value.toString()).event_id as string));
    this.outstanding++;
    this.mostOutstanding = Math.max(this.mostOutstanding, this.outstanding);
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.outstanding--;
  }
}

async function replay(broker: HeldBroker) {
  const config = kafkaSinkConfigSchema.parse({
    type: 'kafka',
    brokers: ['127.0.0.1:9092'],
    topic: 'events',
    batchMaxCount: 10,
    lingerMs: 1,
    maxInFlightRequests: 5,
  });
  const ctx = {
    logger: silentLogger(),
    metrics: new Metrics(),
    deadLetter: new MemoryDeadLetter(),
    signal: new AbortController().signal,
  };
  const sink = new KafkaSink(config, ctx, broker);
  await sink.start();
  const delivery = new CountingDelivery();
  const input = Array.from({ length: 50 }, (_, i) => makeRecord(i, delivery));
  const done = pipeline(Readable.from(input, { objectMode: true }), sink);
  // The broker answers the oldest request whenever one waits, until all 50 records are in.
  while (broker.order.length < 50 || broker.waiting.length > 0) {
    await new Promise((r) => setTimeout(r, 5));
    broker.waiting.shift()?.();
  }
  await done;
  return { delivery, ids: input.map((r) => r.eventId) };
}

test('with a client that orders a partition itself, several batches of the partition are in flight at once', async () => {
  const broker = new HeldBroker(5);
  const { delivery, ids } = await replay(broker);
  assert.ok(broker.mostOutstanding > 1, `at most ${broker.mostOutstanding} produce request at once`);
  assert.ok(broker.mostOutstanding <= 5, 'never more than maxInFlightRequests');
  assert.deepEqual(broker.order, ids, 'handed to the client in order, each once');
  assert.equal(delivery.acked, 50);
});

test('with kafkajs (one request per partition), the next batch waits for the last acknowledgement', async () => {
  const broker = new HeldBroker(1);
  const { delivery, ids } = await replay(broker);
  assert.equal(broker.mostOutstanding, 1);
  assert.deepEqual(broker.order, ids);
  assert.equal(delivery.acked, 50);
});
