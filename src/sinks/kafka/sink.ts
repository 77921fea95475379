import type { Logger } from 'pino';
import { deadLetterEntry } from '../../core/dead-letter.js';
import { CfError } from '../../core/errors/index.js';
import type { PipelineRecord } from '../../core/record.js';
import { untilAborted } from '../../lib/abort.js';
import type { BackoffPolicy } from '../../lib/retry.js';
import { type Batch, BatchingSink } from '../shared/batching-sink.js';
import type { SinkContext } from '../shared/contract.js';
import type { KafkaSinkConfig } from './config.js';
import { type KafkaMessage, RecordEncoder } from './encoder.js';
import { classifyKafkaError } from './errors.js';
import { PartitionLanes } from './lanes.js';
import { applySizeLimit, type SizeLimit } from './oversize.js';
import { retrying } from './retry.js';
import { isFixedTemplate } from './template.js';
import { TopicDirectory } from './topics.js';
import type { KafkaTransport, PreparedSend } from './transport.js';

/** The records of one batch bound for one topic-partition: one produce request. */
interface PartitionSend {
  readonly topic: string;
  readonly partition: number;
  readonly messages: KafkaMessage[];
}

/**
 * The Kafka sink: a BatchingSink whose batches become one produce request per topic-partition.
 *
 *   record -> encode (topic, key, headers; size) -> size limit -> [dead-letter | fatal | send]
 *          -> batch (count, bytes, linger) -> split by topic-partition -> lane per partition
 *          -> produce (acks) --retriable--> backoff, same partition, same lane
 *                            --fatal------> reject: the sink is destroyed, nothing acked
 *
 * Acknowledged means: every in-sync replica has the record (acks "all", the default) or the
 * leader has it (acks "leader"); or the record was written to the dead-letter file. The base
 * acks a batch's records only when every partition of the batch is acknowledged, so the
 * checkpoint never runs ahead of Kafka. A retried request may duplicate records the broker
 * had taken before the failure (at-least-once); the idempotent producer removes most of these.
 */
export class KafkaSink extends BatchingSink {
  private readonly encoder: RecordEncoder;
  private readonly topics: TopicDirectory;
  private readonly lanes = new PartitionLanes();
  private readonly sizeLimit: SizeLimit;
  private readonly retryPolicy: BackoffPolicy;
  /** Aborted when the sink is disposed, to end retry waits; follows the pipeline's signal too. */
  private readonly stopping = new AbortController();
  private readonly signal: AbortSignal;
  private readonly log: Logger;
  private disposed: Promise<void> | undefined;

  constructor(
    private readonly config: KafkaSinkConfig,
    ctx: SinkContext,
    private readonly transport: KafkaTransport,
  ) {
    const name = config.name ?? 'kafka';
    super(
      name,
      {
        batchMaxCount: config.batchMaxCount,
        batchMaxBytes: config.batchMaxBytes,
        lingerMs: config.lingerMs,
        maxInFlight: config.maxInFlightRequests,
      },
      ctx,
    );
    this.log = ctx.logger.child({ sink: name });
    this.encoder = new RecordEncoder({ topic: config.topic, key: config.key, timestamp: config.timestamp });
    this.topics = new TopicDirectory(transport, {
      autoCreateTopics: config.autoCreateTopics,
      logger: this.log,
    });
    this.sizeLimit = {
      maxRecordBytes: config.maxRecordBytes,
      policy: config.oversizePolicy,
      truncateField: config.truncateField,
    };
    this.retryPolicy = {
      maxAttempts: config.retryMaxAttempts,
      initialDelayMs: config.retryInitialDelayMs,
      maxDelayMs: config.retryMaxDelayMs,
      multiplier: 2,
    };
    this.signal = AbortSignal.any([ctx.signal, this.stopping.signal]);
  }

  /** Connects, then checks a fixed topic (a templated one is checked before its first batch). */
  override async start(): Promise<void> {
    try {
      // A stop while the brokers do not answer must not wait out kafkajs' connection retries.
      await untilAborted(this.transport.connect(), this.signal);
      if (isFixedTemplate(this.config.topic)) await this.topics.partitionCount(this.config.topic);
      this.connected = true;
      const { brokers, topic, compression, acks, idempotent } = this.config;
      this.log.info({ brokers, topic, compression, acks, idempotent }, 'Kafka sink connected.');
    } catch (err) {
      const e = classifyKafkaError(err);
      this.connected = false;
      this.lastError = e.message;
      this.ctx.metrics.errors.inc({ component: this.sinkName, error_code: e.code });
      throw new CfError(
        e.code,
        `Kafka sink "${this.sinkName}" cannot start (brokers ${this.config.brokers.join(',')}): ${e.message}`,
        { cause: e, retriable: e.retriable, ...(e.details === undefined ? {} : { details: e.details }) },
      );
    }
  }

