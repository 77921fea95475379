import type { ErrorCode } from './errors/index.js';

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
