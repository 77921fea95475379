import { CfError } from '../../core/errors/index.js';
import type { KafkaSinkConfig } from './config.js';
import { type AddonLoad, RDKAFKA_PACKAGE, type RdKafkaModule } from './rdkafka-api.js';

export type KafkaClientName = 'librdkafka' | 'kafkajs';

/** The client the sink runs on, and the reason, for the one log line that says so. */
export type KafkaClientChoice =
  | { readonly client: 'librdkafka'; readonly reason: string; readonly rdkafka: RdKafkaModule }
  | { readonly client: 'kafkajs'; readonly reason: string };

/**
 * Picks the Kafka client: the one `kafka.client` names, else librdkafka when its addon loads
 * (it is an optional dependency that builds from source where no prebuilt binary can be fetched)
 * and kafkajs otherwise. A named client that cannot run is a configuration error, never a silent
 * fallback. `load` is called only when librdkafka is a candidate.
 */
export function chooseKafkaClient(
  config: Pick<KafkaSinkConfig, 'client' | 'tls'>,
  load: () => AddonLoad,
): KafkaClientChoice {
  const requested = config.client;
  if (requested === 'kafkajs') return { client: 'kafkajs', reason: 'kafka.client is kafkajs' };
  // librdkafka has no setting for the name a broker certificate is checked against.
  if (config.tls?.serverName !== undefined) {
    if (requested === 'librdkafka') {
      throw new CfError(
        'CF_ERR_CONFIG',
        'Kafka sink: kafka.client librdkafka cannot check broker certificates against tls.serverName; drop tls.serverName or set client: kafkajs.',
      );
    }
    return { client: 'kafkajs', reason: 'tls.serverName is set, which only kafkajs honours' };
  }
  const loaded = load();
  if (loaded.ok) {
    const why = requested === 'librdkafka' ? 'kafka.client is librdkafka' : 'its addon loads';
    return {
      client: 'librdkafka',
      reason: `${why} (librdkafka ${loaded.module.librdkafkaVersion})`,
      rdkafka: loaded.module,
    };
  }
  if (requested === 'librdkafka') {
    throw new CfError(
      'CF_ERR_CONFIG',
      `Kafka sink: kafka.client is librdkafka but ${loaded.reason}. Install ${RDKAFKA_PACKAGE} with its addon (docs/sinks/kafka.md, "Client") or set client: kafkajs.`,
    );
  }
  return { client: 'kafkajs', reason: `librdkafka is not available: ${loaded.reason}` };
}