  protected override sizeOf(record: PipelineRecord): number {
    return this.encoder.sizeOf(record);
  }

  protected async sendBatch(batch: Batch): Promise<void> {
    const outgoing: KafkaMessage[] = [];
    for (const record of batch.records) {
      const message = this.encoder.encode(record);
      const verdict = applySizeLimit(record, message, this.encoder, this.sizeLimit);
      if (verdict.kind === 'fatal') throw verdict.error;
      if (verdict.kind === 'dead-letter') {
        await this.deadLetter(record, message, verdict.reason);
        continue;
      }
      if (verdict.truncatedFrom !== undefined) {
        this.log.warn(
          { eventId: record.eventId, fileId: record.source.fileId, bytes: verdict.truncatedFrom },
          'Kafka record over maxRecordBytes was truncated.',
        );
      }
      outgoing.push(verdict.message);
    }
    // The messages hold what Kafka needs (values copied out of the download's bytes): let the
    // records, and the download chunks they view, go while the batch waits for the brokers.
    this.releaseRecords(batch);
    if (outgoing.length === 0) return;
    // Prepared now (encoded, compressed) so that the work overlaps the requests still in flight.
    const sends = (await this.splitByPartition(outgoing)).map((s) =>
      this.transport.prepare(s.topic, s.partition, s.messages),
    );
    await Promise.all(
      sends.map((s) =>
        this.lanes.run(`${s.topic}\u0000${s.partition}`, () => this.deliver(s).finally(() => s.release())),
      ),
    );
  }

  protected override disposeSink(): Promise<void> {
    // Called after the last batch settled and again by autoDestroy; close only once.
    this.disposed ??= (async () => {
      this.stopping.abort(new CfError('CF_ERR_ABORTED', `Sink ${this.sinkName} was closed.`));
      await this.transport.disconnect();
    })();
    return this.disposed;
  }

  private async splitByPartition(messages: readonly KafkaMessage[]): Promise<PartitionSend[]> {
    const byTopic = new Map<string, KafkaMessage[]>();
    for (const m of messages) {
      const list = byTopic.get(m.topic);
      if (list === undefined) byTopic.set(m.topic, [m]);
      else list.push(m);
    }
    const sends: PartitionSend[] = [];
    for (const [topic, list] of byTopic) {
      const partitions = await retrying(() => this.topics.partitionCount(topic), this.retryOptions(topic));
      const byPartition = new Map<number, KafkaMessage[]>();
      for (const m of list) {
        const p = this.transport.partitionFor(topic, m.key, partitions);
        const group = byPartition.get(p);
        if (group === undefined) byPartition.set(p, [m]);
        else group.push(m);
      }
      for (const [partition, group] of byPartition) sends.push({ topic, partition, messages: group });
    }
    return sends;
  }

  private async deliver(send: PreparedSend): Promise<void> {
    await retrying(() => this.transport.produce(send), this.retryOptions(send.topic, send.partition));
    if (!this.connected) {
      this.connected = true;
      this.log.info({ topic: send.topic, partition: send.partition }, 'Kafka accepts records again.');
    }
  }

  private retryOptions(topic: string, partition?: number) {
    return {
      policy: this.retryPolicy,
      signal: this.signal,
      onRetry: (err: CfError, attempt: number, delayMs: number) => {
        this.connected = false;
        this.lastError = err.message;
        this.ctx.metrics.retries.inc({ component: this.sinkName, error_code: err.code });
        this.log.warn({ err, topic, partition, attempt, delayMs }, 'Kafka send failed; retrying.');
      },
    };
  }

  private async deadLetter(record: PipelineRecord, message: KafkaMessage, reason: string): Promise<void> {
    await this.ctx.deadLetter.write(
      deadLetterEntry({
        stage: 'sink',
        code: 'CF_ERR_RECORD_TOO_LARGE',
        reason,
        sink: this.sinkName,
        record,
        size: message.bytes,
        detail: { topic: message.topic, maxRecordBytes: this.config.maxRecordBytes },
      }),
    );
    this.markDeadLettered(record, 'record_too_large');
  }
}
