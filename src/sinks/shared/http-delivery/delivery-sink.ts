import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import { deadLetterEntry } from '../../../core/dead-letter.js';
import { CfError, classify } from '../../../core/errors/index.js';
import type { PipelineRecord } from '../../../core/record.js';
import { type BackoffPolicy, backoffDelayMs, RetriesExhaustedError, sleep } from '../../../lib/retry.js';
import { type Batch, BatchingSink } from '../batching-sink.js';
import type { SinkContext } from '../contract.js';
import { halves, PoisonGuard, poisonRecordEntry, poisonThreshold } from '../poison-batch.js';
import { type RetryHooks, withRetries } from './retry.js';
import type { DeliveryVerdict, ItemVerdict, Rejection } from './verdict.js';

const gzipAsync = promisify(gzip);

/** The delivery settings every HTTP sink's config has (names as in the config file). */
export interface HttpDeliverySettings {
  readonly batchMaxBytes: number;
  readonly batchMaxCount: number;
  readonly lingerMs: number;
  /** Requests in flight at once (p-limit). */
  readonly maxInFlightRequests: number;
  /** Batches that may wait for a confirmation without holding a request slot (Splunk's useAck). */
  readonly extraInFlightBatches?: number | undefined;
  readonly gzip: boolean;
  /** 1 fastest .. 9 smallest. */
  readonly gzipLevel: number;
  readonly retryMaxAttempts: number;
  readonly retryInitialDelayMs: number;
  readonly retryMaxDelayMs: number;
}

/**
 * A sink's wire format and its receiver's answers: everything the core does not know. `Answer`
 * is whatever `post` resolves with (a parsed reply); only `judge` looks inside it.
 */
export interface HttpWire<Answer> {
  /** The receiver in a sentence: `the Splunk HEC`, `Elasticsearch`. */
  readonly destination: string;
  /** Upper bound of a record's bytes in a body before compression (what batchMaxBytes bounds). */
  sizeOf(record: PipelineRecord): number;
  /** The request body for a run of records, before compression. */
  encode(records: readonly PipelineRecord[], ingestTimeMs: number): string | Buffer;
  /**
   * Sends one body (gzip-compressed when `gzipped`); resolves with the receiver's answer whatever
   * its status, rejects only when no answer came (HttpEndpoint.call does both).
   */
  post(
    body: Buffer,
    gzipped: boolean,
    signal: AbortSignal,
    /** The run the body carries (headers that depend on its records, e.g. Sumo's X-Sumo-Category). */
    records: readonly PipelineRecord[],
  ): Promise<Answer>;
  /** The verdict on an answer to a request carrying `records` (see DeliveryVerdict). */
  judge(answer: Answer, records: readonly PipelineRecord[]): DeliveryVerdict;
  /**
   * True when the receiver answers a small request on the same path (through the same proxies):
   * the poison-batch rule's evidence that it is up. Absent: only accepted requests are evidence.
   */
  answers?(signal: AbortSignal): Promise<boolean>;
  /** For `accepted` verdicts with a confirmation: the fatal error after `sends` unconfirmed sends. */
  unconfirmedError?(records: number, sends: number): CfError;
  /** Log line when unconfirmed records are sent again. */
  readonly unconfirmedMessage?: string;
  /** Releases connections (once, when the sink is disposed). */
  close(): Promise<void>;
}

/** A run the poison-batch rule gave up sending as it is (shared/poison-batch.ts). */
interface Undeliverable {
  readonly kind: 'undeliverable';
  readonly error: CfError;
  readonly attempts: number;
  /** The request body's size on the wire (gzipped when gzip is on). */
  readonly wireBytes: number;
}

type Answered = Exclude<DeliveryVerdict, { kind: 'retry' } | { kind: 'fatal' }>;

type PostOutcome =
  | { readonly kind: 'answered'; readonly verdict: Answered }
  | Undeliverable
  /** Failing before anything else got through: send the rest of the batch first (see post()). */
  | { readonly kind: 'defer' };

/**
 * The HTTP batch-delivery core every HTTP sink runs on (see index.ts for how a sink plugs in):
 *
 *   batch --encode+gzip--> POST --accepted--> [confirmation? wait; unconfirmed: send again]
 *                            |  items: accepted done | rejected dead-lettered | retry ones
 *                            |     sent again together after a backoff (bounded rounds)
 *                            |  too-large: split in halves; a lone record -> dead-letter
 *                            |  rejected #i: before | [i] alone | after (no index: bisect)
 *                            |  retry (429/5xx/socket): in place, capped backoff + jitter,
 *                            |     Retry-After honoured
 *                            |  reset/timeout K times in a row while the receiver answers
 *                            |     others: split in halves; a lone record -> dead-letter
 *                            |     (the poison-batch rule, shared/poison-batch.ts)
 *                            +  fatal: the sink fails, the records stay unacknowledged
 *
 * Records are acknowledged to the pipeline (BatchingSink) only when sendBatch resolves: every
 * one accepted by the receiver or written to the dead-letter file.
 */
