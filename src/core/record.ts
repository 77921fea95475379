/**
 * What flows between the stages. A record is one JSON object (one upstream line) plus
 * where it came from and a handle to report its delivery.
 */

export type PrincipalType = 'CHATGPT_WORKSPACE' | 'API_PLATFORM_ORG';

/** The upstream coordinates of a record: enough to route it, dead-letter it and checkpoint it. */
export interface SourceRef {
  /** Which source produced it: 'compliance-logs', 'audit-logs', 'conversations', 'files'. */
  readonly source: string;
  /** Stable stream key, e.g. `workspace/<uuid>/CONVERSATION_MESSAGE`; one checkpoint per stream. */
  readonly stream: string;
  readonly principalId: string;
  readonly principalType: PrincipalType;
  /**
   * The record's event type: the file's, or the record's own when its source reads it from each
   * record (the files source replaying an archive); records of one type share one SourceRef.
   */
  readonly eventType: string;
  readonly fileId: string;
  readonly fileName: string;
  /** The file's `end_time` (ISO-8601), the checkpoint unit. */
  readonly endTime: string;
}

/**
 * Delivery handle shared by all records of one file. Every sink a record is routed to calls
 * `ack()` exactly once for it, after the record is durably delivered *or* written to the
 * dead-letter file. `fail()` reports that the record can never be delivered and nothing was
 * dead-lettered: the file, and so the checkpoint, stops there.
 */
export interface Delivery {
  ack(): void;
  fail(err: unknown): void;
}

export interface PipelineRecord {
  /**
   * The record as JSON text, exactly as sinks should emit it (no trailing newline). Stages
   * that change a record rewrite `line`; stages that do not, leave the upstream bytes alone.
   */
  line: string;
  /** The record's `event_id` (or another identity for other sources), when it has one. */
  readonly eventId: string | undefined;
  /**
   * The record's own event time as ISO-8601 (UTC), read where its source declares it (see
   * core/event-time.ts), when it has a readable one; sinks then fall back to the ingest time.
   */
  readonly timestamp: string | undefined;
  /** 1-based line number in the source file. */
  readonly lineNumber: number;
  readonly source: SourceRef;
  readonly delivery: Delivery;
  /** The parsed object, when a stage parsed the line; read-only for sinks (e.g. severity mapping). */
  readonly parsed?: Readonly<Record<string, unknown>>;
  /**
   * The UTF-8 size of `line` when it is known without scanning the text (the splitter counted the
   * bytes it decoded), else undefined. It always describes the current `line`: a record whose
   * `line` is rewritten reports the new size or undefined. Read it through `recordBytes`.
   */
  readonly lineBytes?: number | undefined;
  /**
   * Writes `line` as UTF-8 into `target` at `offset` and returns the bytes written, when the record
   * holds its line as bytes (the splitter's view of the download plus the spliced members) and can
   * copy them without decoding and re-encoding; absent otherwise. `target` must have room for
   * recordBytes(record) bytes. Use it through `writeRecordUtf8`.
   */
  writeUtf8?(target: Buffer, offset: number): number;
}

/**
 * UTF-8 size of a record's line, the unit every byte bound in the pipeline uses. Measuring a
 * ~2 KB line of mixed scripts costs about as much as splitting it, so a known size is used.
 */
export function recordBytes(record: PipelineRecord): number {
  return record.lineBytes ?? Buffer.byteLength(record.line, 'utf8');
}

/**
 * Writes a record's line as UTF-8 into `target` at `offset` (which must have room for
 * recordBytes(record) bytes) and returns the bytes written: copied from the bytes the record holds
 * when it can, so a sink that writes bytes never makes the pipeline decode the download.
 */
export function writeRecordUtf8(record: PipelineRecord, target: Buffer, offset: number): number {
  return record.writeUtf8 !== undefined
    ? record.writeUtf8(target, offset)
    : target.write(record.line, offset, 'utf8');
}
