import type { KafkaMessage } from './encoder.js';

/**
 * What the Kafka sink needs from a Kafka client, and no more. kafkajs implements it
 * (kafkajs-transport.ts); kafkajs is unmaintained since 2024, so swapping the client means
 * writing one class against this interface. Every method rejects with a CfError.
 */
export interface KafkaTransport {
  /** Connects the producer (and gets the idempotent producer id) and the metadata client. */
  connect(): Promise<void>;
  /** Partition count of every topic the cluster has. Side-effect free: never creates a topic. */
  listTopics(): Promise<Map<string, number>>;
  /** Asks the cluster to create `topic` with its default partitions and replication. */
  createTopic(topic: string): Promise<void>;
  /** The partition a Java-compatible producer would pick for `key` (murmur2; spread when null). */
  partitionFor(topic: string, key: string | null, partitionCount: number): number;
  /**
   * Produces `messages` to one partition, in order, in one request. Resolves once the broker
   * acknowledged all of them as the acks setting asks; rejects naming the topic and partition.
   */
  produce(topic: string, partition: number, messages: readonly KafkaMessage[]): Promise<void>;
  /** Closes the connections; idempotent. */
  disconnect(): Promise<void>;
}
