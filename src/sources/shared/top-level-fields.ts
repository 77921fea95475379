import {
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  isJsonWhitespace,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  skipJsonStringInBytes,
} from '../../lib/json-bytes.js';

/** The index just after the value starting at `start` (a nested object or array, or a scalar). */
function skipValue(b: Buffer, start: number): number {
  const c = b[start];
  if (c === QUOTE) return skipJsonStringInBytes(b, start);
  if (c !== OPEN_BRACE && c !== OPEN_BRACKET) {
    let i = start;
    while (
      i < b.length &&
      !isJsonWhitespace(b[i]) &&
      b[i] !== COMMA &&
      b[i] !== CLOSE_BRACE &&
      b[i] !== CLOSE_BRACKET
    )
      i++;
    return i;
  }
  let depth = 0;
  let i = start;
  while (i < b.length) {
    const d = b[i]!;
    if (d === QUOTE) {
      i = skipJsonStringInBytes(b, i);
      if (i < 0) return -1;
      continue;
    }
    if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
    else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
      if (--depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

function skipWhitespace(b: Buffer, i: number): number {
  while (i < b.length && isJsonWhitespace(b[i])) i++;
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
  if (b[i] !== OPEN_BRACE) return undefined;
  i = skipWhitespace(b, i + 1);
  if (b[i] === CLOSE_BRACE) return out;
  for (;;) {
    if (b[i] !== QUOTE) return undefined;
    const keyEnd = skipJsonStringInBytes(b, i);
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
    if (b[i] === CLOSE_BRACE) return out;
    if (b[i] !== COMMA) return undefined;
    i = skipWhitespace(b, i + 1);
  }
}
