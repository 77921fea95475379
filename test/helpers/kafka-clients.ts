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
