import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KafkajsTransport } from '../../../../src/sinks/kafka/kafkajs-transport.js';
import { silentLogger } from '../../../../src/telemetry/logger.js';

/** murmur2 values from Apache Kafka's UtilsTest: the partitions every Java-compatible producer picks. */
const JAVA_MURMUR2: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

describe('kafka partition choice', () => {
  const transport = new KafkajsTransport(
    {
      brokers: ['127.0.0.1:9092'],
      clientId: 'test',
      acks: 'all',
      idempotent: true,
      maxInFlightRequests: 5,
      requestTimeoutMs: 1000,
      connectionTimeoutMs: 1000,
      autoCreateTopics: true,
      tls: undefined,
      sasl: undefined,
      compression: 'none',
    },
    silentLogger(),
  );

  it('puts a key where the Java client would (murmur2, positive, modulo partitions)', () => {
    for (const [key, hash] of JAVA_MURMUR2) {
      for (const partitions of [1, 3, 7, 12]) {
        assert.equal(transport.partitionFor('t', key, partitions), (hash & 0x7fffffff) % partitions, key);
      }
    }
  });

  it("hashes any key as kafkajs's own murmur2 does", () => {
    const kafkajsMurmur2 = createRequire(import.meta.url)(
      'kafkajs/src/producer/partitioners/default/murmur2.js',
    ) as (key: string) => number;
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), fc.integer({ min: 1, max: 64 }), (key, n) => {
        assert.equal(transport.partitionFor('t', key, n), (kafkajsMurmur2(key) & 0x7fffffff) % n, key);
      }),
      { numRuns: 3000 },
    );
  });

  it('spreads records without a key over all partitions', () => {
    const seen = new Set(Array.from({ length: 60 }, () => transport.partitionFor('t', null, 6)));
    assert.equal(seen.size, 6);
  });
});
