import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import { deadLetterEntry } from '../../core/dead-letter.js';
import { CfError, classify, type ErrorCode } from '../../core/errors/index.js';
import type { PipelineRecord } from '../../core/record.js';
import type { Secret } from '../../core/secret.js';
import type { BackoffPolicy } from '../../lib/retry.js';
import { type Batch, BatchingSink } from '../shared/batching-sink.js';
import type { SinkContext } from '../shared/contract.js';
import { halves, PoisonGuard, poisonRecordEntry, poisonThreshold } from '../shared/poison-batch.js';
import { type AckOutcome, AckTracker } from './ack-tracker.js';
import type { SplunkHecSinkConfig } from './config.js';
import { HecEnvelopeEncoder } from './envelope.js';
import { HecClient } from './hec-client.js';
import { describeReply, type HecReply, replyDetails } from './reply.js';
import { type RetryHooks, withRetries } from './retry.js';
import {
  ackPollVerdict,
  type EventVerdict,
  eventVerdict,
  healthVerdict,
  tokenProbeVerdict,
} from './verdict.js';

const gzipAsync = promisify(gzip);

export interface SplunkHecSinkDeps {
  readonly token: Secret;
  /** PEM text of tls.ca, already read. */
  readonly ca: string | undefined;
  /** The envelope `host`. */
  readonly host: string;
}

type SettledVerdict = Exclude<EventVerdict, { kind: 'retry' } | { kind: 'fatal' }>;

/** A run the poison-batch rule gave up sending as it is (shared/poison-batch.ts). */
interface Undeliverable {
  readonly kind: 'undeliverable';
  readonly error: CfError;
  readonly attempts: number;
  /** The request body's size on the wire (gzipped when gzip is on). */
  readonly wireBytes: number;
}

type PostOutcome =
  | { readonly kind: 'answered'; readonly verdict: SettledVerdict; readonly reply: HecReply }
  | Undeliverable
  /** Failing before anything else got through: send the rest of the batch first (see post()). */
  | { readonly kind: 'defer' };

/**
 * Splunk HTTP Event Collector sink: batches of envelopes POSTed to /services/collector/event
 * over an undici Pool, with one random channel per instance.
 *
 *   batch --encode+gzip--> POST /event --2xx--> [useAck: wait for ackId indexed] --> acked
 *                              |  413: split in halves; a lone record -> dead-letter
 *                              |  400 code 6/12/13 #i: before | [i] alone | after
 *                              |  429/5xx/socket: retry in place (capped backoff, Retry-After)
 *                              |  reset/timeout 3x in a row while the HEC answers a probe or
 *                              |    other requests: split in halves; a lone record -> dead-letter
 *                              |    (the poison-batch rule, shared/poison-batch.ts)
 *                              |  401/403, code 7, 14...: fatal, the records stay unacked
 *                              +-- ack never indexed (ackMaxPolls polls): the run is sent again
 *
 * Acknowledged means: without useAck, HEC answered 2xx (it accepted the events into its queue;
 * they are lost if that Splunk instance dies before indexing). With useAck, Splunk reported
 * the request's ackId indexed. A record written to the dead-letter file is acknowledged too.
 * Sends are at least once: a retry after a lost reply, or a resend after an ack that never
 * came, can index events twice.
 */
export class SplunkHecSink extends BatchingSink {
  /** X-Splunk-Request-Channel of this instance. */
  readonly channel = randomUUID();
  /** The config without its token reference (a `{ value }` token must not sit on the sink). */
  private readonly config: Omit<SplunkHecSinkConfig, 'token'>;
  private readonly log: Logger;
  private readonly client: HecClient;
  private readonly encoder: HecEnvelopeEncoder;
  private readonly acks: AckTracker | undefined;
  private readonly requestSlots: LimitFunction;
  private readonly retryHooks: RetryHooks;
  /** The poison-batch rule: successes of this sink's requests, and a probe (see the constructor). */
  private readonly poison: PoisonGuard;
  /** Largest event request body (bytes on the wire) the HEC accepted. */
  private largestAccepted = 0;
  /** Aborted by the pipeline's signal or when the sink is disposed: retries and waits end. */
  private readonly stopping = new AbortController();
  private readonly signal: AbortSignal;
  private disposed = false;

