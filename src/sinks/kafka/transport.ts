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
   * Makes `messages` ready to go to one partition as one request, before their turn comes (the
   * kafkajs transport encodes and compresses them now, while earlier requests are in flight).
   * Never throws: what cannot be prepared is done at send time.
   */
  prepare(topic: string, partition: number, messages: readonly KafkaMessage[]): PreparedSend;
  /**
   * Produces a prepared send's messages, in order, in one request; may be called again to retry.
   * Resolves once the broker acknowledged all of them as the acks setting asks; rejects naming
   * the topic and partition.
   */
  produce(send: PreparedSend): Promise<void>;
  /**
   * How many produce() calls of one partition may be outstanding at once. 1 unless the client
   * keeps a partition's requests in order itself while several are in flight (see lanes.ts).
   * Read after connect().
   */
  readonly requestsPerPartition: number;
  /** Closes the connections; idempotent. */
  disconnect(): Promise<void>;
}

/** One partition's messages, made ready by `prepare`. */
export interface PreparedSend {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
  /** Frees what preparing holds; call once the send settled (delivered or given up). Idempotent. */
  release(): void;
}
