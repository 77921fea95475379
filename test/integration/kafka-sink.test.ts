/**
 * The Kafka sink against a real Kafka-protocol broker (kmock on loopback), read back with kcat:
 * what arrives where, with which key and headers, and what start-up checks say.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { isCfError } from '../../src/core/errors/index.js';
import type { PipelineRecord } from '../../src/core/record.js';
import { pendingAhead } from '../../src/sinks/kafka/compress-ahead.js';
import { CountingDelivery, makeRecord, sourceRef } from '../helpers/records.js';
import { type KafkaBroker, startKafkaBroker } from '../infra/kafka.js';
import {
  FAST_RETRY,
  KAFKA_CLIENTS,
  kafkaSink,
  memoryLogger,
  sinkError,
  tally,
  writeAll,
} from './kafka-sink-helpers.js';

const EVENT_TYPES = ['AUDIT_LOG', 'CONVERSATION_MESSAGE', 'GPT_CONFIG'] as const;

for (const client of KAFKA_CLIENTS) {
  describe(`kafka sink against a Kafka-protocol broker (${client})`, () => {
    let kafka: KafkaBroker;
    before(async () => {
      kafka = await startKafkaBroker({ topics: ['fixed-topic:2'] });
    });
    after(() => kafka?.stop());

    it('delivers every record exactly once to its event type topic, keyed by event_id, with headers, gzip', async () => {
      const deliveries = new Map(EVENT_TYPES.map((t) => [t, new CountingDelivery()]));
      const records: PipelineRecord[] = [];
      for (let n = 0; n < 1500; n++) {
        const eventType = EVENT_TYPES[n % EVENT_TYPES.length]!;
        const source = sourceRef({ eventType, fileId: `file-${eventType}`, stream: `ws/${eventType}` });
        records.push(makeRecord(n, deliveries.get(eventType), { n }, source));
      }
      const { sink, deadLetter } = kafkaSink({
        client,
        brokers: kafka.brokers,
        batchMaxCount: 100,
        lingerMs: 20,
        ...FAST_RETRY,
      });
      await sink.start();
      await writeAll(sink, records);

      assert.equal(deadLetter.count, 0);
      for (const d of deliveries.values()) assert.equal(d.acked, 500, 'every record acknowledged once');
      for (const eventType of EVENT_TYPES) {
        const topic = `openai.compliance.${eventType.toLowerCase()}`;
        const { records: got, codecs } = await kafka.consume(topic);
        const expected = records.filter((r) => r.source.eventType === eventType);
        assert.equal(got.length, expected.length, `${topic}: one Kafka record per pipeline record`);
        const counts = tally(got.map((r) => r.key));
        for (const r of expected) assert.equal(counts.get(r.eventId!), 1, `${r.eventId} exactly once`);
        const byKey = new Map(got.map((r) => [r.key, r]));
        for (const r of expected) {
          const k = byKey.get(r.eventId!)!;
          assert.equal(k.payload, r.line, 'the value is the record as the pipeline emitted it');
          assert.deepEqual(k.headers, {
            event_type: eventType,
            principal_id: r.source.principalId,
            file_id: `file-${eventType}`,
            source: 'compliance-logs',
          });
        }
        assert.ok(new Set(got.map((r) => r.partition)).size > 1, 'keys spread over the partitions');
        assert.deepEqual([...codecs], ['gzip']);
      }
    });

    it('sends records held as bytes byte for byte without decoding them, and frees what it prepared', async () => {
      const delivery = new CountingDelivery();
      let decoded = 0;
      const expected = new Map<string, string>();
      const records: PipelineRecord[] = Array.from({ length: 600 }, (_, n) => {
        const base = makeRecord(n, delivery, { text: `café 数据 naïve ${'x'.repeat(n % 50)}` });
        const bytes = Buffer.from(base.line, 'utf8');
        expected.set(base.eventId!, base.line);
        // As the splitter hands records over: the line as bytes, decoded only if a stage reads it.
        return {
          ...base,
          get line() {
            decoded++;
            return bytes.toString('utf8');
          },
          lineBytes: bytes.length,
          writeUtf8: (target: Buffer, offset: number) => bytes.copy(target, offset),
        };
      });
      const { sink } = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'as-bytes',
        batchMaxCount: 64,
        lingerMs: 5,
      });
      await sink.start();
      await writeAll(sink, records);
      assert.equal(delivery.acked, 600);
      assert.equal(decoded, 0, 'no record was decoded to text on its way to Kafka');
      assert.equal(pendingAhead(), 0, 'nothing compressed ahead is held once every send settled');
      const { records: got } = await kafka.consume('as-bytes');
      const byKey = new Map(got.map((r) => [r.key, r.payload]));
      assert.equal(byKey.size, 600);
      for (const [eventId, line] of expected) assert.equal(byKey.get(eventId), line, eventId);
    });

    it('sanitises topic names rendered from upstream values', async () => {
      const source = sourceRef({ eventType: 'WEIRD type/with:chars', fileId: 'file-weird' });
      const { sink } = kafkaSink({ client, brokers: kafka.brokers, topic: 'cf.{event_type}', lingerMs: 5 });
      await sink.start();
      await writeAll(sink, [makeRecord(1, new CountingDelivery(), {}, source)]);
      const { records } = await kafka.consume('cf.WEIRD_type_with_chars');
      assert.equal(records.length, 1);
    });

    it('checks a fixed topic at start-up and refuses a missing one when auto-creation is off', async () => {
      const missing = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'no-such-topic',
        autoCreateTopics: false,
      });
      const err = await missing.sink.start().then(
        () => assert.fail('start() should reject'),
        (e: unknown) => e,
      );
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SINK_TOPIC');
      assert.match(err.message, /"no-such-topic" does not exist and autoCreateTopics is false/);
      assert.equal(missing.sink.health().ready, false);
      assert.equal((await kafka.listTopics()).has('no-such-topic'), false, 'the check created nothing');
      missing.sink.destroy();

      const delivery = new CountingDelivery();
      const fixed = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'fixed-topic',
        autoCreateTopics: false,
        lingerMs: 5,
      });
      await fixed.sink.start();
      await writeAll(
        fixed.sink,
        Array.from({ length: 20 }, (_, n) => makeRecord(n, delivery)),
      );
      assert.equal(delivery.acked, 20);
      const { records } = await kafka.consume('fixed-topic');
      assert.equal(records.length, 20);
    });

    it('auto-creates a missing topic when allowed', async () => {
      const { sink } = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'created-at-start',
        autoCreateTopics: true,
      });
      await sink.start();
      assert.ok((await kafka.listTopics()).has('created-at-start'));
      sink.destroy();
    });

    it('stops on a templated topic that is missing when auto-creation is off, acknowledging nothing', async () => {
      const delivery = new CountingDelivery();
      const { sink } = kafkaSink({
        client,
        brokers: kafka.brokers,
        topic: 'absent.{event_type_lower}',
        autoCreateTopics: false,
        lingerMs: 5,
      });
      await sink.start();
      const failed = sinkError(sink);
      for (let n = 0; n < 5; n++) sink.write(makeRecord(n, delivery));
      sink.end();
      const err = await failed;
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SINK_TOPIC');
      assert.match(err.message, /absent\.audit_log/);
      assert.equal(delivery.acked, 0);
    });

    it('fails to start with a clear error when no broker answers', async () => {
      const { sink } = kafkaSink({ client, brokers: ['127.0.0.1:1'], connectionTimeoutMs: 500 });
      const err = await sink.start().then(
        () => assert.fail('start() should reject'),
        (e: unknown) => e,
      );
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SINK_CONNECT');
      assert.match(err.message, /cannot start \(brokers 127\.0\.0\.1:1\)/);
      assert.equal(sink.health().ready, false);
      sink.destroy();
    });

    it('keeps the SASL password out of logs, errors and health', async () => {
      const password = 'kafka-sasl-pw-9f8e7d6c5b4a';
      process.env.CF_TEST_KAFKA_PASSWORD = password;
      const { logger, lines } = memoryLogger('trace');
      const { sink } = kafkaSink(
        {
          client,
          brokers: kafka.brokers,
          sasl: {
            mechanism: 'scram-sha-512',
            username: 'forwarder',
            password: { env: 'CF_TEST_KAFKA_PASSWORD' },
          },
          connectionTimeoutMs: 500,
        },
        logger,
      );
      // The test broker has no SASL: authentication fails, which is where secrets tend to leak.
      const err = await sink.start().then(
        () => assert.fail('start() should reject'),
        (e: unknown) => e as Error,
      );
      delete process.env.CF_TEST_KAFKA_PASSWORD;
      sink.destroy();
      assert.ok(isCfError(err));
      assert.equal(err.code, 'CF_ERR_SINK_AUTH');
      assert.match(err.message, /does not offer SASL/);
      assert.ok(lines.length > 0, 'kafkajs logged through the sink logger');
      const everything = [err.message, String(err.stack), JSON.stringify(sink.health()), ...lines].join('\n');
      assert.equal(everything.includes(password), false);
    });
  });
}