export class HttpDeliverySink<Answer> extends BatchingSink {
  protected readonly log: Logger;
  protected readonly wire: HttpWire<Answer>;
  protected readonly settings: HttpDeliverySettings;
  protected readonly retryHooks: RetryHooks;
  /** Aborted by the pipeline's signal or when the sink is disposed: retries and waits end. */
  protected readonly signal: AbortSignal;
  private readonly requestSlots: LimitFunction;
  private readonly poison: PoisonGuard;
  /** Largest request body (bytes on the wire) the receiver accepted. */
  private largestAccepted = 0;
  private readonly stopping = new AbortController();
  private disposed = false;
  /** The receiver at the start of a sentence: `Splunk HEC`, `Elasticsearch`. */
  private readonly named: string;

  constructor(name: string, settings: HttpDeliverySettings, ctx: SinkContext, wire: HttpWire<Answer>) {
    super(
      name,
      {
        batchMaxBytes: settings.batchMaxBytes,
        batchMaxCount: settings.batchMaxCount,
        lingerMs: settings.lingerMs,
        maxInFlight: settings.maxInFlightRequests + (settings.extraInFlightBatches ?? 0),
      },
      ctx,
    );
    this.settings = deliverySettings(settings);
    this.wire = wire;
    this.log = ctx.logger.child({ component: this.sinkName });
    this.signal = AbortSignal.any([ctx.signal, this.stopping.signal]);
    this.requestSlots = pLimit(settings.maxInFlightRequests);
    const policy: BackoffPolicy = {
      maxAttempts: settings.retryMaxAttempts,
      initialDelayMs: settings.retryInitialDelayMs,
      maxDelayMs: settings.retryMaxDelayMs,
      multiplier: 2,
    };
    this.named = capitalised(wire.destination.replace(/^the /, ''));
    const named = this.named;
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
        this.log.warn({ err: error, attempt, delayMs }, `${named} request failed; retrying.`);
      },
    };
    this.poison = new PoisonGuard({
      threshold: poisonThreshold(settings.retryMaxAttempts),
      // No request got through since the failures began: a lone record is poison when its
      // request is larger than every one the receiver accepted (a size limit drops only large
      // ones) and the receiver answers a small request. A receiver that hangs on every request,
      // whatever its size, is then not mistaken for a poison record: it stays retried, then fatal.
      probe: async (bytes) =>
        this.largestAccepted > 0 && bytes > this.largestAccepted && (await this.receiverAnswers()),
    });
  }

  protected override sizeOf(record: PipelineRecord): number {
    return this.wire.sizeOf(record);
  }

  protected async sendBatch(batch: Batch): Promise<void> {
    // Runs of records still to send; splitting and isolation replace a run by its parts, in order.
    let work: PipelineRecord[][] = [[...batch.records]];
    // Runs the poison-batch rule sent behind the rest of the batch: the mark when they were.
    const deferred = new Map<PipelineRecord[], number>();
    // Runs of records a per-item answer asked to send again: how many times, and the last error.
    const itemRetries = new Map<PipelineRecord[], { readonly round: number; readonly error: CfError }>();
    for (let round = 1; ; round++) {
      const awaiting: Array<{
        readonly records: PipelineRecord[];
        readonly outcome: Promise<'confirmed' | 'unconfirmed'>;
      }> = [];
      while (work.length > 0) {
        const records = work.shift()!;
        const retried = itemRetries.get(records);
        if (retried !== undefined) await this.waitItemRetry(records.length, retried.round, retried.error);
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
        const { verdict } = posted;
        if (verdict.kind === 'accepted') {
          if (verdict.confirmation !== undefined) {
            // Handled by Promise.all below; this keeps a rejection that comes after a fatal
            // error in a later request (the sink closes) from going unhandled.
            verdict.confirmation.catch(() => {});
            awaiting.push({ records, outcome: verdict.confirmation });
          }
        } else if (verdict.kind === 'items') {
          const again = await this.settleItems(records, verdict.items);
          if (again !== undefined) {
            const round = (retried?.round ?? 0) + 1;
            itemRetries.set(again.records, { round, error: again.error });
            work.unshift(again.records);
          }
        } else if (records.length === 1) {
          await this.deadLetter(records[0]!, verdict.rejection);
        } else if (
          verdict.kind === 'rejected' &&
          verdict.index !== undefined &&
          verdict.index > 0 &&
          verdict.index < records.length
        ) {
          // The named record is sent alone before it is dead-lettered, so a wrong index never
          // costs an innocent record; the records before it are sent again (none was taken).
          const i = verdict.index;
          work.unshift(
            ...[records.slice(0, i), [records[i]!], records.slice(i + 1)].filter((r) => r.length > 0),
          );
        } else {
          // 413, or a rejection at index 0 or without a usable index: bisect.
          work.unshift(...halves(records));
        }
      }
      if (awaiting.length === 0) return;
      const outcomes = await Promise.all(awaiting.map((a) => a.outcome));
      work = awaiting.filter((_, k) => outcomes[k] === 'unconfirmed').map((a) => a.records);
      if (work.length === 0) return;
      const records = work.reduce((n, r) => n + r.length, 0);
      if (round >= this.settings.retryMaxAttempts) {
        throw (
          this.wire.unconfirmedError?.(records, round) ??
          new CfError(
            'CF_ERR_SINK_ACK_TIMEOUT',
            `${this.wire.destination} did not confirm ${records} records after ${round} sends.`,
            { retriable: false },
          )
        );
      }
      this.ctx.metrics.retries.inc(
        { component: this.sinkName, error_code: 'CF_ERR_SINK_ACK_TIMEOUT' },
        work.length,
      );
      this.log.warn(
        { records, send: round },
        this.wire.unconfirmedMessage ?? 'Records were not confirmed in time; sending them again.',
      );
    }
  }

  protected override async disposeSink(): Promise<void> {
    // The base calls this after `end()` and again on destroy (autoDestroy): once is enough.
    if (this.disposed) return;
    this.disposed = true;
    this.stopping.abort(new CfError('CF_ERR_ABORTED', `Sink ${this.sinkName} was closed.`));
    await this.closeWire();
  }

  /** Releases what the sink holds besides the wire (e.g. an ack tracker); then the wire. */
  protected closeWire(): Promise<void> {
    return this.wire.close();
  }

  /** Runs `attempt` under the sink's retry policy (capped backoff, jitter, Retry-After). */
  protected retry<T>(
    what: string,
    attempt: () => Promise<{ kind: 'done'; value: T } | { kind: 'retry' | 'fatal'; error: CfError }>,
  ): Promise<T> {
    return withRetries(what, attempt, this.retryHooks);
  }

  /** True when the receiver answers a small request; false when the wire has no way to ask. */
  protected async receiverAnswers(): Promise<boolean> {
    if (this.wire.answers === undefined) return false;
    try {
      return await this.wire.answers(this.signal);
    } catch {
      return false;
    }
  }

  /**
   * Encodes and POSTs one run of records, retrying transient failures in place. The body is
   * made inside the request slot, so at most maxInFlightRequests encoded bodies exist at once
   * however many batches wait for a confirmation; it is kept across retries.
   */
  private async post(
    records: readonly PipelineRecord[],
    since: number | undefined,
    canDefer: boolean,
  ): Promise<PostOutcome> {
    let body: Buffer | undefined;
    const watch = this.poison.watch(since);
    return withRetries<PostOutcome>(
      `Sending to ${this.wire.destination}`,
      async () => {
        let answer: Answer;
        let ticket = 0;
        try {
          answer = await this.requestSlots(async () => {
            body ??= await this.encode(records);
            ticket = this.poison.started();
            return this.wire.post(body, this.settings.gzip, this.signal, records);
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
            // Splitting costs requests, never records: the receiver answering a small one is enough.
            if (records.length > 1 && (await this.receiverAnswers()))
              return { kind: 'done', value: undeliverable };
            if (canDefer) return { kind: 'done', value: { kind: 'defer' } };
          }
          throw err;
        }
        watch.answered();
        const verdict = this.wire.judge(answer, records);
        if (verdict.kind === 'retry' || verdict.kind === 'fatal') return verdict;
        if (verdict.kind === 'accepted' || verdict.kind === 'items') {
          this.poison.succeeded(ticket);
          this.largestAccepted = Math.max(this.largestAccepted, body?.length ?? 0);
        }
        return { kind: 'done', value: { kind: 'answered', verdict } };
      },
      this.retryHooks,
    );
  }

  private async encode(records: readonly PipelineRecord[]): Promise<Buffer> {
    const encoded = this.wire.encode(records, Date.now());
    const raw = typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : encoded;
    // zlib's async gzip runs on the libuv pool, off the event loop.
    return this.settings.gzip ? await gzipAsync(raw, { level: this.settings.gzipLevel }) : raw;
  }

  /**
   * Applies a per-item answer: rejected records are dead-lettered, accepted ones are done.
   * Returns the records to send again (in order) with the last item's error, if any.
   */
  private async settleItems(
    records: readonly PipelineRecord[],
    items: readonly ItemVerdict[],
  ): Promise<{ readonly records: PipelineRecord[]; readonly error: CfError } | undefined> {
    if (items.length !== records.length) {
      throw new CfError(
        'CF_ERR_BAD_RESPONSE',
        `${this.named} answered ${items.length} item results for ${records.length} records.`,
        { retriable: false },
      );
    }
    const again: PipelineRecord[] = [];
    let error: CfError | undefined;
    for (let i = 0; i < records.length; i++) {
      const item = items[i]!;
      if (item.kind === 'rejected') await this.deadLetter(records[i]!, item.rejection);
      else if (item.kind === 'retry') {
        again.push(records[i]!);
        error = item.error;
      }
    }
    return error === undefined ? undefined : { records: again, error };
  }

  /** Before items are sent again: a backoff (Retry-After honoured), or fatal when rounds are used up. */
  private async waitItemRetry(records: number, round: number, error: CfError): Promise<void> {
    const policy = this.retryHooks.policy;
    if (policy.maxAttempts > 0 && round >= policy.maxAttempts) {
      throw new RetriesExhaustedError(
        `Sending the ${records} record(s) ${this.wire.destination} asked to retry`,
        error,
        round,
      );
    }
    const delayMs = backoffDelayMs(policy, round, error.retryAfterMs);
    this.ctx.metrics.retries.inc({ component: this.sinkName, error_code: error.code }, records);
    this.log.warn(
      { err: error, records, attempt: round, delayMs },
      `${this.named} asked for ${records} records again; retrying them.`,
    );
    await sleep(delayMs, this.signal);
  }

  /** A record the poison-batch rule gave up on: dead-lettered with why, and acknowledged. */
  private async deadLetterPoison(record: PipelineRecord, outcome: Undeliverable): Promise<void> {
    const bytes = this.wire.sizeOf(record);
    const entry = poisonRecordEntry({
      sink: this.sinkName,
      destination: this.wire.destination,
      record,
      bytes,
      error: outcome.error,
      attempts: outcome.attempts,
      detail: { wireBytes: outcome.wireBytes, gzip: this.settings.gzip },
    });
    await this.ctx.deadLetter.write(entry);
    this.ctx.metrics.poisonRecords.inc({ component: this.sinkName });
    this.markDeadLettered(record, 'poison_record');
    this.log.warn(
      { eventId: record.eventId, bytes, attempts: outcome.attempts, err: outcome.error },
      `A record alone kept failing with a transport error while ${this.wire.destination} accepted others; it was dead-lettered.`,
    );
  }

  private async deadLetter(record: PipelineRecord, rejection: Rejection): Promise<void> {
    await this.ctx.deadLetter.write(
      deadLetterEntry({
        stage: 'sink',
        code: rejection.code,
        reason: rejection.reason,
        sink: this.sinkName,
        record,
        ...(rejection.detail === undefined ? {} : { detail: rejection.detail }),
      }),
    );
    this.markDeadLettered(record, rejection.metric);
    this.log.warn(
      { eventId: record.eventId, code: rejection.code, reply: rejection.detail },
      `${this.named} refused a record; it was dead-lettered.`,
    );
  }
}

/**
 * Only the delivery settings, copied by name: a sink may pass its whole config, and a secret in
 * it (a `{ value }` token) must not end up on the sink object (util.inspect, heap dumps, logs).
 */
function deliverySettings(s: HttpDeliverySettings): HttpDeliverySettings {
  return {
    batchMaxBytes: s.batchMaxBytes,
    batchMaxCount: s.batchMaxCount,
    lingerMs: s.lingerMs,
    maxInFlightRequests: s.maxInFlightRequests,
    extraInFlightBatches: s.extraInFlightBatches,
    gzip: s.gzip,
    gzipLevel: s.gzipLevel,
    retryMaxAttempts: s.retryMaxAttempts,
    retryInitialDelayMs: s.retryInitialDelayMs,
    retryMaxDelayMs: s.retryMaxDelayMs,
  };
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
