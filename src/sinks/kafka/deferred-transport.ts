import type { Logger } from 'pino';
import { CfError } from '../../core/errors/index.js';
import type { KafkaMessage } from './encoder.js';
import type { KafkajsTransportOptions } from './kafkajs-transport.js';
import type { KafkaTransport, PreparedSend } from './transport.js';

/**
 * The kafkajs transport, loaded when the sink connects rather than when the CLI starts: kafkajs
 * and its codecs take some 60 ms to load, which every command paid (`fetch`, `validate`), Kafka
 * sink or not. Until connect() nothing is loaded, no codec is registered with kafkajs and no
 * socket is opened; from then on every call goes to the KafkajsTransport as it is.
 */
export class DeferredKafkajsTransport implements KafkaTransport {
  private loading: Promise<KafkaTransport> | undefined;
  private transport: KafkaTransport | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: KafkajsTransportOptions,
    private readonly logger: Logger,
  ) {}

  async connect(): Promise<void> {
    this.loading ??= import('./kafkajs-transport.js').then(({ KafkajsTransport }) => {
      this.transport = new KafkajsTransport(this.options, this.logger);
      return this.transport;
    });
    const transport = await this.loading;
    // Closed while kafkajs loaded (a stop during start-up): open no connection nobody would close.
    if (this.closing !== undefined) {
      throw new CfError('CF_ERR_ABORTED', 'The Kafka transport was closed before it connected.');
    }
    await transport.connect();
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
