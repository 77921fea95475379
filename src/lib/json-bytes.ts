/**
 * JSON at the byte level: the code units of JSON's structural characters (the same in UTF-8
 * bytes and in UTF-16 string code units, all below 0x80) and the scanning primitives the
 * non-validating scanners share (source item scanners, the splitter's fallback, config key
 * counting, syslog's severity probe).
 *
 * The splitter's fast path (transforms/split-jsonl/json-scan.ts, splitter.ts) keeps its own
 * inlined constants and loops: it is benchmarked, and a value read through a module import is a
 * load from the module's cell, where a local `const` is an immediate V8 folds into the compare.
 */
export const TAB = 0x09;
export const LF = 0x0a;
export const CR = 0x0d;
export const SPACE = 0x20;
export const QUOTE = 0x22;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_BRACKET = 0x5b;
export const BACKSLASH = 0x5c;
export const CLOSE_BRACKET = 0x5d;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;

/** True when `bytes` starts with the UTF-8 byte order mark (EF BB BF) at `at`. */
export function hasUtf8Bom(bytes: Uint8Array, at = 0): boolean {
  return bytes[at] === 0xef && bytes[at + 1] === 0xbb && bytes[at + 2] === 0xbf;
}

/** JSON whitespace: space, tab, LF, CR (nothing else, unlike \s). */
export function isJsonWhitespace(c: number | undefined): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

/** First index at or after `i` that is not JSON whitespace. */
export function skipJsonWhitespace(text: string, i: number): number {
  const n = text.length;
  while (i < n && isJsonWhitespace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * In a string: the index just after the quote closing a JSON string whose body starts at `i`
 * (just after its opening quote), or -1 when the text ends first. A backslash skips the next
 * code unit; nothing is validated.
 */
export function skipJsonStringInText(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    i += c === BACKSLASH ? 2 : 1;
  }
  return -1;
}

/**
 * In bytes: the index just after the JSON string whose opening quote is at `start`, or -1 if it
 * does not close. Jumps from quote to quote (indexOf) and counts the backslashes before each.
 */
export function skipJsonStringInBytes(b: Uint8Array, start: number): number {
  let i = start + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, i);
    if (q === -1) return -1;
    let k = q - 1;
    while (k >= i && b[k] === BACKSLASH) k--;
    // An odd run of backslashes escapes the quote; the run cannot reach back past `i` into
    // content already judged, because `i` is just after the previous (escaped) quote or the opening one.
    if ((q - 1 - k) % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/**
 * Index just after the bracket that closes the one at `start` (`{` or `[`), matching brackets
 * outside strings without validating, or -1 when the text ends first.
 */
export function findJsonValueEnd(text: string, start: number): number {
  let depth = 0;
  let i = start;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = skipJsonStringInText(text, i + 1);
      if (i === -1) return -1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}
