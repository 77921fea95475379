import { isUtf8 } from 'node:buffer';
import { CfError } from '../../core/errors/index.js';
import { decodeValidUtf8 } from './decode-utf8.js';
import { JsonObjectScanner } from './json-scan.js';
import { boundText, parseLineText } from './line-parser.js';
import { LazySplitLine } from './split-line.js';
import {
  BAD_LINE_TEXT_MAX_BYTES,
  type BadLine,
  MAX_CAPTURED_PATHS,
  MAX_WATCHED_KEYS,
  type SplitLine,
  type SplitterOptions,
} from './types.js';

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const OPEN_BRACE = 0x7b;

/**
 * Cuts a byte stream of JSON Lines into records, on Buffers, without streams, so it can run once
 * per chunk and be property-tested. Feed chunks with `push`, then call `end` once.
 *
 * The rules (every one holds whatever the chunking of the same bytes):
 *   - Only LF ends a line. A CR right before the LF is dropped (CRLF); any other CR ("lone CR") is
 *     ordinary content: JSON whitespace between tokens, invalid inside a string.
 *   - Lines are numbered from `firstLineNumber` (default 1), blank lines included. A blank line
 *     (empty, or only spaces, tabs and CRs) is skipped: not returned, not dead-lettered.
 *   - The last line needs no final newline.
 *   - A UTF-8 BOM (EF BB BF) at the very start of the input is dropped. Elsewhere it is content,
 *     which makes the line BAD_JSON.
 *   - A line over `maxLineBytes` is CF_ERR_LINE_TOO_LONG. It is never held whole: past the limit the
 *     splitter keeps a bounded prefix for the dead-letter text and discards the rest up to the next LF.
 *     Memory stays within maxLineBytes + one chunk.
 *   - A line that is not valid UTF-8 is CF_ERR_BAD_UTF8 (decoding never substitutes characters).
 *   - A line that is not one JSON object is CF_ERR_BAD_JSON; so is a line with NUL bytes (NUL is
 *     neither JSON whitespace nor allowed raw in a string). Objects run together on one line (`}{`,
 *     `} {`) are all returned, with that line's number; see line-parser.ts for a partly broken run.
 * A line is never split at anything but LF and never glued to its neighbour.
 *
 * Cost: each line's UTF-8 is validated (simdutf) and its JSON by a byte scanner that builds nothing
 * (json-scan.ts); a good line stays bytes (a view into its chunk): `text` is decoded and `parsed`
 * built only when someone reads them. Lines the scanner does not
 * accept as exactly one object take the JSON.parse path (line-parser.ts), which defines the
 * behaviour. Measured figures: benchmarks/micro/split_enrich.ts.
 */
export class JsonlSplitter {
  readonly #maxLineBytes: number;
  /** Bytes kept of an over-long line for its dead-letter text. */
  readonly #prefixBytes: number;
  #nextLineNumber: number;
  #linesSeen = 0;
  /** The start of the current line, when it began in an earlier chunk. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Inside an over-long line: bytes are counted and dropped until the next LF. */
  #discarding = false;
  #discardedBytes = 0;
  #discardPrefix: Buffer = Buffer.alloc(0);
  #discardLastByte = -1;
  #atInputStart = true;
  #ended = false;
  readonly #scanner: JsonObjectScanner;
  readonly #watchKeys: readonly string[] | undefined;
  readonly #capturePaths: ReadonlyArray<readonly string[]> | undefined;

