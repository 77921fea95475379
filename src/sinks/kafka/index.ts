import type { Sink, SinkContext } from '../shared/contract.js';
import type { KafkaSinkConfig } from './config.js';
import { DeferredKafkaTransport } from './deferred-transport.js';
import type { AddonLoad } from './rdkafka-api.js';
import { KafkaSink } from './sink.js';

export { type KafkaSinkConfig, kafkaSinkConfigSchema } from './config.js';

/**
 * Creates the Kafka sink (see KafkaSink for what "acknowledged" means). Nothing connects until
 * `start()`, which also picks and loads the Kafka client (librdkafka or kafkajs, see
 * client-choice.ts), and checks a fixed topic. `loadAddon` replaces the librdkafka loader (tests).
 */
export function createKafkaSink(
  config: KafkaSinkConfig,
  ctx: SinkContext,
  loadAddon?: () => AddonLoad,
): Sink {
  const name = config.name ?? 'kafka';
  const transport = new DeferredKafkaTransport(config, ctx.logger.child({ sink: name }), loadAddon);
  return new KafkaSink(config, ctx, transport);
}
