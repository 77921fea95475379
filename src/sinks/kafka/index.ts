import type { Sink, SinkContext } from '../shared/contract.js';
import type { KafkaSinkConfig } from './config.js';
import { DeferredKafkajsTransport } from './deferred-transport.js';
import { KafkaSink } from './sink.js';

export { type KafkaSinkConfig, kafkaSinkConfigSchema } from './config.js';

/**
 * Creates the Kafka sink (see KafkaSink for what "acknowledged" means). Nothing connects until
 * `start()`, which also loads kafkajs, registers the chosen compression codec and checks a fixed
 * topic.
 */
export function createKafkaSink(config: KafkaSinkConfig, ctx: SinkContext): Sink {
  const name = config.name ?? 'kafka';
  const transport = new DeferredKafkajsTransport(config, ctx.logger.child({ sink: name, client: 'kafkajs' }));
  return new KafkaSink(config, ctx, transport);
}