  constructor(config: SplunkHecSinkConfig, ctx: SinkContext, deps: SplunkHecSinkDeps) {
    super(
      config.name ?? 'splunk-hec',
      {
        batchMaxBytes: config.batchMaxBytes,
        batchMaxCount: config.batchMaxCount,
        lingerMs: config.lingerMs,
        // Batches waiting for their ack hold no request slot, so they get slots of their own.
        maxInFlight: config.maxInFlightRequests + (config.useAck ? config.ackMaxPendingBatches : 0),
      },
      ctx,
    );
    const { token: _token, ...settings } = config;
    this.config = settings;
    this.log = ctx.logger.child({ component: this.sinkName });
    this.signal = AbortSignal.any([ctx.signal, this.stopping.signal]);
    this.client = new HecClient({
      url: config.url,
      token: deps.token,
      channel: this.channel,
      connections: config.maxInFlightRequests + 1,
      requestTimeoutMs: config.requestTimeoutMs,
      ca: deps.ca,
      rejectUnauthorized: config.tls.rejectUnauthorized,
      egress: ctx.egress,
    });
    this.encoder = new HecEnvelopeEncoder({
      host: deps.host,
      source: config.source,
      sourcetype: config.sourcetype,
      index: config.index,
      indexByEventType: config.indexByEventType,
    });
    this.requestSlots = pLimit(config.maxInFlightRequests);
    const policy: BackoffPolicy = {
      maxAttempts: config.retryMaxAttempts,
      initialDelayMs: config.retryInitialDelayMs,
      maxDelayMs: config.retryMaxDelayMs,
      multiplier: 2,
    };
    this.retryHooks = {
      policy,
      signal: this.signal,
      onAnswer: () => {
        this.connected = true;
      },
      onFailure: (error, unreachable) => {
        this.lastError = error.message;
        if (unreachable) this.connected = false;
      },
      onRetry: (error, attempt, delayMs) => {
        this.ctx.metrics.retries.inc({ component: this.sinkName, error_code: error.code });
        this.log.warn({ err: error, attempt, delayMs }, 'Splunk HEC request failed; retrying.');
      },
    };
    this.poison = new PoisonGuard({
      threshold: poisonThreshold(config.retryMaxAttempts),
      // No request got through since the failures began: a lone record is poison when its
      // request is larger than every one the HEC accepted (a size limit drops only large ones)
      // and the HEC answers a small request. A HEC that hangs on every event request, whatever
      // its size, is then not mistaken for a poison record: it stays retried, then fatal.
      probe: async (bytes) =>
        this.largestAccepted > 0 && bytes > this.largestAccepted && (await this.hecAnswers()),
    });
    this.acks = config.useAck
      ? new AckTracker(
          (ids) => this.pollAcks(ids),
          { pollIntervalMs: config.ackPollIntervalMs, maxPolls: config.ackMaxPolls },
          this.log,
        )
      : undefined;
  }

  /** Checks that a HEC answers at the URL and accepts the token; rejects saying what is wrong. */
  override async start(): Promise<void> {
    if (!this.config.tls.rejectUnauthorized) {
      this.log.warn(
        { endpoint: this.client.endpoint },
        'TLS certificate verification is off for the Splunk HEC (tls.rejectUnauthorized: false).',
      );
    }
    if (this.config.healthCheck) {
      await withRetries(
        'The Splunk HEC health check',
        async () => {
          const v = healthVerdict(await this.client.health(this.signal));
          return v.kind === 'ok' ? { kind: 'done', value: undefined } : v;
        },
        this.retryHooks,
      );
      await withRetries(
        'The Splunk HEC token check',
        async () => {
          const v = tokenProbeVerdict(await this.client.probeToken(this.config.useAck, this.signal));
          return v.kind === 'ok' ? { kind: 'done', value: undefined } : v;
        },
        this.retryHooks,
      );
    }
    this.log.info(
      {
        endpoint: this.client.endpoint,
        channel: this.channel,
        useAck: this.config.useAck,
        gzip: this.config.gzip,
      },
      'Splunk HEC sink ready.',
    );
  }

  protected override sizeOf(record: PipelineRecord): number {
    return this.encoder.sizeOf(record);
  }

