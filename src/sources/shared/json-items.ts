import { CfError, type ErrorCode } from '../../core/errors/index.js';
import {
  BACKSLASH,
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  CR,
  hasUtf8Bom,
  isJsonWhitespace,
  LF,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  SPACE,
} from '../../lib/json-bytes.js';

/** Where the items are: the elements of the root array, or of the array under one root member. */
export interface JsonItemScannerOptions {
  /** Undefined: the input is one JSON array. A name: the input is an object, items are `member`'s array. */
  readonly member?: string;
  /** Largest value of any other root member, in bytes (they are kept and parsed: `last_id`, `has_more`). */
  readonly memberMaxBytes?: number;
  /**
   * Overwrite CR and LF between the tokens of an item with spaces (JSON whitespace either way), so
   * each item fits on one line. A raw CR or LF inside a string is invalid JSON and is left alone.
   */
  readonly oneLine?: boolean;
  /** The code of format errors, e.g. CF_ERR_ARCHIVE_FORMAT or CF_ERR_BAD_RESPONSE. */
  readonly errorCode: ErrorCode;
  /** What is being read, for messages: `Archive /a/b.json`, `Conversations page`. */
  readonly what: string;
}

/** Receives each item's bytes, in order, in one or more pieces, then its end. */
export interface ItemHandler {
  /** A piece of the current item. It may be a view into the pushed chunk: copy it to keep it. */
  itemBytes(bytes: Buffer): void;
  itemEnd(): void;
}

enum State {
  BeforeRoot,
  ObjectKeyOrEnd,
  ObjectKey,
  ObjectColon,
  ObjectValueStart,
  ObjectCommaOrEnd,
  ArrayItemOrEnd,
  ArrayCommaOrEnd,
  Value,
  AfterRoot,
}

/**
 * Finds the items of a JSON array in a byte stream without holding more than one chunk (plus
 * the small root members): the streaming half of reading a 1 GB conversations page or a
 * JSON-array archive in flat memory. It follows the structure only (brackets, braces, strings and
 * their escapes, separators); each item's own validity is judged by whoever parses it (JSON.parse,
 * or the JSONL splitter downstream). Structure errors (no root array or object, a missing comma,
 * unbalanced brackets, input ending inside the array, anything after the root) throw a CfError
 * with `errorCode`, naming the byte offset.
 *
 * Strings are skipped with `indexOf('"')` and a backslash count, so long texts cost about a
 * memchr; only the bytes between tokens are looked at one by one. `push` takes ownership of the
 * chunk (with `oneLine`, whitespace inside items is overwritten in place).
 */
export class JsonItemScanner {
  readonly #opts: JsonItemScannerOptions;
  readonly #memberMaxBytes: number;
  #state = State.BeforeRoot;
  #offset = 0;
  /** A "," was just read in the items array: an item must follow, not "]". */
  #afterComma = false;
  /** Container depth inside the current value (0 for a bare string or scalar). */
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** The current value is a bare scalar (number, literal): it ends at a delimiter. */
  #scalar = false;
  /** The current value is an item (else a root member's value). */
  #valueIsItem = false;
  #inItemsArray = false;
  #key: Buffer[] = [];
  #keyBytes = 0;
  #memberName = '';
  #memberParts: Buffer[] = [];
  #memberBytes = 0;
  readonly #members = new Map<string, unknown>();

  constructor(opts: JsonItemScannerOptions) {
    this.#opts = opts;
    this.#memberMaxBytes = opts.memberMaxBytes ?? 64 * 1024;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.#offset;
  }

  /** The root object's other members, parsed, once they have been read (`last_id`, `has_more`). */
  get members(): ReadonlyMap<string, unknown> {
    return this.#members;
  }

