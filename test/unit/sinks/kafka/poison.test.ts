/**
 * The poison-batch rule on the Kafka sink, against a transport that behaves like a broker whose
 * socket limit (socket.request.max.bytes, or a proxy in front) drops a large produce request's
 * connection instead of answering MESSAGE_TOO_LARGE.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { CfError } from '../../../../src/core/errors/index.ts';
import type { PipelineRecord } from '../../../../src/core/record.ts';
import { MemoryDeadLetter } from '../../../../src/engine/dead-letter-file.ts';
import type { KafkaMessage } from '../../../../src/sinks/kafka/encoder.ts';
import { kafkaSinkConfigSchema } from '../../../../src/sinks/kafka/index.ts';
import { KafkaSink } from '../../../../src/sinks/kafka/sink.ts';
import type { PreparedSend } from '../../../../src/sinks/kafka/transport.ts';
import { POISON_AFTER_FAILURES } from '../../../../src/sinks/shared/poison-batch.ts';
import { silentLogger } from '../../../../src/telemetry/logger.ts';
import { Metrics } from '../../../../src/telemetry/metrics.ts';
import { OnePartitionTransport } from '../../../helpers/kafka-transport-stub.ts';
import { counterTotal } from '../../../helpers/metrics.ts';
import { CountingDelivery, makeRecord } from '../../../helpers/records.ts';

const dropped = () => new CfError('CF_ERR_SINK_CONNECT', 'Kafka broker unavailable: Connection closed');

/** A one-partition cluster: `dropAbove` bytes per request, or `down` for everything. */
class FakeCluster extends OnePartitionTransport {
  readonly requestsPerPartition = 1;
  readonly produced: KafkaMessage[] = [];
  produceCalls = 0;
  dropAbove = Number.POSITIVE_INFINITY;
  down = false;
  metadataDown = false;
  protected override metadataFails(): Error | undefined {
    return this.down || this.metadataDown ? dropped() : undefined;
  }
  async produce(send: PreparedSend): Promise<void> {
    this.produceCalls++;
    const bytes = send.messages.reduce((n, m) => n + m.bytes, 0);
    if (this.down || bytes > this.dropAbove) throw dropped();
    this.produced.push(...send.messages);
  }
}

function harness(cluster: FakeCluster, overrides: Record<string, unknown> = {}) {
  const config = kafkaSinkConfigSchema.parse({
    type: 'kafka',
    brokers: ['127.0.0.1:9092'],
    topic: 'events',
    batchMaxBytes: 8 * 1024 * 1024,
    batchMaxCount: 1000,
    maxRecordBytes: 4 * 1024 * 1024,
    lingerMs: 20,
    retryMaxAttempts: 8,
    retryInitialDelayMs: 1,
    retryMaxDelayMs: 5,
    ...overrides,
  });
  const deadLetter = new MemoryDeadLetter();
  const metrics = new Metrics();
  const ctx = { logger: silentLogger(), metrics, deadLetter, signal: new AbortController().signal };
  return { sink: new KafkaSink(config, ctx, cluster), deadLetter, metrics };
}

function records(n: number, delivery: CountingDelivery, big?: number): PipelineRecord[] {
  return Array.from({ length: n }, (_, i) =>
    makeRecord(i, delivery, { text: i === big ? 'z'.repeat(2 * 1024 * 1024) : 'a'.repeat(100) }),
  );
}

function eventIds(messages: readonly KafkaMessage[]): string[] {
  return messages.map((m) => JSON.parse(m.value.toString()).event_id as string);
}

test('a 2 MB record the broker drops every time is dead-lettered; every other record is produced once', async () => {
  const cluster = new FakeCluster();
  cluster.dropAbove = 1024 * 1024;
  const h = harness(cluster);
  await h.sink.start();
  const delivery = new CountingDelivery();
  const input = records(100, delivery, 60);
  await pipeline(Readable.from(input, { objectMode: true }), h.sink);

  const ids = eventIds(cluster.produced);
  assert.equal(ids.length, 99);
  assert.equal(new Set(ids).size, 99, 'none produced twice');
  assert.equal(ids.includes('evt-000060'), false);
  assert.equal(h.deadLetter.count, 1);
  const entry = h.deadLetter.entries[0]!;
  assert.equal(entry.code, 'CF_ERR_RECORD_UNDELIVERABLE');
  assert.equal(entry.sink, 'kafka');
  assert.equal(entry.source?.eventId, 'evt-000060');
  assert.equal(entry.source?.fileId, input[60]!.source.fileId);
  assert.equal(entry.text, input[60]!.line);
  assert.match(entry.reason, /CF_ERR_SINK_CONNECT/);
  assert.match(entry.reason, new RegExp(`${entry.size} bytes`));
  assert.equal(delivery.acked, 100, 'the dead-lettered record is acknowledged: the checkpoint moves');
  assert.equal(await counterTotal(h.metrics, 'component_poison_records_total'), 1);
  assert.equal(await counterTotal(h.metrics, 'component_sent_events_total'), 99);
  assert.equal(await counterTotal(h.metrics, 'component_discarded_events_total'), 1);
  // K failures per bisection level (7 levels for 100) plus one more round for the deferred part.
  assert.ok(cluster.produceCalls <= POISON_AFTER_FAILURES * 10 + 20, `bounded (${cluster.produceCalls})`);
});

test('a cluster that is down (metadata too) fails the sink after its retries, dead-lettering nothing', async () => {
  const cluster = new FakeCluster();
  const h = harness(cluster, { retryMaxAttempts: 5 });
  await h.sink.start();
  cluster.down = true;
  const delivery = new CountingDelivery();
  const failed = once(h.sink, 'error');
  pipeline(Readable.from(records(20, delivery, 5), { objectMode: true }), h.sink).catch(() => {});
  const [err] = (await failed) as [CfError];
  assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
  assert.equal(h.deadLetter.count, 0);
  assert.equal(delivery.acked, 0);
});

test('a partition that drops every produce while metadata answers (leader down) is not dead-lettered', async () => {
  const cluster = new FakeCluster();
  const h = harness(cluster, { retryMaxAttempts: 5, batchMaxCount: 10 });
  await h.sink.start();
  const delivery = new CountingDelivery();
  const input = records(20, delivery);
  const source = new Readable({ objectMode: true, read() {} });
  const done = pipeline(source, h.sink);
  done.catch(() => {});
  // A first batch gets through, then every produce is dropped, small ones included.
  for (const r of input.slice(0, 10)) source.push(r);
  while (delivery.acked < 10) await new Promise((r) => setTimeout(r, 5));
  cluster.dropAbove = 0;
  const failed = once(h.sink, 'error');
  for (const r of input.slice(10)) source.push(r);
  const [err] = (await failed) as [CfError];
  assert.equal(err.code, 'CF_ERR_RETRIES_EXHAUSTED');
  assert.equal(h.deadLetter.count, 0, 'a down partition must not turn into dead-lettering');
  assert.equal(delivery.acked, 10);
});
