/** What the JSONL splitter hands out: good lines (one JSON object each) and bad lines, in file order. */

/** SplitterOptions.watchKeys holds at most this many keys: one bit of a 32-bit mask each. */
export const MAX_WATCHED_KEYS = 31;

export interface SplitterOptions {
  /**
   * The largest line accepted, in bytes of UTF-8, not counting its line terminator (LF or CRLF);
   * a UTF-8 BOM on the first line counts. A line of exactly this size is accepted.
   */
  maxLineBytes: number;
  /** The number given to the first line of the input (default 1). */
  firstLineNumber?: number;
  /**
   * Top-level member names (at most 31) whose presence the splitter notes while it validates a
   * line (SplitLine.keysSeen), so that a later stage needs no search of the line to know whether a
   * record already has a key it would add.
   */
  watchKeys?: readonly string[];
  /**
   * Member paths of one or two names (`['type']`, `['_forwarder', 'event_type']`) whose values the
   * splitter picks up while it validates a line (SplitLine.captured), so that a stage reading them
   * needs no parse (at most MAX_CAPTURED_PATHS).
   */
  capturePaths?: ReadonlyArray<readonly string[]>;
}

/** SplitterOptions.capturePaths holds at most this many paths. */
export const MAX_CAPTURED_PATHS = 8;

/**
 * One JSON object from the input. `text` is the object exactly as it came (UTF-8 decoded, without
 * its line terminator, surrounding whitespace or BOM), so a stage that changes nothing can forward it
 * byte for byte.
 *
 * Objects run together on one physical line (`{...}{...}`) give several SplitLines with the same
 * `lineNumber`.
 */
export interface SplitLine {
  readonly text: string;
  /** 1-based physical line of the file (blank lines count). */
  readonly lineNumber: number;
  /**
   * `JSON.parse(text)`. From the splitter it is computed on first access and kept: the splitter
   * validated `text` without building objects, so this never throws, and a pipeline that only
   * forwards records never pays for it.
   */
  readonly parsed: Record<string, unknown>;
  /**
   * The top-level `event_id` and `timestamp`, found by the splitter without a parse: a string, or
   * null when the field is absent or not a string. Undefined means "not known": read `parsed`.
   */
  readonly eventId?: string | null | undefined;
  readonly timestamp?: string | null | undefined;
  /**
   * `SplitterOptions.watchKeys` (the same array) when the splitter knows which of them the
   * top-level object has: bit k of `keysSeen` is set when it has `keysWatched[k]`. Known only on
   * the fast path, and only when `eventId` is known (no top-level key was written with escapes).
   */
  readonly keysWatched?: readonly string[] | undefined;
  readonly keysSeen?: number | undefined;
  /**
   * `SplitterOptions.capturePaths` (the same array) when the splitter knows the values there:
   * `captured[k]` is the value at `pathsCaptured[k]` when it is a string; null when the path leads
   * nowhere (a member absent, or the first one not an object or array); false otherwise (another
   * value, or an array on the way: read `parsed`). Known only on the fast path.
   */
  readonly pathsCaptured?: ReadonlyArray<readonly string[]> | undefined;
  readonly captured?: ReadonlyArray<string | false | null> | undefined;
  /** The UTF-8 size of `text` when the splitter counted it (it decoded exactly these bytes). */
  readonly bytes?: number | undefined;
  /**
   * `text` as UTF-8 bytes, when the splitter kept them (its fast path): a view into the downloaded
   * chunk, to be read, never written. Stages that only search or copy the line use it instead of
   * `text`, which is decoded on first access.
   */
  readonly utf8?: Buffer | undefined;
}

/**
 * A line (or the unreadable rest of one) that cannot become a record: the caller dead-letters it with
 * its file id and line number, and counts it as handled (it is never retried).
 */
export interface BadLine {
  readonly code: 'CF_ERR_LINE_TOO_LONG' | 'CF_ERR_BAD_JSON' | 'CF_ERR_BAD_UTF8';
  /** What is wrong, as a sentence. */
  readonly reason: string;
  readonly lineNumber: number;
  /** Size in bytes of the offending text (the whole line, or the rest after run-together objects). */
  readonly size: number;
  /** The start of the offending text, at most BAD_LINE_TEXT_MAX_BYTES of it, decoded lossily. */
  readonly text: string;
}

/** The most text a BadLine carries (the dead-letter writer applies the same bound). */
export const BAD_LINE_TEXT_MAX_BYTES = 64 * 1024;

export function isBadLine(x: SplitLine | BadLine): x is BadLine {
  return (x as BadLine).code !== undefined;
}