  /** Scans one chunk, calling `handler` for every item piece and end in it. */
  push(chunk: Buffer, handler: ItemHandler): void {
    const n = chunk.length;
    let i = 0;
    if (this.#offset === 0 && n >= 3 && hasUtf8Bom(chunk)) i = 3;
    let valueStart = this.#state === State.Value ? 0 : -1;
    while (i < n) {
      if (this.#state === State.Value) {
        const end = this.#scanValue(chunk, i);
        if (end < 0) break;
        this.#valuePiece(chunk, valueStart, end, handler);
        this.#valueEnd(handler, end);
        valueStart = -1;
        i = end;
        continue;
      }
      const c = chunk[i]!;
      if (this.#state === State.ObjectKey) {
        i = this.#scanKey(chunk, i);
        continue;
      }
      if (isJsonWhitespace(c)) {
        i++;
        continue;
      }
      if (this.#structural(c, this.#offset + i)) {
        i++;
        continue;
      }
      // A value starts here.
      this.#startValue(c, this.#offset + i);
      valueStart = i;
      i++;
      if (this.#scalar) continue;
      if (c === QUOTE) this.#inString = true;
      else this.#depth = 1;
    }
    // The chunk ended inside a value: hand on what it held of it.
    if (this.#state === State.Value) this.#valuePiece(chunk, valueStart, n, handler);
    this.#offset += n;
  }

  /** Checks that the input ended after the root value, and nothing but whitespace followed. */
  end(): void {
    if (this.#state !== State.AfterRoot) {
      const where = this.#inItemsArray ? 'inside the array' : 'before the end of the root value';
      this.#fail(`ends ${where} (truncated?)`, this.#offset);
    }
  }

  /** Handles a byte outside any value; false when a value starts at it. */
  #structural(c: number, at: number): boolean {
    switch (this.#state) {
      case State.BeforeRoot:
        if (this.#opts.member === undefined) {
          if (c !== OPEN_BRACKET) this.#fail('is not a JSON array (it does not start with "[")', at);
          this.#state = State.ArrayItemOrEnd;
          this.#inItemsArray = true;
        } else {
          if (c !== OPEN_BRACE) this.#fail('is not a JSON object', at);
          this.#state = State.ObjectKeyOrEnd;
        }
        return true;
      case State.ObjectKeyOrEnd:
        if (c === CLOSE_BRACE) return this.#closeRoot();
        if (c !== QUOTE) this.#fail('has a root member without a quoted name', at);
        this.#key = [];
        this.#keyBytes = 0;
        this.#escaped = false;
        this.#state = State.ObjectKey;
        return true;
      case State.ObjectColon:
        if (c !== COLON) this.#fail('has a member name not followed by ":"', at);
        this.#state = State.ObjectValueStart;
        return true;
      case State.ObjectValueStart:
        if (this.#memberName === this.#opts.member) {
          if (c !== OPEN_BRACKET) this.#fail(`has a "${this.#opts.member}" member that is not an array`, at);
          this.#state = State.ArrayItemOrEnd;
          this.#inItemsArray = true;
          return true;
        }
        return false;
      case State.ObjectCommaOrEnd:
        if (c === CLOSE_BRACE) return this.#closeRoot();
        if (c !== COMMA) this.#fail('misses a "," between root members', at);
        this.#state = State.ObjectKeyOrEnd;
        return true;
      case State.ArrayItemOrEnd:
        if (c !== CLOSE_BRACKET) return false;
        if (this.#afterComma) this.#fail('has a "," right before "]"', at);
        return this.#closeArray();
      case State.ArrayCommaOrEnd:
        if (c === CLOSE_BRACKET) return this.#closeArray();
        if (c !== COMMA) this.#fail('misses a "," between array items', at);
        this.#state = State.ArrayItemOrEnd;
        this.#afterComma = true;
        return true;
      case State.AfterRoot:
        this.#fail('has data after its root value', at);
        return true;
      default:
        return false;
    }
  }

  #closeArray(): boolean {
    this.#inItemsArray = false;
    this.#state = this.#opts.member === undefined ? State.AfterRoot : State.ObjectCommaOrEnd;
    return true;
  }

  #closeRoot(): boolean {
    this.#state = State.AfterRoot;
    return true;
  }

  #startValue(c: number, at: number): void {
    this.#valueIsItem = this.#state === State.ArrayItemOrEnd;
    this.#afterComma = false;
    this.#state = State.Value;
    this.#depth = 0;
    this.#inString = false;
    this.#escaped = false;
    this.#scalar = c !== OPEN_BRACE && c !== OPEN_BRACKET && c !== QUOTE;
    if (c === CLOSE_BRACE || c === CLOSE_BRACKET || c === COMMA || c === COLON) {
      this.#fail(`has an unexpected "${String.fromCharCode(c)}"`, at);
    }
    this.#memberParts = [];
    this.#memberBytes = 0;
  }

