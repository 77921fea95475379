/**
 * Which Kafka client the sink runs on: librdkafka when its addon loads, kafkajs otherwise, one
 * info line saying which and why; a client named in the config that cannot run stops start-up.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
import { createKafkaSink, kafkaSinkConfigSchema } from '../../src/sinks/kafka/index.js';
import type { AddonLoad } from '../../src/sinks/kafka/rdkafka-api.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { startRejection } from '../helpers/kafka-clients.js';
import { CountingDelivery, makeRecord } from '../helpers/records.js';
import { type KafkaBroker, startKafkaBroker } from '../infra/kafka.js';
import { memoryLogger, writeAll } from './kafka-sink-helpers.js';

/** What a machine without the addon sees: npm removed the optional dependency whose build failed. */
const NO_ADDON = (): AddonLoad => ({ ok: false, reason: '@confluentinc/kafka-javascript is not installed' });

function sinkWith(raw: Record<string, unknown>, loadAddon?: () => AddonLoad) {
  const { logger, lines } = memoryLogger('info');
  const config = kafkaSinkConfigSchema.parse({ type: 'kafka', lingerMs: 5, ...raw });
  const ctx = {
    logger,
    metrics: new Metrics(),
    deadLetter: new MemoryDeadLetter(),
    signal: new AbortController().signal,
  };
  const sink = createKafkaSink(config, ctx, loadAddon);
  const choices = () =>
    lines
      .map((l) => JSON.parse(l) as { msg: string; client?: string; reason?: string })
      .filter((l) => l.msg.startsWith('Kafka client: '));
  return { sink, choices };
}

describe('kafka sink client choice', () => {
  let kafka: KafkaBroker;
  before(async () => {
    kafka = await startKafkaBroker({ topics: ['chosen:1'] });
  });
  after(() => kafka?.stop());

  it('runs on librdkafka by default when its addon loads, and says so once', async () => {
    const { sink, choices } = sinkWith({ brokers: kafka.brokers, topic: 'chosen' });
    const delivery = new CountingDelivery();
    await sink.start();
    await writeAll(sink, [makeRecord(1, delivery), makeRecord(2, delivery)]);
    assert.equal(delivery.acked, 2);
    const lines = choices();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.client, 'librdkafka');
    assert.match(lines[0]?.msg ?? '', /^Kafka client: librdkafka \(its addon loads \(librdkafka \d+\.\d+/);
  });

  it('falls back to kafkajs without the addon, and says why', async () => {
    const { sink, choices } = sinkWith({ brokers: kafka.brokers, topic: 'chosen' }, NO_ADDON);
    const delivery = new CountingDelivery();
    await sink.start();
    await writeAll(sink, [makeRecord(3, delivery)]);
    assert.equal(delivery.acked, 1);
    const lines = choices();
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.client, 'kafkajs');
    assert.match(
      lines[0]?.msg ?? '',
      /librdkafka is not available: @confluentinc\/kafka-javascript is not installed/,
    );
  });

  it('refuses to start when kafka.client names librdkafka and its addon does not load', async () => {
    const { sink } = sinkWith({ brokers: kafka.brokers, topic: 'chosen', client: 'librdkafka' }, NO_ADDON);
    const err = await startRejection(sink);
    assert.equal(err.code, 'CF_ERR_CONFIG');
    assert.equal(err.retriable, false);
    assert.match(
      err.message,
      /kafka\.client is librdkafka but @confluentinc\/kafka-javascript is not installed/,
    );
    assert.match(err.message, /set client: kafkajs/);
  });

  it('takes kafkajs when asked, addon or not', async () => {
    const { sink, choices } = sinkWith({ brokers: kafka.brokers, topic: 'chosen', client: 'kafkajs' });
    await sink.start();
    await writeAll(sink, []);
    assert.deepEqual(
      choices().map((l) => [l.client, l.reason]),
      [['kafkajs', 'kafka.client is kafkajs']],
    );
  });
});
