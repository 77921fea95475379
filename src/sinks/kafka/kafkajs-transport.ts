import kafkajs, { type Admin, type PartitionMetadata, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { CfError } from '../../core/errors/index.js';
import { saslOptions, tlsOptions, warnIfUnverifiedTls } from './client-security.js';
import { type KafkaCompression, useCompression } from './codecs.js';
import { compressAhead, type KafkaCodec } from './compress-ahead.js';
import type { KafkaSinkConfig } from './config.js';
import type { KafkaMessage } from './encoder.js';
import { classifyKafkaError } from './errors.js';
import { kafkajsLogCreator, kafkajsLogLevel } from './kafkajs-logger.js';
import { type AheadMessage, encodeRecordsAhead, installRecordEncoder } from './kafkajs-records.js';
import { partitionOfKey } from './murmur2.js';
import type { KafkaTransport, PreparedSend } from './transport.js';

/**
 * kafkajs's own retries, kept short: they absorb a moved leader or one dropped connection
 * within a second. Longer outages are the sink's retry loop's job, which backs off further,
 * honours the pipeline's abort signal and counts retries in the metrics.
 */
const CLIENT_RETRY = { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 } as const;

export type KafkajsTransportOptions = Pick<
  KafkaSinkConfig,
  | 'brokers'
  | 'clientId'
  | 'acks'
  | 'idempotent'
  | 'maxInFlightRequests'
  | 'requestTimeoutMs'
  | 'connectionTimeoutMs'
  | 'autoCreateTopics'
  | 'tls'
  | 'sasl'
> & { readonly compression: KafkaCompression };

/** The KafkaTransport on kafkajs: one idempotent producer plus an admin client for metadata. */
export class KafkajsTransport implements KafkaTransport {
  /** kafkajs rewinds a partition's sequence numbers on a failure: one request per partition (lanes.ts). */
  readonly requestsPerPartition = 1;
  private readonly compressionType: number;
  private readonly codec: KafkaCodec | undefined;
  private readonly acks: number;
  private readonly partitioner = kafkajs.Partitioners.DefaultPartitioner();
  private readonly syntheticMetadata = new Map<number, PartitionMetadata[]>();
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly options: KafkajsTransportOptions,
    private readonly logger: Logger,
  ) {
    const compression = useCompression(options.compression);
    this.compressionType = compression.type;
    this.codec = compression.codec;
    this.acks = options.acks === 'all' ? -1 : 1;
  }

  async connect(): Promise<void> {
    const o = this.options;
    warnIfUnverifiedTls(o, this.logger);
    if (!installRecordEncoder()) {
      this.logger.debug(
        'kafkajs is not the version the faster record encoder was checked against; using its own.',
      );
    }
    const kafka = new kafkajs.Kafka({
      brokers: o.brokers,
      clientId: o.clientId,
      ssl: tlsOptions(o.tls),
      sasl: saslOptions(o.sasl),
      connectionTimeout: o.connectionTimeoutMs,
      requestTimeout: o.requestTimeoutMs,
      retry: CLIENT_RETRY,
      logLevel: kafkajsLogLevel(this.logger),
      logCreator: kafkajsLogCreator(this.logger),
    });
    this.producer = kafka.producer({
      idempotent: o.idempotent,
      maxInFlightRequests: o.maxInFlightRequests,
      allowAutoTopicCreation: o.autoCreateTopics,
      createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
      retry: CLIENT_RETRY,
    });
    this.admin = kafka.admin({ retry: CLIENT_RETRY });
    try {
      await this.producer.connect();
      await this.admin.connect();
    } catch (err) {
      throw classifyKafkaError(err);
    }
  }

  async listTopics(): Promise<Map<string, number>> {
    try {
      // No topic names: the cluster answers with every topic and creates none.
      const { topics } = await this.connectedAdmin().fetchTopicMetadata();
      return new Map(topics.map((t) => [t.name, t.partitions.length]));
    } catch (err) {
      throw classifyKafkaError(err);
    }
  }

  async createTopic(topic: string): Promise<void> {
    const admin = this.connectedAdmin();
    try {
      // Brokers answering Metadata below v4 (and the test broker) auto-create a topic named in
      // a metadata request when their auto.create.topics.enable allows it.
      await admin.fetchTopicMetadata({ topics: [topic] });
      return;
    } catch {
      // Newer brokers only auto-create for producers; ask for the topic explicitly instead.
    }
    try {
      await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    } catch (err) {
      const e = classifyKafkaError(err);
      throw new CfError(
        'CF_ERR_SINK_TOPIC',
        `Kafka topic "${topic}" does not exist and could not be created: ${e.message}`,
        { cause: e, details: { topic } },
      );
    }
  }

  partitionFor(topic: string, key: string | null, partitionCount: number): number {
    // The same partition kafkajs's DefaultPartitioner (and the Java client) gives a key.
    if (key !== null) return partitionOfKey(key, partitionCount);
    let metadata = this.syntheticMetadata.get(partitionCount);
    if (metadata === undefined) {
      // The partitioner needs only the ids (and a leader to call a partition available).
      metadata = Array.from({ length: partitionCount }, (_, i) => ({
        partitionId: i,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [],
        isr: [],
      }));
      this.syntheticMetadata.set(partitionCount, metadata);
    }
    return this.partitioner({ topic, partitionMetadata: metadata, message: { key, value: null } });
  }

  prepare(topic: string, partition: number, messages: readonly KafkaMessage[]): PreparedSend {
    // kafkajs only reads the headers: the message's own (shared, frozen) object serves.
    // Every message gets a timestamp: its event time, else now (what kafkajs would stamp), so the
    // record timestamps, and so the records encoded ahead, do not depend on when kafkajs sends.
    const now = String(Date.now());
    const outgoing: AheadMessage[] = messages.map((m) => ({
      key: m.key,
      value: m.value,
      headers: m.headers,
      timestamp: m.timestamp === undefined ? now : String(m.timestamp),
    }));
    // Encoded now, and compressed on the libuv pool while earlier requests are in flight (see
    // compress-ahead.ts); kafkajs then finds both instead of doing them under its broker lock.
    const records = encodeRecordsAhead(outgoing);
    const release =
      records !== undefined && this.codec !== undefined ? compressAhead(this.codec, records) : noop;
    return new KafkajsSend(topic, partition, messages, outgoing, release);
  }

  async produce(send: PreparedSend): Promise<void> {
    const producer = this.producer;
    if (producer === undefined)
      throw new CfError('CF_ERR_INTERNAL', 'Kafka transport used before connect().');
    if (!(send instanceof KafkajsSend))
      throw new CfError('CF_ERR_INTERNAL', 'Kafka send prepared elsewhere.');
    const { topic, partition } = send;
    try {
      await producer.send({
        topic,
        acks: this.acks,
        timeout: this.options.requestTimeoutMs,
        compression: this.compressionType,
        messages: send.outgoing.map((m) => ({ ...m, partition })),
      });
    } catch (err) {
      throw classifyKafkaError(err, { topic, partition });
    }
  }

  disconnect(): Promise<void> {
    this.closing ??= Promise.allSettled([this.producer?.disconnect(), this.admin?.disconnect()]).then(
      () => {},
    );
    return this.closing;
  }

  private connectedAdmin(): Admin {
    if (this.admin === undefined)
      throw new CfError('CF_ERR_INTERNAL', 'Kafka transport used before connect().');
    return this.admin;
  }
}

function noop(): void {}

/** A send prepared by the kafkajs transport: the kafkajs messages, records encoded ahead. */
class KafkajsSend implements PreparedSend {
  private released = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly messages: readonly KafkaMessage[],
    readonly outgoing: readonly AheadMessage[],
    private readonly drop: () => void,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    this.drop();
  }
}