  constructor(opts: SplitterOptions) {
    const { maxLineBytes, firstLineNumber = 1 } = opts;
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new CfError('CF_ERR_CONFIG', `maxLineBytes must be a positive integer, got ${maxLineBytes}.`);
    }
    if (!Number.isSafeInteger(firstLineNumber)) {
      throw new CfError('CF_ERR_CONFIG', `firstLineNumber must be an integer, got ${firstLineNumber}.`);
    }
    this.#maxLineBytes = maxLineBytes;
    this.#prefixBytes = Math.min(maxLineBytes, BAD_LINE_TEXT_MAX_BYTES);
    this.#nextLineNumber = firstLineNumber;
    const { watchKeys } = opts;
    if (watchKeys !== undefined && watchKeys.length > MAX_WATCHED_KEYS) {
      throw new CfError('CF_ERR_CONFIG', `At most ${MAX_WATCHED_KEYS} watchKeys, got ${watchKeys.length}.`);
    }
    this.#watchKeys = watchKeys !== undefined && watchKeys.length > 0 ? watchKeys : undefined;
    const { capturePaths } = opts;
    if (capturePaths !== undefined) {
      const problems: string[] = [];
      if (capturePaths.length > MAX_CAPTURED_PATHS)
        problems.push(`At most ${MAX_CAPTURED_PATHS} capturePaths, got ${capturePaths.length}.`);
      for (const path of capturePaths)
        if (path.length < 1 || path.length > 2)
          problems.push(`A capture path has one or two names, got [${path.join(', ')}].`);
      if (problems.length > 0) throw new CfError('CF_ERR_CONFIG', problems.join(' '));
    }
    this.#capturePaths = capturePaths !== undefined && capturePaths.length > 0 ? capturePaths : undefined;
    this.#scanner = new JsonObjectScanner(this.#watchKeys, this.#capturePaths);
  }

  /** Complete lines consumed so far (good, bad and blank): the last line's number is firstLineNumber + linesSeen - 1. */
  get linesSeen(): number {
    return this.#linesSeen;
  }

  /** Feeds a chunk; returns the records and bad lines of the lines it completes, in order. */
  push(chunk: Buffer): Array<SplitLine | BadLine> {
    if (this.#ended) throw new CfError('CF_ERR_INTERNAL', 'JsonlSplitter.push() called after end().');
    const out: Array<SplitLine | BadLine> = [];
    const length = chunk.length;
    let start = 0;
    if (this.#discarding) {
      const nl = chunk.indexOf(LF);
      if (nl === -1) {
        this.#discard(chunk, 0, length);
        return out;
      }
      this.#discard(chunk, 0, nl);
      out.push(this.#finishDiscarding());
      start = nl + 1;
    }
    while (start < length) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) break;
      if (this.#pendingBytes === 0) {
        this.#line(chunk, start, nl, out);
      } else {
        this.#pending.push(chunk.subarray(start, nl));
        const line = Buffer.concat(this.#pending, this.#pendingBytes + nl - start);
        this.#pending = [];
        this.#pendingBytes = 0;
        this.#line(line, 0, line.length, out);
      }
      start = nl + 1;
    }
    if (start < length) this.#hold(chunk.subarray(start));
    return out;
  }

  /** End of input: the last line if it had no final newline. Calling it again returns nothing. */
  end(): Array<SplitLine | BadLine> {
    if (this.#ended) return [];
    this.#ended = true;
    const out: Array<SplitLine | BadLine> = [];
    if (this.#discarding) {
      out.push(this.#finishDiscarding());
    } else if (this.#pendingBytes > 0) {
      const line = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#line(line, 0, line.length, out);
    }
    return out;
  }

  /** Keeps the unterminated start of a line; switches to discarding once it is surely too long. */
  #hold(piece: Buffer): void {
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
    // One byte of slack: a CR that turns out to precede the LF does not count.
    if (this.#pendingBytes <= this.#maxLineBytes + 1) return;
    const prefix = Buffer.allocUnsafe(this.#prefixBytes);
    let copied = 0;
    for (const p of this.#pending) {
      if (copied === prefix.length) break;
      copied += p.copy(prefix, copied, 0, Math.min(p.length, prefix.length - copied));
    }
    this.#discarding = true;
    this.#discardPrefix = prefix;
    this.#discardedBytes = this.#pendingBytes;
    this.#discardLastByte = piece[piece.length - 1] ?? -1;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#atInputStart = false;
  }

  #discard(chunk: Buffer, from: number, to: number): void {
    if (to === from) return;
    this.#discardedBytes += to - from;
    this.#discardLastByte = chunk[to - 1] ?? -1;
  }

  #finishDiscarding(): BadLine {
    const size = this.#discardedBytes - (this.#discardLastByte === CR ? 1 : 0);
    const bad = this.#tooLong(this.#nextLineNumber++, size, this.#discardPrefix);
    this.#linesSeen++;
    this.#discarding = false;
    this.#discardPrefix = Buffer.alloc(0);
    this.#discardedBytes = 0;
    this.#discardLastByte = -1;
    return bad;
  }

  /** One complete physical line: bytes [start, end) of `buf`, without its LF. */
  #line(buf: Buffer, start: number, end: number, out: Array<SplitLine | BadLine>): void {
    const lineNumber = this.#nextLineNumber++;
    this.#linesSeen++;
    if (end > start && buf[end - 1] === CR) end--;
    const size = end - start;
    if (size > this.#maxLineBytes) {
      out.push(this.#tooLong(lineNumber, size, buf.subarray(start, start + this.#prefixBytes)));
      this.#atInputStart = false;
      return;
    }
    if (this.#atInputStart) {
      this.#atInputStart = false;
      if (buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    }
    if (start === end) return;
    if (buf[start] !== OPEN_BRACE && isBlank(buf, start, end)) return;
    const bytes = buf.subarray(start, end);
    if (!isUtf8(bytes)) {
      out.push({
        code: 'CF_ERR_BAD_UTF8',
        reason: 'The line is not valid UTF-8.',
        lineNumber,
        size,
        text: lossyPrefix(bytes),
      });
      return;
    }
    // Fast path: the usual line is exactly one object, kept as bytes (decoded only if a stage reads
    // its text); anything else is decoded and left to JSON.parse.
    const scanner = this.#scanner;
    if (scanner.scanObject(bytes, 0) === bytes.length) {
      out.push(
        LazySplitLine.fromBytes(
          bytes,
          lineNumber,
          scanner.eventId,
          scanner.timestamp,
          this.#watchKeys,
          scanner.keysSeen,
          this.#capturePaths,
          scanner.captured,
        ),
      );
    } else {
      parseLineText(decodeValidUtf8(bytes), lineNumber, out);
    }
  }

  #tooLong(lineNumber: number, size: number, prefix: Buffer): BadLine {
    return {
      code: 'CF_ERR_LINE_TOO_LONG',
      reason: `The line is ${size} bytes, over the maximum line size of ${this.#maxLineBytes} bytes.`,
      lineNumber,
      size,
      text: lossyPrefix(prefix.subarray(0, this.#prefixBytes)),
    };
  }
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c !== SPACE && c !== TAB && c !== CR) return false;
  }
  return true;
}

function lossyPrefix(bytes: Buffer): string {
  return boundText(bytes.toString('utf8', 0, Math.min(bytes.length, BAD_LINE_TEXT_MAX_BYTES)));
}
