import { decodeValidUtf8 } from './decode-utf8.js';
import type { SplitLine } from './types.js';

/**
 * The splitter's SplitLine. On the fast path it holds the line's bytes (a view into the chunk it
 * came in, already checked to be valid UTF-8 and exactly one JSON object) and decodes `text` only
 * when something reads it: a pipeline that forwards bytes never pays for UTF-8 decoding, which
 * costs about as much as validating the JSON. `parsed` is built on first use (see SplitLine.parsed).
 */
export class LazySplitLine implements SplitLine {
  #text: string | undefined;
  #parsed: Record<string, unknown> | undefined;
  readonly utf8: Buffer | undefined;

  private constructor(
    text: string | undefined,
    utf8: Buffer | undefined,
    readonly lineNumber: number,
    readonly eventId: string | null | undefined,
    readonly timestamp: string | null | undefined,
    parsed: Record<string, unknown> | undefined,
    readonly bytes: number | undefined,
    readonly keysWatched: readonly string[] | undefined,
    readonly keysSeen: number | undefined,
    readonly pathsCaptured: ReadonlyArray<readonly string[]> | undefined = undefined,
    readonly captured: ReadonlyArray<string | false | null> | undefined = undefined,
  ) {
    this.#text = text;
    this.utf8 = utf8;
    this.#parsed = parsed;
  }

  get text(): string {
    this.#text ??= decodeValidUtf8(this.utf8!);
    return this.#text;
  }

  get parsed(): Record<string, unknown> {
    this.#parsed ??= JSON.parse(this.text) as Record<string, unknown>;
    return this.#parsed;
  }

  /** The parsed object if something already paid for it, without parsing. */
  get parsedIfBuilt(): Record<string, unknown> | undefined {
    return this.#parsed;
  }

  /**
   * For the fast path: `utf8` is valid UTF-8 holding exactly one JSON object (no surrounding
   * whitespace), and the scanner read its top-level event_id / timestamp, which of the watched
   * keys it has (meaningful only when eventId is known) and the values at the capture paths.
   */
  static fromBytes(
    utf8: Buffer,
    lineNumber: number,
    eventId: string | null | undefined,
    timestamp: string | null | undefined,
    keysWatched: readonly string[] | undefined,
    keysSeen: number,
    pathsCaptured?: ReadonlyArray<readonly string[]>,
    captured?: ReadonlyArray<string | false | null>,
  ): LazySplitLine {
    const known = eventId !== undefined && keysWatched !== undefined;
    const capturedKnown = captured !== undefined && pathsCaptured !== undefined;
    return new LazySplitLine(
      undefined,
      utf8,
      lineNumber,
      eventId,
      timestamp,
      undefined,
      utf8.length,
      known ? keysWatched : undefined,
      known ? keysSeen : undefined,
      capturedKnown ? pathsCaptured : undefined,
      capturedKnown ? captured : undefined,
    );
  }

  /**
   * For the slow path, which has parsed the object already. Its fields are left "not known" so that
   * readers use the parsed object, which is exact even for keys written with escapes.
   */
  static fromParsed(text: string, lineNumber: number, parsed: Record<string, unknown>): LazySplitLine {
    return new LazySplitLine(
      text,
      undefined,
      lineNumber,
      undefined,
      undefined,
      parsed,
      undefined,
      undefined,
      undefined,
    );
  }
}
