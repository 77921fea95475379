import type { Delivery, PipelineRecord, SourceRef } from '../../pipeline/record.js';
import { LazySplitLine } from '../split-jsonl/split-line.js';
import type { SplitLine } from '../split-jsonl/types.js';

/**
 * The record handed to the sinks. As PipelineRecord says, `parsed` is there only when a stage
 * parsed the line: a filter, a redaction or the own-audit-event check asked for it, or the line took
 * the splitter's JSON.parse path. Otherwise it is undefined and a sink that needs fields reads them
 * from `line` itself, so forwarding never pays for a parse it does not use. When present it holds
 * the record's own fields after redaction, not the static fields or the metadata (those are only
 * in `line`; their values are known from `source` anyway).
 */
export class EnrichedRecord implements PipelineRecord {
  line: string;
  readonly #from: SplitLine;
  /** The line as built and its UTF-8 size, if known: `lineBytes` is valid while `line` is that text. */
  readonly #builtLine: string;
  readonly #builtBytes: number | undefined;

  constructor(
    line: string,
    readonly eventId: string | undefined,
    readonly timestamp: string | undefined,
    readonly lineNumber: number,
    from: SplitLine,
    readonly source: SourceRef,
    readonly delivery: Delivery,
    lineBytes?: number,
  ) {
    this.line = line;
    this.#from = from;
    this.#builtLine = line;
    this.#builtBytes = lineBytes;
  }

  /** See PipelineRecord.lineBytes: undefined once `line` was rewritten (an O(1) identity check). */
  get lineBytes(): number | undefined {
    return this.line === this.#builtLine ? this.#builtBytes : undefined;
  }

  get parsed(): Readonly<Record<string, unknown>> | undefined {
    const from = this.#from;
    return from instanceof LazySplitLine ? from.parsedIfBuilt : from.parsed;
  }
}
