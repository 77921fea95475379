import { Writable } from 'node:stream';
import { deadLetterEntry } from '../../core/dead-letter.js';
import { CfError, classify } from '../../core/errors/index.js';
import { type Delivery, type PipelineRecord, recordBytes } from '../../core/record.js';
import type { Sink, SinkContext, SinkHealth } from './contract.js';

export interface BatchingOptions {
  /** Records per batch at most. */
  readonly batchMaxCount: number;
  /** Record bytes (UTF-8 lines, before any encoding or compression) per batch at most. */
  readonly batchMaxBytes: number;
  /** A batch that is not full is sent this long after its first record arrived. */
  readonly lingerMs: number;
  /** Batches sent and not yet acknowledged, at most. */
  readonly maxInFlight: number;
}

/** One batch handed to `sendBatch`. */
export interface Batch<Absorbed = unknown> {
  /**
   * The batch's records, in arrival order. For a sink that absorbs records on arrival (see
   * `BatchingSink.absorb`), only the ones it declined.
   */
  readonly records: readonly PipelineRecord[];
  /** Sum of recordBytes over the records (over every record that arrived, absorbed ones too). */
  readonly bytes: number;
  /** For a sink that absorbs records: what its `closeAbsorbed()` returned when the batch closed. */
  readonly absorbed?: Absorbed;
}

/**
 * What acknowledging a batch needs once its records are released: the deliveries in record order
 * (runs of consecutive records sharing one handle, which is the common case: one per file) and
 * the counts for the metrics.
 */
interface AckPlan {
  readonly deliveries: Delivery[];
  readonly runs: number[];
  readonly sent: number;
  readonly sentBytes: number;
}

/** The deliveries of every record that arrived in a batch, in order, as AckPlan keeps them. */
interface Arrivals {
  readonly deliveries: Delivery[];
  readonly runs: number[];
  count: number;
}

/** The base's own view of a batch: the records can be released before it settles. */
class HeldBatch<Absorbed> implements Batch<Absorbed> {
  plan: AckPlan | undefined;
  /** Records dead-lettered after releaseRecords (markReleasedDeadLettered): not counted as sent. */
  lateDeadLettered = 0;
  lateDeadLetteredBytes = 0;
  constructor(
    public records: readonly PipelineRecord[],
    readonly bytes: number,
    /** Set for a sink that absorbs records: the deliveries of all records, absorbed or not. */
    readonly arrivals?: Arrivals,
    readonly absorbed?: Absorbed,
  ) {}
}

const NO_RECORDS: readonly PipelineRecord[] = Object.freeze([]);

/**
 * A batching Writable (object mode, PipelineRecords in) that implements the sink contract's
 * backpressure and acknowledgement; a concrete sink implements `sendBatch` and, if it must
 * connect first, `start()` and `disposeSink()`.
 *
 *   write(record) -> [filling batch] --full or linger--> [ready queue] --slot free--> sendBatch()
 *                                                                                  |
 *                 acks every record of the batch <-- resolves -----------------------+
 *                 destroys the sink with the error <-- rejects (fatal) --------------+
 *
 * The write callback is held while a full batch waits for a free in-flight slot, so the memory
 * a sink holds is bounded by (maxInFlight + 2) x batchMaxBytes plus one oversized record.
 *
 * Contract for `sendBatch`: resolve once every record of the batch is either acknowledged by the
 * destination or written to the dead-letter file by the sink; retry transient failures inside
 * (honouring `ctx.signal`); reject only with a fatal error. The base acknowledges the records,
 * in order, after the promise resolves, and counts them as sent unless the sink reports them
 * as dead-lettered through `markDeadLettered`.
 *
 * A sink may instead take each record as it arrives (`absorb` and `closeAbsorbed`, e.g. encode
 * it into bytes at once): the filling batch then holds the sink's encoded form and the records'
 * delivery handles, not the records, so a record and its text become garbage while still young
 * instead of waiting (and being promoted to V8's old space) in a filling batch. Acknowledging is
 * unchanged: after `sendBatch` resolves, in arrival order.
 */
