import { EventEmitter } from 'node:events';
import { type CfError, classify } from '../core/errors/index.js';
import type { Delivery } from '../core/record.js';
import type { WatermarkPosition } from '../core/watermark-position.js';

export type { WatermarkPosition } from '../core/watermark-position.js';

/** The part of a listed file the watermark needs. */
export interface WatermarkFile {
  readonly id: string;
  readonly endTime: string;
  /** See ListedFile.checkpoint: the position this file establishes, asked once it is delivered. */
  readonly checkpoint?: () => { readonly endTime: string; readonly ids: readonly string[] };
}

/**
 * One file's delivery accounting; it is the `Delivery` every record of the file carries.
 *
 * A file is done when its source has been read to the end (`sourceDone`) and every ack it
 * expects has arrived: one per record per sink the record was routed to. Records dropped on
 * purpose (duplicates, filtered, dead-lettered while splitting) expect no ack.
 */
export class FileTicket implements Delivery {
  expected = 0;
  acked = 0;
  records = 0;
  private ended = false;
  private done = false;
  /** Called once, when the file is delivered whole. */
  onDelivered: (() => void) | undefined;

  constructor(
    readonly file: WatermarkFile,
    readonly seq: number,
    private readonly owner: StreamWatermark,
  ) {}

  /** A record of this file was handed to `sinks` sinks. */
  expect(sinks: number): void {
    this.expected += sinks;
    this.records++;
  }

  ack(): void {
    this.acked++;
    if (this.acked > this.expected) {
      this.owner.fail(this, classify(new Error(`file ${this.file.id}: more acks than records sent`)));
      return;
    }
    this.check();
  }

  fail(err: unknown): void {
    this.owner.fail(this, classify(err));
  }

  /** The source has emitted every record of the file. */
  sourceDone(): void {
    this.ended = true;
    this.check();
  }

  get isDone(): boolean {
    return this.done;
  }

  get pendingAcks(): number {
    return this.expected - this.acked;
  }

  private check(): void {
    if (!this.done && this.ended && this.acked === this.expected) {
      this.done = true;
      this.onDelivered?.();
      this.owner.completed(this);
    }
  }
}

export interface StreamWatermarkEvents {
  advance: [WatermarkPosition];
  failed: [CfError, WatermarkFile];
}

/**
 * The ordered acknowledgement watermark of one stream. Files register in list order; they
 * finish in any order; the watermark advances over the longest prefix of finished files and
 * emits 'advance' with the checkpoint that prefix allows. A failed file stops the watermark at
 * itself (it never moves past a file that was not delivered) and emits 'failed' (again when an
 * earlier file fails too, with the first error); the files listed before it still count once
 * their acks arrive, so the next poll does not send them again.
 */
export class StreamWatermark extends EventEmitter<StreamWatermarkEvents> {
  private seq = 0;
  private readonly pending: FileTicket[] = [];
  private position: WatermarkPosition | undefined;
  private failure: CfError | undefined;
  /** The list position of the first file that failed: the watermark never reaches it. */
  private failedSeq = Number.POSITIVE_INFINITY;

  /** @param resume the checkpoint this run started from, so ids at its end time carry over. */
  constructor(resume?: WatermarkPosition) {
    super();
    this.position = resume;
  }

  register(file: WatermarkFile): FileTicket {
    const ticket = new FileTicket(file, this.seq++, this);
    this.pending.push(ticket);
    return ticket;
  }

  get current(): WatermarkPosition | undefined {
    return this.position;
  }

  get failed(): CfError | undefined {
    return this.failure;
  }

  /** Files registered and not yet part of the delivered prefix. */
  get inFlight(): number {
    return this.pending.length;
  }

  /** Files listed before the failed one (all, when none failed) still waiting for their acks. */
  get inFlightBeforeFailure(): number {
    return this.pending.filter((t) => t.seq < this.failedSeq).length;
  }

  /** @internal */
  completed(_ticket: FileTicket): void {
    let advanced = false;
    while (this.pending.length > 0 && this.pending[0]!.isDone && this.pending[0]!.seq < this.failedSeq) {
      const t = this.pending.shift()!;
      const prev = this.position;
      const own = t.file.checkpoint?.();
      const sameTime = prev !== undefined && Date.parse(prev.endTime) === Date.parse(t.file.endTime);
      this.position = {
        endTime: own?.endTime ?? t.file.endTime,
        idsAtEndTime: own ? [...own.ids] : sameTime ? [...prev.idsAtEndTime, t.file.id] : [t.file.id],
        filesDelivered: (prev?.filesDelivered ?? 0) + 1,
      };
      advanced = true;
    }
    if (advanced && this.position !== undefined) this.emit('advance', this.position);
  }

  /** @internal */
  fail(ticket: FileTicket, err: CfError): void {
    const earlier = ticket.seq < this.failedSeq;
    this.failedSeq = Math.min(this.failedSeq, ticket.seq);
    if (this.failure !== undefined) {
      // An earlier file failing too shortens what is awaited: waiters look again.
      if (earlier) this.emit('failed', this.failure, ticket.file);
      return;
    }
    this.failure = err;
    this.emit('failed', err, ticket.file);
  }
}
