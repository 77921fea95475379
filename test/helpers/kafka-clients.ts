import { strict as assert } from 'node:assert';
import { type CfError, isCfError } from '../../src/core/errors/index.js';

/** The Kafka clients the sink runs on; every Kafka sink test runs against each (a describe per client). */
export type KafkaClientName = 'librdkafka' | 'kafkajs';

/**
 * Both clients, or those CF_TEST_KAFKA_CLIENTS lists (comma-separated) while working on one.
 * librdkafka is named explicitly in the sink's config, so a missing addon fails its tests with
 * the sink's own start-up error rather than passing on kafkajs.
 */
export const KAFKA_CLIENTS: readonly KafkaClientName[] = (
  process.env.CF_TEST_KAFKA_CLIENTS?.split(',') ?? ['librdkafka', 'kafkajs']
).filter((c): c is KafkaClientName => c === 'librdkafka' || c === 'kafkajs');

/** Starts `sink`, which must reject; destroys it and returns the CfError it rejected with. */
export async function startRejection(sink: {
  start(): Promise<unknown>;
  destroy(): unknown;
}): Promise<CfError> {
  const err = await sink.start().then(
    () => assert.fail('start() should reject'),
    (e: unknown) => e,
  );
  sink.destroy();
  assert.ok(isCfError(err));
  return err;
}