export abstract class BatchingSink<Absorbed = unknown> extends Writable implements Sink {
  readonly sinkName: string;
  protected readonly ctx: SinkContext;
  protected readonly batching: BatchingOptions;

  private filling: PipelineRecord[] = [];
  /** Records that arrived in the filling batch (filling.length unless the sink absorbs records). */
  private fillingCount = 0;
  private fillingBytes = 0;
  /** Deliveries of the filling batch, kept only for a sink that absorbs records. */
  private fillingArrivals: Arrivals | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly ready: HeldBatch<Absorbed>[] = [];
  private inFlight = 0;
  private inFlightBytes = 0;
  private heldCallback: ((err?: Error | null) => void) | undefined;
  private idleWaiters: Array<() => void> = [];
  private disposal: Promise<void> | undefined;
  private readonly deadLettered = new WeakSet<PipelineRecord>();
  protected lastError: string | undefined;
  protected connected = true;

  constructor(sinkName: string, batching: BatchingOptions, ctx: SinkContext) {
    super({ objectMode: true, highWaterMark: 16 });
    if (batching.batchMaxCount < 1 || batching.batchMaxBytes < 1 || batching.maxInFlight < 1) {
      throw new CfError(
        'CF_ERR_CONFIG',
        `Sink ${sinkName}: batch limits and maxInFlight must be at least 1.`,
      );
    }
    this.sinkName = sinkName;
    this.batching = batching;
    this.ctx = ctx;
  }

  /** Connects and checks the destination. Default: nothing to do. */
  async start(): Promise<void> {}

  /** Sends one batch; see the class comment for the contract. */
  protected abstract sendBatch(batch: Batch<Absorbed>): Promise<void>;

  /**
   * Optional, with `closeAbsorbed`: takes what the sink needs from a record as it arrives (called
   * from `_write`, in order, after the base decided which batch the record belongs to). Returns
   * true when the sink keeps nothing of the record: the base then keeps only its delivery handle.
   * Returns false to leave the record in the batch's `records` (e.g. one the sink will dead-letter
   * in `sendBatch`). Must not throw.
   */
  protected absorb?(record: PipelineRecord): boolean;

  /** Called when the filling batch closes, for a sink that absorbs: becomes `batch.absorbed`. */
  protected closeAbsorbed?(): Absorbed;

  /** Releases connections. Called once, after the last batch settled or on destroy. */
  protected async disposeSink(): Promise<void> {}

  /**
   * For a sink that has read all it needs from a batch's records (e.g. encoded them) before the
   * batch settles: keeps only what acknowledging needs, in the same order, so the records and
   * their text can be collected while the batch waits for the destination. Records the sink
   * dead-letters must be marked before this call. `batch.records` is empty afterwards.
   */
  protected releaseRecords(batch: Batch): void {
    if (!(batch instanceof HeldBatch) || batch.plan !== undefined) return;
    batch.plan = this.ackPlan(batch);
    batch.records = NO_RECORDS;
  }

  /** Size of a record for batching; override when the wire size differs a lot from the line. */
  protected sizeOf(record: PipelineRecord): number {
    return recordBytes(record);
  }

  /** A sink calls this for a record it wrote to the dead-letter file, so it is not counted as sent. */
  protected markDeadLettered(record: PipelineRecord, reason: string): void {
    this.deadLettered.add(record);
    this.ctx.metrics.discardedEvents.inc({ component: this.sinkName, reason });
  }

