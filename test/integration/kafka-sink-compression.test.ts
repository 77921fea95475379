/**
 * Every compression the Kafka sink offers, decoded by an independent client (kcat, librdkafka),
 * which also reports the codec of each record batch it fetched.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { zstdAvailable } from '../../src/sinks/kafka/zstd.js';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import { type KafkaBroker, startKafkaBroker } from '../infra/kafka.js';
import { KAFKA_CLIENTS, kafkaSink, writeAll } from './kafka-sink-helpers.js';

const CODECS = [
  { compression: 'none', reported: 'uncompressed' },
  { compression: 'snappy', reported: 'snappy' },
  { compression: 'lz4', reported: 'lz4' },
  { compression: 'zstd', reported: 'zstd' },
] as const;

for (const client of KAFKA_CLIENTS) {
  describe(`kafka sink compression (${client})`, () => {
    let kafka: KafkaBroker;
    before(async () => {
      kafka = await startKafkaBroker({ topics: CODECS.map((c) => `codec-${c.compression}:2`) });
    });
    after(() => kafka?.stop());

    for (const { compression, reported } of CODECS) {
      const skip =
        compression === 'zstd' && client === 'kafkajs' && !zstdAvailable()
          ? `zstd with kafkajs needs Node >= 22.15 (${process.version})`
          : false;
      it(`produces ${compression} record batches that a librdkafka consumer decodes`, { skip }, async () => {
        const delivery = new CountingDelivery();
        // Repetitive and large enough for every codec to compress, with multi-byte text.
        const records = Array.from({ length: 300 }, (_, n) =>
          makeRecord(n, delivery, { text: `naïve café ${n} `.repeat(40) }),
        );
        const topic = `codec-${compression}`;
        const { sink } = kafkaSink({
          client,
          brokers: kafka.brokers,
          topic,
          compression,
          batchMaxCount: 100,
          lingerMs: 5,
        });
        await sink.start();
        await writeAll(sink, records);
        assert.equal(delivery.acked, 300);
        const { records: got, codecs } = await kafka.consume(topic);
        assert.deepEqual([...codecs], [reported]);
        const byKey = new Map(got.map((r) => [r.key, r.payload]));
        assert.equal(byKey.size, 300);
        for (const r of records) assert.equal(byKey.get(r.eventId!), r.line);
      });
    }
  });
}
