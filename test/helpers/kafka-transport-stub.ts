import type { KafkaMessage } from '../../src/sinks/kafka/encoder.ts';
import type { KafkaTransport, PreparedSend } from '../../src/sinks/kafka/transport.ts';

/**
 * A Kafka transport with one topic, `events`, of one partition, for unit tests of the sink's own
 * rules (lanes, the poison-batch rule). Subclasses decide what a produce does; `metadataFails`
 * lets a subclass make listing topics fail as a cluster that is down does.
 */
export abstract class OnePartitionTransport implements KafkaTransport {
  abstract readonly requestsPerPartition: number;
  abstract produce(send: PreparedSend): Promise<void>;
  protected metadataFails(): Error | undefined {
    return undefined;
  }
  async connect(): Promise<void> {}
  async listTopics(): Promise<Map<string, number>> {
    const err = this.metadataFails();
    if (err !== undefined) throw err;
    return new Map([['events', 1]]);
  }
  async createTopic(): Promise<void> {}
  partitionFor(): number {
    return 0;
  }
  prepare(topic: string, partition: number, messages: readonly KafkaMessage[]): PreparedSend {
    return { topic, partition, messages, release() {} };
  }
  async disconnect(): Promise<void> {}
}
