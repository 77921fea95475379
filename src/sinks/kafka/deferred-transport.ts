import type { Logger } from 'pino';
import { CfError } from '../../core/errors/index.js';
import { chooseKafkaClient } from './client-choice.js';
import type { KafkaSinkConfig } from './config.js';
import type { KafkaMessage } from './encoder.js';
import { type AddonLoad, loadRdKafka } from './rdkafka-api.js';
import type { KafkaTransport, PreparedSend } from './transport.js';

/**
 * The Kafka transport, chosen and loaded when the sink connects rather than when the CLI starts:
 * a Kafka client takes some 60 ms to load, which every command paid (`fetch`, `validate`),
 * Kafka sink or not. connect() picks the client (chooseKafkaClient), logs which and why, loads
 * it and connects; from then on every call goes to that transport as it is.
 */
export class DeferredKafkaTransport implements KafkaTransport {
  private loading: Promise<KafkaTransport> | undefined;
  private transport: KafkaTransport | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: KafkaSinkConfig,
    private readonly logger: Logger,
    private readonly loadAddon: () => AddonLoad = loadRdKafka,
  ) {}

  async connect(): Promise<void> {
    this.loading ??= this.load();
    const transport = await this.loading;
    // Closed while the client loaded (a stop during start-up): open no connection nobody would close.
    if (this.closing !== undefined) {
      throw new CfError('CF_ERR_ABORTED', 'The Kafka transport was closed before it connected.');
    }
    await transport.connect();
  }

  private async load(): Promise<KafkaTransport> {
    const choice = chooseKafkaClient(this.config, this.loadAddon);
    const logger = this.logger.child({ client: choice.client });
    logger.info({ reason: choice.reason }, `Kafka client: ${choice.client} (${choice.reason}).`);
    if (choice.client === 'librdkafka') {
      const { RdKafkaTransport } = await import('./rdkafka-transport.js');
      this.transport = new RdKafkaTransport(choice.rdkafka, this.config, logger);
    } else {
      const { KafkajsTransport } = await import('./kafkajs-transport.js');
      this.transport = new KafkajsTransport(this.config, logger);
    }
    return this.transport;
  }

  get requestsPerPartition(): number {
    return this.transport?.requestsPerPartition ?? 1;
  }

  async listTopics(): Promise<Map<string, number>> {
    return this.loaded().listTopics();
  }

  async createTopic(topic: string): Promise<void> {
    return this.loaded().createTopic(topic);
  }

  partitionFor(topic: string, key: string | null, partitionCount: number): number {
    return this.loaded().partitionFor(topic, key, partitionCount);
  }

  prepare(topic: string, partition: number, messages: readonly KafkaMessage[]): PreparedSend {
    return this.loaded().prepare(topic, partition, messages);
  }

  async produce(send: PreparedSend): Promise<void> {
    return this.loaded().produce(send);
  }

  disconnect(): Promise<void> {
    // After a load under way: connect() then finds the transport closed and opens nothing.
    this.closing ??= (this.loading ?? Promise.resolve(undefined)).then(
      (transport) => transport?.disconnect(),
      () => {},
    );
    return this.closing;
  }

  private loaded(): KafkaTransport {
    if (this.transport === undefined) {
      throw new CfError('CF_ERR_INTERNAL', 'Kafka transport used before connect().');
    }
    return this.transport;
  }
}
