import type { Logger } from 'pino';
import { CfError } from '../../core/errors/index.js';
import type { PipelineRecord } from '../../core/record.js';
import { untilAborted } from '../../lib/abort.js';
import type { BackoffPolicy } from '../../lib/retry.js';
import { type Batch, BatchingSink } from '../shared/batching-sink.js';
import type { SinkContext } from '../shared/contract.js';
import { halves, PoisonGuard, poisonRecordEntry, poisonThreshold } from '../shared/poison-batch.js';
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

/** What a dead-letter entry needs of a record whose message is all the sink kept. */
type Origin = Pick<PipelineRecord, 'source' | 'lineNumber' | 'eventId'> & { readonly size: number };

/** The poison-batch rule's evidence for one topic-partition. */
interface PartitionEvidence {
  readonly guard: PoisonGuard;
  /** Largest produce request (bytes) the partition acknowledged. */
  largestSent: number;
}

/** The outcome of producing one run of a partition's messages (see produce()). */
type ProduceOutcome =
  | { readonly kind: 'sent' }
  | { readonly kind: 'poison'; readonly error: CfError; readonly attempts: number }
  | { readonly kind: 'defer' };

/**
 * Transport failures of a produce: a connection the broker closed (a request over its
 * socket.request.max.bytes is dropped, not answered MESSAGE_TOO_LARGE) or a request timeout.
 */
const KAFKA_TRANSPORT_CODES: ReadonlySet<string> = new Set([
  'CF_ERR_SINK_CONNECT',
  'CF_ERR_SOCKET',
  'CF_ERR_TIMEOUT',
]);

