import type { Delivery, PipelineRecord, SourceRef } from '../../core/record.js';
import { decodeValidUtf8 } from '../split-jsonl/decode-utf8.js';
import { LazySplitLine } from '../split-jsonl/split-line.js';
import type { SplitLine } from '../split-jsonl/types.js';

/**
 * The record handed to the sinks. As PipelineRecord says, `parsed` is there only when a stage
 * parsed the line: a filter, a redaction or the own-audit-event check asked for it, or the line took
 * the splitter's JSON.parse path. Otherwise it is undefined and a sink that needs fields reads them
 * from `line` itself, so forwarding never pays for a parse it does not use. When present it holds
 * the record's own fields after redaction, not the static fields or the metadata (those are only
 * in `line`; their values are known from `source` anyway).
 *
 * A record made from the splitter's bytes keeps its line as a head (the upstream object's UTF-8
 * without its closing brace, in a view into the download) and `tail` (the spliced members and the
 * brace). `line` is decoded from them on first read; `writeUtf8` copies them without decoding, so
 * a sink that writes bytes, or none (blackhole), never pays for UTF-8 decoding.
 */
export class EnrichedRecord implements PipelineRecord {
  #line: string | undefined;
  /** The upstream line's bytes; the first `#headBytes` of them are the head (no view is made per record). */
  #utf8: Buffer | undefined;
  readonly #headBytes: number;
  readonly #tail: string;
  readonly #from: SplitLine;
  /** The UTF-8 size of the line as built, if known; forgotten once `line` is rewritten. */
  #bytes: number | undefined;

  constructor(
    line: string | undefined,
    utf8: Buffer | undefined,
    headBytes: number,
    tail: string,
    readonly eventId: string | undefined,
    readonly timestamp: string | undefined,
    readonly lineNumber: number,
    from: SplitLine,
    readonly source: SourceRef,
    readonly delivery: Delivery,
    lineBytes?: number,
  ) {
    this.#line = line;
    this.#utf8 = utf8;
    this.#headBytes = headBytes;
    this.#tail = tail;
    this.#from = from;
    this.#bytes = lineBytes;
  }

  /** The record as JSON text: as built, or as a later stage rewrote it. */
  get line(): string {
    this.#line ??= decodeValidUtf8(this.#utf8!.subarray(0, this.#headBytes)) + this.#tail;
    return this.#line;
  }

  set line(text: string) {
    this.#line = text;
    this.#utf8 = undefined;
    this.#bytes = undefined;
  }

  /** See PipelineRecord.lineBytes: undefined once `line` was rewritten. */
  get lineBytes(): number | undefined {
    return this.#bytes;
  }

  writeUtf8(target: Buffer, offset: number): number {
    const utf8 = this.#utf8;
    if (utf8 === undefined) return target.write(this.line, offset, 'utf8');
    const copied = utf8.copy(target, offset, 0, this.#headBytes);
    return copied + target.write(this.#tail, offset + copied, 'utf8');
  }

  get parsed(): Readonly<Record<string, unknown>> | undefined {
    const from = this.#from;
    return from instanceof LazySplitLine ? from.parsedIfBuilt : from.parsed;
  }
}
