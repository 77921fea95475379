/**
 * The Kafka sink under broker faults injected through kmock's control channel: a cluster that
 * goes down and comes back, retriable and non-retriable produce errors, oversized records.
 */
import { strict as assert } from 'node:assert';
import { after, afterEach, before, describe, it } from 'node:test';
import { isCfError } from '../../src/core/errors/index.js';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import { type KafkaBroker, startKafkaBroker } from '../infra/kafka.js';
import { FAST_RETRY, KAFKA_CLIENTS, kafkaSink, sinkError, tally, writeAll } from './kafka-sink-helpers.js';

/** kmock control: ApiKey 0 is Produce. */
const PRODUCE = 0;

for (const client of KAFKA_CLIENTS) {
  describe(`kafka sink under broker faults (${client})`, () => {
    let kafka: KafkaBroker;
    before(async () => {
      kafka = await startKafkaBroker({ topics: ['down-up:3', 'retriable:1', 'fatal:1', 'sizes:1'] });
    });
    afterEach(async () => {
      // Leave no queued error behind for the next test.
      await kafka.control(`clear ${PRODUCE}`);
      for (const b of [1, 2, 3]) await kafka.control(`up ${b}`);
    });
    after(() => kafka?.stop());

    it('waits while the cluster is down, holds the pipeline back, then delivers everything once', async () => {
      const delivery = new CountingDelivery();
      const records = Array.from({ length: 3000 }, (_, n) =>
        makeRecord(n, delivery, { pad: 'x'.repeat(300) }),
      );
      const batchMaxBytes = 16 * 1024;
      const maxInFlight = 2;
      const { sink, metrics } = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'down-up',
        batchMaxBytes,
        maxInFlightRequests: maxInFlight,
        lingerMs: 5,
        // librdkafka waits this long for a broker before the sink's loop retries (and readiness
        // turns false); kafkajs fails at once on a refused connection.
        requestTimeoutMs: 500,
        ...FAST_RETRY,
      });
      await sink.start();
      let peakBuffered = 0;
      let ackedWhileDown = -1;
      const sampler = setInterval(() => {
        peakBuffered = Math.max(peakBuffered, sink.health().bufferedBytes);
      }, 5);
      const writing = writeAll(sink, records);
      // Down after some records went through, up again a little later.
      while (delivery.acked < 300) await new Promise((r) => setTimeout(r, 5));
      for (const b of [1, 2, 3]) await kafka.control(`down ${b}`);
      await new Promise((r) => setTimeout(r, 1500));
      const ackedAtUp = delivery.acked;
      assert.equal(sink.health().ready, false, 'readiness turns false while the brokers are down');
      await new Promise((r) => setTimeout(r, 500));
      ackedWhileDown = delivery.acked - ackedAtUp;
      for (const b of [1, 2, 3]) await kafka.control(`up ${b}`);
      const { pushBacks } = await writing;
      clearInterval(sampler);

      assert.equal(ackedWhileDown, 0, 'nothing is acknowledged while no broker can take it');
      assert.ok(pushBacks > 0, 'the sink pushed back on the pipeline');
      const bound = (maxInFlight + 2) * batchMaxBytes + 2048;
      assert.ok(peakBuffered <= bound, `buffered ${peakBuffered} bytes, bound ${bound}`);
      assert.equal(delivery.acked, records.length);
      assert.ok(
        Number((await metrics.retries.get()).values.reduce((n, v) => n + v.value, 0)) > 0,
        'retries counted',
      );
      const { records: got } = await kafka.consume('down-up');
      const counts = tally(got.map((r) => r.key));
      const missing = records.filter((r) => !counts.has(r.eventId!));
      assert.deepEqual(missing, [], 'nothing lost');
      const duplicates = [...counts.values()].filter((c) => c > 1).length;
      assert.equal(duplicates, 0, 'idempotent retries did not duplicate');
    });

    it('retries retriable produce errors (NOT_LEADER_FOR_PARTITION) and delivers each record once', async () => {
      const delivery = new CountingDelivery();
      const records = Array.from({ length: 200 }, (_, n) => makeRecord(n, delivery));
      const { sink, metrics, deadLetter } = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'retriable',
        lingerMs: 5,
        ...FAST_RETRY,
      });
      await sink.start();
      // More failures in a row than kafkajs retries by itself, so the sink's own loop retries too.
      await kafka.control(`err ${PRODUCE} 6 6 6 6 6`);
      await writeAll(sink, records);
      assert.equal(delivery.acked, 200);
      assert.equal(deadLetter.count, 0);
      // kafkajs gives up after two quick retries and the sink's loop takes over; librdkafka
      // retries a retriable broker error itself until requestTimeoutMs (message.timeout.ms).
      if (client === 'kafkajs') {
        const retries = (await metrics.retries.get()).values;
        assert.ok(
          retries.some((v) => v.labels.error_code === 'CF_ERR_SINK_RETRIABLE' && v.value > 0),
          'the sink retried the send',
        );
      }
      const { records: got } = await kafka.consume('retriable');
      assert.equal(got.length, 200);
      assert.equal(new Set(got.map((r) => r.key)).size, 200);
    });

    it('stops on a non-retriable broker error, naming topic, partition and error, and acknowledges nothing', async () => {
      const delivery = new CountingDelivery();
      const { sink, metrics } = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'fatal',
        lingerMs: 5,
        ...FAST_RETRY,
      });
      await sink.start();
      await kafka.control(`err ${PRODUCE} 10`);
      const failed = sinkError(sink);
      for (let n = 0; n < 50; n++) sink.write(makeRecord(n, delivery));
      sink.end();
      const err = await failed;
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SINK_FATAL');
      assert.match(err.message, /topic "fatal" partition 0/);
      assert.match(err.message, /MESSAGE_TOO_LARGE \(Kafka error 10\)/);
      assert.equal(delivery.acked, 0, 'the checkpoint cannot move past these records');
      assert.equal(sink.health().ready, false);
      const errors = (await metrics.errors.get()).values;
      assert.ok(errors.some((v) => v.labels.error_code === 'CF_ERR_SINK_FATAL'));
    });

    it('dead-letters an oversized record with its size and reason and delivers the rest of its batch', async () => {
      const delivery = new CountingDelivery();
      const records = Array.from({ length: 20 }, (_, n) =>
        makeRecord(n, delivery, n === 7 ? { blob: 'y'.repeat(20_000) } : {}),
      );
      const { sink, deadLetter, metrics } = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'sizes',
        maxRecordBytes: 8192,
        lingerMs: 5,
      });
      await sink.start();
      await writeAll(sink, records);
      assert.equal(delivery.acked, 20, 'a dead-lettered record counts as settled');
      assert.equal(deadLetter.count, 1);
      const entry = deadLetter.entries[0]!;
      assert.equal(entry.code, 'CF_ERR_RECORD_TOO_LARGE');
      assert.equal(entry.source?.eventId, 'evt-000007');
      assert.ok((entry.size ?? 0) > 20_000);
      assert.match(entry.reason, /exceeds the Kafka sink's maxRecordBytes \(8192\)/);
      const discarded = (await metrics.discardedEvents.get()).values;
      assert.ok(discarded.some((v) => v.labels.reason === 'record_too_large' && v.value === 1));
      const { records: got } = await kafka.consume('sizes');
      assert.equal(got.length, 19);
      assert.equal(
        got.some((r) => r.key === 'evt-000007'),
        false,
      );
    });

    it('truncates the configured field of an oversized record when told to', async () => {
      const delivery = new CountingDelivery();
      const long = 'é'.repeat(15_000); // two bytes each: the cut must respect UTF-8
      const records = [
        makeRecord(100, delivery),
        makeRecord(101, delivery, { message: { content: { value: long } } }),
        makeRecord(102, delivery),
      ];
      const { sink, deadLetter } = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'sizes',
        maxRecordBytes: 8192,
        oversizePolicy: 'truncate',
        truncateField: 'message.content.value',
        lingerMs: 5,
      });
      await sink.start();
      await writeAll(sink, records);
      assert.equal(delivery.acked, 3);
      assert.equal(deadLetter.count, 0);
      const got = (await kafka.consume('sizes')).records.filter((r) => r.key === 'evt-000101');
      assert.equal(got.length, 1);
      const k = got[0]!;
      assert.ok(Buffer.byteLength(k.payload ?? '') < 8192);
      const value = (JSON.parse(k.payload!) as { message: { content: { value: string } } }).message.content
        .value;
      assert.match(value, /^é+\.\.\.\[truncated\]$/);
      assert.equal(k.headers.truncated_from_bytes, String(Number(k.headers.truncated_from_bytes)));
      assert.ok(Number(k.headers.truncated_from_bytes) > 30_000);
    });

    it('stops on an oversized record when the policy is "fail", acknowledging nothing of its batch', async () => {
      const delivery = new CountingDelivery();
      const { sink } = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'sizes',
        maxRecordBytes: 4096,
        oversizePolicy: 'fail',
        lingerMs: 50,
      });
      await sink.start();
      const failed = sinkError(sink);
      sink.write(makeRecord(200, delivery));
      sink.write(makeRecord(201, delivery, { blob: 'z'.repeat(10_000) }));
      sink.end();
      const err = await failed;
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_RECORD_TOO_LARGE');
      assert.match(err.message, /event evt-000201/);
      assert.equal(delivery.acked, 0);
    });
  });
}
