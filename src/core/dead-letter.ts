import type { ErrorCode } from './errors/index.js';
import type { PipelineRecord, SourceRef } from './record.js';

/**
 * A dead-letter record: one line in the dead-letter JSONL file for every line or record the
 * forwarder could not deliver but decided to drop rather than stop (bad JSON, oversized, rejected
 * by a sink, an expired file the user chose to skip). Never carries a secret.
 */
export interface DeadLetterEntry {
  /** What went wrong, as a sentence. */
  readonly reason: string;
  readonly code: ErrorCode;
  readonly stage: 'download' | 'split' | 'enrich' | 'sink';
  /** The sink that rejected it, for stage 'sink'. */
  readonly sink?: string;
  readonly source?: {
    readonly stream?: string;
    readonly fileId?: string;
    readonly fileName?: string;
    readonly lineNumber?: number;
    readonly eventId?: string;
  };
  /** Size in bytes of the offending text before it was cut. */
  readonly size?: number;
  /** The offending text, cut by the writer to a bounded size. */
  readonly text?: string;
  /** Secret-free structured details, e.g. a sink's reply. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** Where dead-letter entries go. `write` resolves once the entry is handed to the OS. */
export interface DeadLetter {
  write(entry: DeadLetterEntry): Promise<void>;
  /** Makes everything written so far durable (called before a checkpoint advances past it). */
  sync(): Promise<void>;
  /** Entries written in this run. */
  readonly count: number;
  close(): Promise<void>;
}

/** What deadLetterEntry() needs: the verdict, and the record (or the file and line) it is about. */
export interface DeadLetterInput {
  readonly stage: DeadLetterEntry['stage'];
  readonly code: ErrorCode;
  readonly reason: string;
  /** The sink that rejected it, for stage 'sink'. */
  readonly sink?: string;
  /** The record that could not be delivered: gives `source` (file, line, event id) and `text`. */
  readonly record?: Pick<PipelineRecord, 'source' | 'lineNumber' | 'eventId' | 'line'>;
  /** Without a record: the file it came from, and the line number when it is about a line. */
  readonly source?: Pick<SourceRef, 'stream' | 'fileId' | 'fileName'>;
  readonly lineNumber?: number;
  readonly size?: number;
  /** The offending text; a record's line when omitted. */
  readonly text?: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** The one way to build a dead-letter entry; absent fields stay absent (no undefined keys). */
export function deadLetterEntry(input: DeadLetterInput): DeadLetterEntry {
  const { record } = input;
  const from = record?.source ?? input.source;
  const lineNumber = record?.lineNumber ?? input.lineNumber;
  const eventId = record?.eventId;
  const text = input.text ?? record?.line;
  return {
    reason: input.reason,
    code: input.code,
    stage: input.stage,
    ...(input.sink === undefined ? {} : { sink: input.sink }),
    ...(from === undefined
      ? {}
      : {
          source: {
            stream: from.stream,
            fileId: from.fileId,
            fileName: from.fileName,
            ...(lineNumber === undefined ? {} : { lineNumber }),
            ...(eventId === undefined ? {} : { eventId }),
          },
        }),
    ...(input.size === undefined ? {} : { size: input.size }),
    ...(text === undefined ? {} : { text }),
    ...(input.detail === undefined ? {} : { detail: input.detail }),
  };
}