  /**
   * Dead-letters one record too large to send (CF_ERR_RECORD_TOO_LARGE, stage sink) and marks it
   * dead-lettered under the metric reason `metricReason`. `size`: its size as the sink measured it.
   */
  protected async deadLetterTooLarge(
    record: PipelineRecord,
    reason: string,
    detail: Record<string, unknown>,
    metricReason: string,
    size?: number,
  ): Promise<void> {
    await this.ctx.deadLetter.write(
      deadLetterEntry({
        stage: 'sink',
        code: 'CF_ERR_RECORD_TOO_LARGE',
        reason,
        sink: this.sinkName,
        record,
        ...(size === undefined ? {} : { size }),
        detail,
      }),
    );
    this.markDeadLettered(record, metricReason);
  }

  /**
   * markDeadLettered for a record of a batch whose records were already released (the sink
   * dead-letters it from what it kept, e.g. an encoded message): `bytes` is what sizeOf gave it.
   */
  protected markReleasedDeadLettered(batch: Batch, bytes: number, reason: string): void {
    if (batch instanceof HeldBatch) {
      batch.lateDeadLettered++;
      batch.lateDeadLetteredBytes += bytes;
    }
    this.ctx.metrics.discardedEvents.inc({ component: this.sinkName, reason });
  }

  health(): SinkHealth {
    return {
      name: this.sinkName,
      ready: this.connected && !this.destroyed,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
      inFlight: this.inFlight,
      bufferedBytes: this.fillingBytes + this.inFlightBytes + this.ready.reduce((n, b) => n + b.bytes, 0),
    };
  }

  override _write(
    record: PipelineRecord,
    _enc: BufferEncoding,
    callback: (err?: Error | null) => void,
  ): void {
    const size = this.sizeOf(record);
    // A record that would overflow the filling batch closes it first: a batch never exceeds
    // batchMaxBytes unless it holds one record that alone is larger (the sink decides its fate).
    if (this.fillingCount > 0 && this.fillingBytes + size > this.batching.batchMaxBytes) this.closeBatch();
    if (this.absorb === undefined) this.filling.push(record);
    else this.admitAbsorbing(record);
    this.fillingCount++;
    this.fillingBytes += size;
    if (
      this.fillingCount >= this.batching.batchMaxCount ||
      this.fillingBytes >= this.batching.batchMaxBytes
    ) {
      this.closeBatch();
    } else if (this.lingerTimer === undefined) {
      this.lingerTimer = setTimeout(() => this.closeBatch(), this.batching.lingerMs);
    }
    this.pump();
    if (this.ready.length > 0) this.heldCallback = callback;
    else callback();
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.closeBatch();
    this.pump();
    this.whenIdle()
      .then(() => this.dispose())
      .then(
        () => callback(),
        (err: unknown) => callback(classify(err)),
      );
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.countReceived(this.fillingCount);
    const held = this.heldCallback;
    this.heldCallback = undefined;
    held?.(err ?? new CfError('CF_ERR_ABORTED', `Sink ${this.sinkName} was closed.`));
    this.dispose().then(
      () => callback(err),
      () => callback(err),
    );
  }

  /** disposeSink at most once: _final calls it, then autoDestroy's _destroy would call it again. */
  private dispose(): Promise<void> {
    this.disposal ??= this.disposeSink();
    return this.disposal;
  }

  private closeBatch(): void {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    if (this.fillingCount === 0) return;
    // After a destroy, _destroy counted what was filling.
    if (!this.destroyed) this.countReceived(this.fillingCount);
    const arrivals = this.fillingArrivals;
    this.ready.push(
      arrivals === undefined
        ? new HeldBatch<Absorbed>(this.filling, this.fillingBytes)
        : new HeldBatch(this.filling, this.fillingBytes, arrivals, this.closeAbsorbed?.()),
    );
    this.filling = [];
    this.fillingCount = 0;
    this.fillingBytes = 0;
    this.fillingArrivals = undefined;
    this.pump();
  }

