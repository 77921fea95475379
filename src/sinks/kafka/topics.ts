import type { Logger } from 'pino';
import { CfError } from '../../core/errors/index.js';
import type { KafkaTransport } from './transport.js';

/** How long a topic's partition count is trusted before it is looked up again. */
export const TOPIC_METADATA_MAX_AGE_MS = 5 * 60_000;

interface KnownTopic {
  readonly partitions: number;
  readonly checkedAt: number;
}

/**
 * The topics the sink has checked: each one is verified (or auto-created) on first use, at
 * start-up for a fixed topic or before the first batch for a templated one, and its partition
 * count is cached for the partitioner.
 */
export class TopicDirectory {
  private readonly known = new Map<string, KnownTopic>();
  private readonly pending = new Map<string, Promise<number>>();

  constructor(
    private readonly transport: KafkaTransport,
    private readonly options: { readonly autoCreateTopics: boolean; readonly logger: Logger },
  ) {}

  /**
   * Partition count of `topic`, checking it exists first. Rejects with CF_ERR_SINK_TOPIC when
   * it is missing and may not (or could not) be created; with a retriable CfError when the
   * cluster cannot be asked.
   */
  partitionCount(topic: string, now = Date.now()): Promise<number> {
    const known = this.known.get(topic);
    if (known !== undefined && now - known.checkedAt < TOPIC_METADATA_MAX_AGE_MS) {
      return Promise.resolve(known.partitions);
    }
    let pending = this.pending.get(topic);
    if (pending === undefined) {
      pending = this.lookUp(topic, known).finally(() => this.pending.delete(topic));
      this.pending.set(topic, pending);
    }
    return pending;
  }

  private async lookUp(topic: string, known: KnownTopic | undefined): Promise<number> {
    let partitions: number | undefined;
    try {
      partitions = (await this.transport.listTopics()).get(topic);
    } catch (err) {
      // A refresh that fails keeps the count we had: sending will tell whether the cluster is down.
      if (known !== undefined) return known.partitions;
      throw err;
    }
    if (partitions === undefined) partitions = await this.create(topic);
    this.known.set(topic, { partitions, checkedAt: Date.now() });
    return partitions;
  }

  private async create(topic: string): Promise<number> {
    if (!this.options.autoCreateTopics) {
      throw new CfError(
        'CF_ERR_SINK_TOPIC',
        `Kafka topic "${topic}" does not exist and autoCreateTopics is false: create the topic, or set autoCreateTopics: true.`,
        { details: { topic } },
      );
    }
    await this.transport.createTopic(topic);
    const partitions = (await this.transport.listTopics()).get(topic);
    if (partitions === undefined) {
      throw new CfError(
        'CF_ERR_SINK_TOPIC',
        `Kafka topic "${topic}" does not exist and the cluster did not create it (is auto.create.topics.enable off?): create the topic.`,
        { details: { topic } },
      );
    }
    this.options.logger.info({ topic, partitions }, 'Kafka topic auto-created.');
    return partitions;
  }
}
