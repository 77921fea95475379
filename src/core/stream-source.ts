import type { Readable } from 'node:stream';
import type { EventTimeSpec } from './event-time.js';
import type { PrincipalType } from './record.js';
import type { WatermarkPosition } from './watermark-position.js';

/** A file a source listed, in the order the source lists them (ascending end time). */
export interface ListedFile {
  readonly id: string;
  readonly fileName: string;
  /** ISO-8601; the checkpoint unit. */
  readonly endTime: string;
  /** Declared size in bytes, when known (progress and ETA). */
  readonly sizeBytes?: number;
  /**
   * For sources whose resume point is not "the ids of the files delivered at `endTime`" (a record
   * overlap window, a cursor, a byte offset inside a local file): called once this file is delivered,
   * in list order, and its answer becomes the checkpoint as is (`endTime`, and `ids` replacing
   * `idsAtEndTime`). It may depend on what reading the file revealed (e.g. where a streamed page
   * ended), since it is only called after the file's byte stream has ended. Keep `ids` small: they
   * are written with every checkpoint.
   */
  readonly checkpoint?: () => CheckpointPosition;
}

/** What a delivered file contributes to its stream's checkpoint when it says so itself. */
export interface CheckpointPosition {
  /** ISO-8601. */
  readonly endTime: string;
  readonly ids: readonly string[];
}

/**
 * One stream: a (principal, event type) pair of one source, with its own checkpoint. The
 * pipeline pulls `files()` lazily (never a page ahead of its download window) and opens each
 * file as a byte stream that yields the file's bytes exactly once, in order, and errors with a
 * CfError if it cannot (retries and integrity checks happen inside `open`).
 */
export interface StreamSource {
  readonly key: string;
  readonly source: string;
  readonly principalId: string;
  readonly principalType: PrincipalType;
  readonly eventType: string;
  /**
   * Where its records' own event time is (the source's declaration or the config's override);
   * absent or empty: the records carry none.
   */
  readonly eventTime?: EventTimeSpec;
  /**
   * Paths of members that hold each record's own event type (`_forwarder.event_type`, `type`),
   * tried in order; the first string that is a well-formed event type routes the record instead
   * of `eventType`, which stays the fallback. Absent: every record has `eventType`.
   */
  readonly eventTypeFrom?: readonly string[];
  /** Where this run starts; the watermark carries its ids over. */
  readonly resume?: WatermarkPosition;
  files(signal: AbortSignal): AsyncIterable<ListedFile>;
  open(file: ListedFile, signal: AbortSignal): Readable;
}