  /** `_write` for a sink that absorbs: the record's delivery is kept, the record only if declined. */
  private admitAbsorbing(record: PipelineRecord): void {
    let arrivals = this.fillingArrivals;
    if (arrivals === undefined) {
      arrivals = { deliveries: [], runs: [], count: 0 };
      this.fillingArrivals = arrivals;
    }
    const { deliveries, runs } = arrivals;
    if (deliveries[deliveries.length - 1] === record.delivery) runs[runs.length - 1]!++;
    else {
      deliveries.push(record.delivery);
      runs.push(1);
    }
    arrivals.count++;
    if (!this.absorb!(record)) this.filling.push(record);
  }

  /**
   * Counts received records once per batch (when it closes, or when the sink is destroyed with a
   * batch still filling) rather than per write: a labelled counter update costs about as much as
   * the rest of `_write`. The metric lags by at most lingerMs.
   */
  private countReceived(records: number): void {
    if (records > 0) this.ctx.metrics.receivedEvents.inc({ component: this.sinkName }, records);
  }

  private pump(): void {
    while (!this.destroyed && this.inFlight < this.batching.maxInFlight && this.ready.length > 0) {
      const batch = this.ready.shift()!;
      this.inFlight++;
      this.inFlightBytes += batch.bytes;
      this.sendBatch(batch).then(
        () => this.settle(batch, undefined),
        (err: unknown) => this.settle(batch, err),
      );
    }
    if (this.ready.length === 0 && this.heldCallback !== undefined) {
      const cb = this.heldCallback;
      this.heldCallback = undefined;
      cb();
    }
    if (this.inFlight === 0 && this.ready.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private settle(batch: HeldBatch<Absorbed>, err: unknown): void {
    this.inFlight--;
    this.inFlightBytes -= batch.bytes;
    if (err !== undefined) {
      const e = classify(err);
      this.lastError = e.message;
      this.ctx.metrics.errors.inc({ component: this.sinkName, error_code: e.code });
      this.destroy(e);
      return;
    }
    const plan = batch.plan ?? this.ackPlan(batch);
    const { deliveries, runs } = plan;
    for (let i = 0; i < deliveries.length; i++) {
      const delivery = deliveries[i]!;
      for (let n = runs[i]!; n > 0; n--) delivery.ack();
    }
    const sent = plan.sent - batch.lateDeadLettered;
    const sentBytes = plan.sentBytes - batch.lateDeadLetteredBytes;
    this.ctx.metrics.sentEvents.inc({ component: this.sinkName }, Math.max(0, sent));
    this.ctx.metrics.sentBytes.inc({ component: this.sinkName }, Math.max(0, sentBytes));
    this.pump();
  }

  private ackPlan(batch: HeldBatch<Absorbed>): AckPlan {
    // The batch already knows its size; only the (rare) dead-lettered records are measured
    // again, so acknowledging costs no second pass over every record's bytes.
    const { arrivals } = batch;
    if (arrivals !== undefined) return this.absorbedAckPlan(batch, arrivals);
    let sent = batch.records.length;
    let sentBytes = batch.bytes;
    const deliveries: Delivery[] = [];
    const runs: number[] = [];
    let last: Delivery | undefined;
    for (const r of batch.records) {
      if (this.deadLettered.has(r)) {
        sent--;
        sentBytes -= this.sizeOf(r);
      }
      if (r.delivery === last) runs[runs.length - 1]!++;
      else {
        last = r.delivery;
        deliveries.push(last);
        runs.push(1);
      }
    }
    return { deliveries, runs, sent, sentBytes };
  }

  /** A batch of a sink that absorbs: the deliveries are known; only declined records can be dead-lettered. */
  private absorbedAckPlan(batch: HeldBatch<Absorbed>, arrivals: Arrivals): AckPlan {
    let sent = arrivals.count;
    let sentBytes = batch.bytes;
    for (const r of batch.records) {
      if (this.deadLettered.has(r)) {
        sent--;
        sentBytes -= this.sizeOf(r);
      }
    }
    return { deliveries: arrivals.deliveries, runs: arrivals.runs, sent, sentBytes };
  }

  private whenIdle(): Promise<void> {
    if (this.inFlight === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