  protected async sendBatch(batch: Batch): Promise<void> {
    // Runs of records still to send; splitting and isolation replace a run by its parts, in order.
    let work: PipelineRecord[][] = [[...batch.records]];
    // Runs the poison-batch rule sent behind the rest of the batch: the mark when they were.
    const deferred = new Map<PipelineRecord[], number>();
    for (let round = 1; ; round++) {
      const awaiting: Array<{ readonly records: PipelineRecord[]; readonly outcome: Promise<AckOutcome> }> =
        [];
      while (work.length > 0) {
        const records = work.shift()!;
        const since = deferred.get(records);
        const posted = await this.post(records, since, since === undefined && work.length > 0);
        if (posted.kind === 'defer') {
          deferred.set(records, this.poison.mark());
          work.push(records);
          continue;
        }
        if (posted.kind === 'undeliverable') {
          if (records.length === 1) await this.deadLetterPoison(records[0]!, posted);
          else work.unshift(...halves(records));
          continue;
        }
        const { verdict, reply } = posted;
        if (verdict.kind === 'accepted') {
          if (verdict.ackId !== undefined && this.acks !== undefined) {
            const outcome = this.acks.wait(verdict.ackId);
            // Handled by Promise.all below; this keeps a rejection that comes after a fatal
            // error in a later request (the tracker closes) from going unhandled.
            outcome.catch(() => {});
            awaiting.push({ records, outcome });
          }
        } else if (records.length === 1) {
          await this.deadLetter(records[0]!, verdict, reply);
        } else if (
          verdict.kind === 'invalid-event' &&
          verdict.index !== undefined &&
          verdict.index > 0 &&
          verdict.index < records.length
        ) {
          // The named event is sent alone before it is dead-lettered, so a wrong index never
          // costs an innocent record; the events before it are sent again (HEC indexed none).
          const i = verdict.index;
          work.unshift(
            ...[records.slice(0, i), [records[i]!], records.slice(i + 1)].filter((r) => r.length > 0),
          );
        } else {
          // 413, or a rejection at index 0 or without a usable index: bisect.
          const mid = Math.ceil(records.length / 2);
          work.unshift(records.slice(0, mid), records.slice(mid));
        }
      }
      if (awaiting.length === 0) return;
      const outcomes = await Promise.all(awaiting.map((a) => a.outcome));
      work = awaiting.filter((_, k) => outcomes[k] === 'timed-out').map((a) => a.records);
      if (work.length === 0) return;
      const records = work.reduce((n, r) => n + r.length, 0);
      if (round >= this.config.retryMaxAttempts) {
        throw new CfError(
          'CF_ERR_SINK_ACK_TIMEOUT',
          `Splunk HEC did not report ${records} records indexed after ${round} sends of ${this.config.ackMaxPolls} ack polls each.`,
          { retriable: false },
        );
      }
      this.ctx.metrics.retries.inc(
        { component: this.sinkName, error_code: 'CF_ERR_SINK_ACK_TIMEOUT' },
        work.length,
      );
      this.log.warn(
        { records, send: round },
        'Splunk HEC did not report records indexed in time; sending them again.',
      );
    }
  }

  protected override async disposeSink(): Promise<void> {
    // The base calls this after `end()` and again on destroy (autoDestroy): once is enough.
    if (this.disposed) return;
    this.disposed = true;
    this.stopping.abort(new CfError('CF_ERR_ABORTED', `Sink ${this.sinkName} was closed.`));
    this.acks?.close();
    await this.client.close();
  }

