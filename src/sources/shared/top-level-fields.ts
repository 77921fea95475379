const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;

function isWhitespace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The index just after the string whose opening quote is at `start`, or -1 if it does not close. */
function skipString(b: Buffer, start: number): number {
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

/** The index just after the value starting at `start` (a nested object or array, or a scalar). */
function skipValue(b: Buffer, start: number): number {
  const c = b[start];
  if (c === QUOTE) return skipString(b, start);
  if (c !== 0x7b && c !== 0x5b) {
    let i = start;
    while (i < b.length && !isWhitespace(b[i]) && b[i] !== COMMA && b[i] !== 0x7d && b[i] !== 0x5d) i++;
    return i;
  }
  let depth = 0;
  let i = start;
  while (i < b.length) {
    const d = b[i]!;
    if (d === QUOTE) {
      i = skipString(b, i);
      if (i < 0) return -1;
      continue;
    }
    if (d === 0x7b || d === 0x5b) depth++;
    else if (d === 0x7d || d === 0x5d) {
      if (--depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

function skipWhitespace(b: Buffer, i: number): number {
  while (i < b.length && isWhitespace(b[i])) i++;
  return i;
}

/**
 * Reads some top-level members of one JSON object without parsing the rest: a 2 MB conversation
 * gives its `id` and `last_active_at` for the cost of skipping its strings with indexOf. Values
 * of the wanted members are parsed with JSON.parse (they are small); the others are skipped.
 * Returns undefined when `b` is not an object whose top level this can walk (the caller then
 * forwards it as is and the JSONL splitter dead-letters it if it is not valid JSON). Not a
 * validator: the splitter downstream validates every record.
 */
export function readTopLevelFields(b: Buffer, names: readonly string[]): Map<string, unknown> | undefined {
  const out = new Map<string, unknown>();
  let i = skipWhitespace(b, 0);
  if (b[i] !== 0x7b) return undefined;
  i = skipWhitespace(b, i + 1);
  if (b[i] === 0x7d) return out;
  for (;;) {
    if (b[i] !== QUOTE) return undefined;
    const keyEnd = skipString(b, i);
    if (keyEnd < 0) return undefined;
    let key: string;
    try {
      key = JSON.parse(b.toString('utf8', i, keyEnd)) as string;
    } catch {
      return undefined;
    }
    i = skipWhitespace(b, keyEnd);
    if (b[i] !== COLON) return undefined;
    i = skipWhitespace(b, i + 1);
    const valueEnd = skipValue(b, i);
    if (valueEnd < 0 || valueEnd === i) return undefined;
    if (names.includes(key) && !out.has(key)) {
      try {
        out.set(key, JSON.parse(b.toString('utf8', i, valueEnd)));
      } catch {
        return undefined;
      }
    }
    i = skipWhitespace(b, valueEnd);
    if (b[i] === 0x7d) return out;
    if (b[i] !== COMMA) return undefined;
    i = skipWhitespace(b, i + 1);
  }
}
