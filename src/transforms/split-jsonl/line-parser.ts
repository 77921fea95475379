import { CLOSE_BRACE, findJsonValueEnd, OPEN_BRACE, skipJsonWhitespace } from '../../lib/json-bytes.js';
import { LazySplitLine } from './split-line.js';
import { BAD_LINE_TEXT_MAX_BYTES, type BadLine, type SplitLine } from './types.js';

/**
 * Turns the decoded text of one physical line into records with JSON.parse: the reference behaviour,
 * used for every line the fast scanner (json-scan.ts) does not accept as exactly one object. The
 * whole line goes through one JSON.parse first. Only when that fails is the line taken apart as
 * objects run together (`}{`, `} {`): every object that parses is kept, and from the first piece
 * that does not, the rest of the line is one BAD_JSON entry (after a broken piece the cut points
 * cannot be trusted).
 */
export function parseLineText(text: string, lineNumber: number, out: Array<SplitLine | BadLine>): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    splitRunTogether(text, lineNumber, out);
    return;
  }
  if (isJsonObject(parsed)) {
    out.push(LazySplitLine.fromParsed(trimmed(text), lineNumber, parsed));
  } else {
    out.push(badJson(text.trim(), lineNumber, `The line is ${describe(parsed)}, not a JSON object.`));
  }
}

function splitRunTogether(text: string, lineNumber: number, out: Array<SplitLine | BadLine>): void {
  let pos = skipJsonWhitespace(text, 0);
  let objects = 0;
  while (pos < text.length && text.charCodeAt(pos) === OPEN_BRACE) {
    const end = findJsonValueEnd(text, pos);
    if (end === -1) break;
    const piece = text.slice(pos, end);
    let parsed: unknown;
    try {
      parsed = JSON.parse(piece);
    } catch {
      break;
    }
    // A text that starts with `{` and parses is an object.
    out.push(LazySplitLine.fromParsed(piece, lineNumber, parsed as Record<string, unknown>));
    objects++;
    pos = skipJsonWhitespace(text, end);
  }
  if (pos >= text.length) return;
  const rest = text.slice(pos);
  const where = objects === 0 ? 'The line' : `The rest of the line after ${objects} run-together object(s)`;
  out.push(badJson(rest, lineNumber, `${where} is not valid JSON${nulHint(rest)}: ${parseError(rest)}`));
}

function parseError(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    return `it is ${describe(value)}, not a JSON object.`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function nulHint(text: string): string {
  return text.includes('\u0000') ? ' (it contains NUL bytes)' : '';
}

function badJson(text: string, lineNumber: number, reason: string): BadLine {
  return {
    code: 'CF_ERR_BAD_JSON',
    reason,
    lineNumber,
    size: Buffer.byteLength(text, 'utf8'),
    text: boundText(text),
  };
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The object text without the JSON whitespace around it (JSON.parse accepted it, so `trim` is exact). */
function trimmed(text: string): string {
  const last = text.length - 1;
  if (text.charCodeAt(0) === OPEN_BRACE && text.charCodeAt(last) === CLOSE_BRACE) return text;
  return text.trim();
}

/** At most BAD_LINE_TEXT_MAX_BYTES of UTF-8 from the start of `text`, cut lossily. */
export function boundText(text: string): string {
  // A UTF-16 code unit is at most 3 bytes of UTF-8, so short strings need no measuring.
  if (text.length <= BAD_LINE_TEXT_MAX_BYTES / 3) return text;
  const bytes = Buffer.from(text.slice(0, BAD_LINE_TEXT_MAX_BYTES), 'utf8');
  if (bytes.length <= BAD_LINE_TEXT_MAX_BYTES) return bytes.toString('utf8');
  return bytes.toString('utf8', 0, BAD_LINE_TEXT_MAX_BYTES);
}