  /**
   * Encodes and POSTs one run of records, retrying transient failures in place. The body is
   * made inside the request slot, so at most maxInFlightRequests encoded bodies exist at once
   * however many batches wait for their acks; it is kept across retries.
   */
  private async post(
    records: readonly PipelineRecord[],
    since: number | undefined,
    canDefer: boolean,
  ): Promise<PostOutcome> {
    let body: Buffer | undefined;
    const watch = this.poison.watch(since);
    return withRetries<PostOutcome>(
      'Sending to the Splunk HEC',
      async () => {
        let reply: HecReply;
        let ticket = 0;
        try {
          reply = await this.requestSlots(async () => {
            body ??= await this.encode(records);
            ticket = this.poison.started();
            return this.client.postEvents(body, this.config.gzip, this.signal);
          });
        } catch (err) {
          const error = classify(err);
          // No answer: the poison-batch rule decides whether this request is the problem.
          if (this.signal.aborted) throw err;
          const wireBytes = body?.length ?? 0;
          const poison = await watch.isPoison(error, wireBytes);
          const undeliverable: Undeliverable = {
            kind: 'undeliverable',
            error,
            attempts: watch.failures,
            wireBytes,
          };
          if (poison) return { kind: 'done', value: undeliverable };
          if (watch.failures >= this.poison.threshold) {
            // Splitting costs requests, never records: the HEC answering a small one is enough.
            if (records.length > 1 && (await this.hecAnswers()))
              return { kind: 'done', value: undeliverable };
            if (canDefer) return { kind: 'done', value: { kind: 'defer' } };
          }
          throw err;
        }
        watch.answered();
        const verdict = eventVerdict(reply, this.config.useAck);
        if (verdict.kind === 'retry' || verdict.kind === 'fatal') return verdict;
        if (verdict.kind === 'accepted') {
          this.poison.succeeded(ticket);
          this.largestAccepted = Math.max(this.largestAccepted, body?.length ?? 0);
        }
        return { kind: 'done', value: { kind: 'answered', verdict, reply } };
      },
      this.retryHooks,
    );
  }

  private async encode(records: readonly PipelineRecord[]): Promise<Buffer> {
    const raw = Buffer.from(this.encoder.encodeBatch(records, Date.now()), 'utf8');
    // zlib's async gzip runs on the libuv pool, off the event loop.
    return this.config.gzip ? await gzipAsync(raw, { level: this.config.gzipLevel }) : raw;
  }

  private async pollAcks(ids: readonly number[]): Promise<Readonly<Record<string, boolean>>> {
    const v = ackPollVerdict(await this.client.pollAcks(ids, this.signal));
    if (v.kind === 'acks') return v.acks;
    throw v.error;
  }

  /**
   * True when the HEC answers a small event request (an empty one, "No data"): it goes to the
   * same endpoint through the same proxies as the records, so an answer means the HEC is up.
   */
  private async hecAnswers(): Promise<boolean> {
    try {
      return tokenProbeVerdict(await this.client.probeToken(false, this.signal)).kind === 'ok';
    } catch {
      return false;
    }
  }

  /** A record the poison-batch rule gave up on: dead-lettered with why, and acknowledged. */
  private async deadLetterPoison(record: PipelineRecord, outcome: Undeliverable): Promise<void> {
    const bytes = this.encoder.sizeOf(record);
    const entry = poisonRecordEntry({
      sink: this.sinkName,
      destination: 'the Splunk HEC',
      record,
      bytes,
      error: outcome.error,
      attempts: outcome.attempts,
      detail: { wireBytes: outcome.wireBytes, gzip: this.config.gzip },
    });
    await this.ctx.deadLetter.write(entry);
    this.ctx.metrics.poisonRecords.inc({ component: this.sinkName });
    this.markDeadLettered(record, 'poison_record');
    this.log.warn(
      { eventId: record.eventId, bytes, attempts: outcome.attempts, err: outcome.error },
      'A record alone kept failing with a transport error while the Splunk HEC accepted others; it was dead-lettered.',
    );
  }

  private async deadLetter(record: PipelineRecord, verdict: SettledVerdict, reply: HecReply): Promise<void> {
    const tooLarge = verdict.kind === 'too-large';
    const code: ErrorCode = tooLarge ? 'CF_ERR_RECORD_TOO_LARGE' : 'CF_ERR_RECORD_REJECTED';
    const reason = tooLarge
      ? `Splunk HEC answered 413 to this record alone: it is larger than the HEC accepts (max_content_length).`
      : `Splunk HEC rejected this record (${describeReply(reply)}).`;
    await this.ctx.deadLetter.write(
      deadLetterEntry({
        stage: 'sink',
        code,
        reason,
        sink: this.sinkName,
        record,
        detail: replyDetails(reply),
      }),
    );
    this.markDeadLettered(record, tooLarge ? 'hec_too_large' : 'hec_rejected');
    this.log.warn(
      { eventId: record.eventId, code, reply: replyDetails(reply) },
      'Splunk HEC refused a record; it was dead-lettered.',
    );
  }
}