  /**
   * Advances through the current value from `i`; returns the index just after its end, or -1 when
   * the chunk ended inside it.
   */
  #scanValue(b: Buffer, i: number): number {
    const n = b.length;
    const oneLine = this.#opts.oneLine === true;
    while (i < n) {
      if (this.#inString) {
        if (this.#escaped) {
          this.#escaped = false;
          i++;
          continue;
        }
        const q = b.indexOf(QUOTE, i);
        if (q === -1) {
          let k = n - 1;
          while (k >= i && b[k] === BACKSLASH) k--;
          this.#escaped = (n - 1 - k) % 2 === 1;
          return -1;
        }
        let k = q - 1;
        while (k >= i && b[k] === BACKSLASH) k--;
        i = q + 1;
        if ((q - 1 - k) % 2 === 1) continue; // an escaped quote
        this.#inString = false;
        if (this.#depth === 0) return i; // a bare string value ends with its quote
        continue;
      }
      const c = b[i]!;
      if (this.#scalar) {
        if (isJsonWhitespace(c) || c === COMMA || c === CLOSE_BRACKET || c === CLOSE_BRACE) return i;
        i++;
        continue;
      }
      if (c === QUOTE) this.#inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) this.#depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--this.#depth === 0) return i + 1;
      } else if (oneLine && (c === LF || c === CR)) b[i] = SPACE;
      i++;
    }
    return -1;
  }

  #valuePiece(chunk: Buffer, start: number, end: number, handler: ItemHandler): void {
    if (start < 0 || end <= start) return;
    const piece = chunk.subarray(start, end);
    if (this.#valueIsItem) {
      handler.itemBytes(piece);
      return;
    }
    this.#memberBytes += piece.length;
    if (this.#memberBytes > this.#memberMaxBytes) {
      this.#fail(
        `has a "${this.#memberName}" member larger than ${this.#memberMaxBytes} bytes`,
        this.#offset,
      );
    }
    this.#memberParts.push(Buffer.from(piece));
  }

  #valueEnd(handler: ItemHandler, endInChunk: number): void {
    if (this.#valueIsItem) {
      this.#state = State.ArrayCommaOrEnd;
      handler.itemEnd();
      return;
    }
    this.#state = State.ObjectCommaOrEnd;
    const text = Buffer.concat(this.#memberParts).toString('utf8');
    this.#memberParts = [];
    try {
      this.#members.set(this.#memberName, JSON.parse(text));
    } catch {
      this.#fail(`has a "${this.#memberName}" member that is not valid JSON`, this.#offset + endInChunk);
    }
  }

  /** Reads a root member's name up to its closing quote; returns where scanning goes on. */
  #scanKey(b: Buffer, i: number): number {
    const n = b.length;
    let j = i;
    while (j < n) {
      const c = b[j]!;
      if (this.#escaped) this.#escaped = false;
      else if (c === BACKSLASH) this.#escaped = true;
      else if (c === QUOTE) break;
      j++;
    }
    this.#keyBytes += j - i;
    if (this.#keyBytes > 1024) this.#fail('has a root member name longer than 1024 bytes', this.#offset + j);
    this.#key.push(Buffer.from(b.subarray(i, j)));
    if (j === n) return n;
    try {
      this.#memberName = JSON.parse(`"${Buffer.concat(this.#key).toString('utf8')}"`) as string;
    } catch {
      this.#fail('has a root member name that is not a valid JSON string', this.#offset + j);
    }
    this.#state = State.ObjectColon;
    return j + 1;
  }

  #fail(problem: string, at: number): never {
    throw new CfError(this.#opts.errorCode, `${this.#opts.what} ${problem} (byte ${at}).`, {
      details: { offset: at },
    });
  }
}