/**
 * The Kafka sink: a BatchingSink whose batches become one produce request per topic-partition.
 *
 *   record -> encode (topic, key, headers; size) -> size limit -> [dead-letter | fatal | send]
 *          -> batch (count, bytes, linger) -> split by topic-partition -> lane per partition
 *          -> produce (acks) --retriable--> backoff, same partition, same lane
 *                            --fatal------> reject: the sink is destroyed, nothing acked
 *                            --connection dropped 3x while the cluster takes other requests-->
 *                              split in halves; a lone record -> dead-letter (poison-batch rule)
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
  /**
   * The poison-batch rule's evidence (shared/poison-batch.ts), per topic-partition: partitions
   * have different leaders, so a produce that got through to one says nothing about another.
   */
  private readonly evidence = new Map<string, PartitionEvidence>();

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
    // Where each outgoing message came from, for dead-lettering it after its record was
    // released: a plain map that dies with the batch (a sink-wide WeakMap made every message
    // an ephemeron the garbage collector had to trace).
    const origins = new Map<KafkaMessage, Origin>();
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
      origins.set(verdict.message, {
        source: record.source,
        lineNumber: record.lineNumber,
        eventId: record.eventId,
        // The record's encoding before any truncation: what sizeOf() counted when it was batched.
        size: message.bytes,
      });
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
        this.lanes.run(`${s.topic}\u0000${s.partition}`, this.transport.requestsPerPartition, () =>
          this.deliver(s, batch, origins).finally(() => s.release()),
        ),
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

  /**
   * Produces one partition's messages of a batch. Under the poison-batch rule, a run the brokers
   * keep dropping is split in halves (prepared again) and a lone message dead-lettered; a part
   * that fails K times before anything else got through waits behind its sibling parts once, so
   * their successes can show the cluster is up (the order within the partition then changes
   * for the records of that batch only).
   */
  private async deliver(
    send: PreparedSend,
    batch: Batch,
    origins: ReadonlyMap<KafkaMessage, Origin>,
  ): Promise<void> {
    const evidence = this.evidenceFor(send.topic, send.partition);
    // What succeeds after this point on this partition (this batch's own parts, or with a wider
    // lane the batches beside it) shows the partition takes other requests.
    const since = evidence.guard.mark();
    const work: Array<{ send: PreparedSend; deferred: boolean }> = [{ send, deferred: false }];
    const prepared: PreparedSend[] = [];
    try {
      while (work.length > 0) {
        const item = work.shift()!;
        const canDefer = !item.deferred && work.length > 0;
        const outcome = await this.produce(item.send, evidence, since, canDefer);
        if (outcome.kind === 'defer') work.push({ send: item.send, deferred: true });
        else if (outcome.kind === 'poison') {
          const { messages, topic, partition } = item.send;
          if (messages.length === 1) {
            await this.deadLetterPoison(messages[0]!, batch, outcome, partition, origins.get(messages[0]!));
            continue;
          }
          const parts = halves(messages).map((m) => this.transport.prepare(topic, partition, m));
          prepared.push(...parts);
          work.unshift(...parts.map((p) => ({ send: p, deferred: false })));
        }
      }
    } finally {
      for (const p of prepared) p.release();
    }
    if (!this.connected) {
      this.connected = true;
      this.log.info({ topic: send.topic, partition: send.partition }, 'Kafka accepts records again.');
    }
  }

  /** One run's produce under the retry policy, ending early with 'poison' or 'defer' (deliver()). */
  private produce(
    send: PreparedSend,
    evidence: PartitionEvidence,
    since: number,
    canDefer: boolean,
  ): Promise<ProduceOutcome> {
    const { guard } = evidence;
    const watch = guard.watch(since);
    const bytes = send.messages.reduce((n, m) => n + m.bytes, 0);
    return retrying<ProduceOutcome>(
      async () => {
        const ticket = guard.started();
        try {
          await this.transport.produce(send);
        } catch (err) {
          const error = classifyKafkaError(err, send);
          if (this.signal.aborted) throw err;
          if (await watch.isPoison(error, bytes)) return { kind: 'poison', error, attempts: watch.failures };
          if (watch.failures >= guard.threshold) {
            // Splitting costs attempts, never records: the cluster answering metadata is enough.
            if (send.messages.length > 1 && (await this.clusterAnswers())) {
              return { kind: 'poison', error, attempts: watch.failures };
            }
            if (canDefer) return { kind: 'defer' };
          }
          throw err;
        }
        guard.succeeded(ticket);
        evidence.largestSent = Math.max(evidence.largestSent, bytes);
        return { kind: 'sent' };
      },
      this.retryOptions(send.topic, send.partition),
    );
  }

  /** The poison-batch evidence of one topic-partition, made on first use. */
  private evidenceFor(topic: string, partition: number): PartitionEvidence {
    const key = `${topic}\u0000${partition}`;
    let evidence = this.evidence.get(key);
    if (evidence === undefined) {
      const e: PartitionEvidence = {
        largestSent: 0,
        guard: new PoisonGuard({
          threshold: poisonThreshold(this.config.retryMaxAttempts),
          transportCodes: KAFKA_TRANSPORT_CODES,
          // Nothing of this partition got through since the trouble began: a lone record is
          // poison only when it is larger than every request the partition took and the cluster
          // answers metadata. A partition whose leader is down fails small requests too, so
          // that stays a retried (then fatal) failure.
          probe: async (bytes) => e.largestSent > 0 && bytes > e.largestSent && (await this.clusterAnswers()),
        }),
      };
      evidence = e;
      this.evidence.set(key, evidence);
    }
    return evidence;
  }

  /** True when the cluster answers a metadata request: it is up, whatever happens to a produce. */
  private async clusterAnswers(): Promise<boolean> {
    try {
      await this.transport.listTopics();
      return true;
    } catch {
      return false;
    }
  }

  /** A message the poison-batch rule gave up on: dead-lettered with why, and acknowledged. */
  private async deadLetterPoison(
    message: KafkaMessage,
    batch: Batch,
    outcome: { readonly error: CfError; readonly attempts: number },
    partition: number,
    origin: Origin | undefined,
  ): Promise<void> {
    const line = typeof message.value === 'string' ? message.value : message.value.toString('utf8');
    const entry = poisonRecordEntry({
      sink: this.sinkName,
      destination: 'Kafka',
      record: origin === undefined ? undefined : { ...origin, line },
      text: line,
      bytes: message.bytes,
      error: outcome.error,
      attempts: outcome.attempts,
      detail: { topic: message.topic, partition },
    });
    await this.ctx.deadLetter.write(entry);
    this.ctx.metrics.poisonRecords.inc({ component: this.sinkName });
    this.markReleasedDeadLettered(batch, origin?.size ?? message.bytes, 'poison_record');
    this.log.warn(
      { eventId: origin?.eventId, topic: message.topic, partition, bytes: message.bytes, err: outcome.error },
      'A record alone kept failing with a dropped connection while Kafka took others; it was dead-lettered.',
    );
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
    await this.deadLetterTooLarge(
      record,
      reason,
      { topic: message.topic, maxRecordBytes: this.config.maxRecordBytes },
      'record_too_large',
      message.bytes,
    );
  }
}
