import type { PipelineRecord } from '../../core/record.js';
import { isJsonWhitespace } from '../../lib/json-bytes.js';

export interface SeverityMap {
  /** Dotted path of a record field. */
  readonly field: string;
  /** Field value (as text) to severity code. */
  readonly values: ReadonlyMap<string, number>;
}

/**
 * Returns a function giving each record its severity: the mapped value of `map.field` when the
 * record has it, `fallback` otherwise. Uses the parsed record when a stage parsed it. Otherwise a
 * top-level field is read straight from the line (parsing whole 1-2 KB records with JSON.parse
 * cost more than everything else the sink does per record), with JSON.parse as the fallback for
 * nested paths and lines where the quick read cannot be sure.
 */
export function severityResolver(
  map: SeverityMap | undefined,
  fallback: number,
): (record: PipelineRecord) => number {
  if (map === undefined || map.values.size === 0) return () => fallback;
  const path = map.field.split('.');
  const key = path.length === 1 ? path[0] : undefined;
  const keyProbe = `"${path[path.length - 1]}"`;
  const lookup = (value: unknown) => {
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return fallback;
    return map.values.get(String(value)) ?? fallback;
  };
  return (record) => {
    if (record.parsed !== undefined) return lookup(valueAt(record.parsed, path));
    if (!record.line.includes(keyProbe)) return fallback;
    if (key !== undefined) {
      const quick = topLevelScalar(record.line, key);
      if (quick !== UNSURE) return quick === undefined ? fallback : (map.values.get(quick) ?? fallback);
    }
    try {
      return lookup(valueAt(JSON.parse(record.line), path));
    } catch {
      return fallback;
    }
  };
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The quick read could not decide; parse the line. */
export const UNSURE = Symbol('unsure');

/**
 * The text of a scalar member `key` of the top-level object in a JSON line, read without parsing
 * the line: undefined when it is absent or not a scalar, UNSURE when the line is not simple enough
 * to be certain (the key appears twice, the value holds an escape, or the line is malformed).
 */
export function topLevelScalar(line: string, key: string): string | undefined | typeof UNSURE {
  const quoted = `"${key}"`;
  const at = line.indexOf(quoted);
  if (at < 0) return undefined;
  if (line.indexOf(quoted, at + 1) >= 0) return UNSURE;
  // Is the match a member name of the outermost object? Walk the text before it.
  let depth = 0;
  let inString = false;
  let last = '';
  for (let i = 0; i < at; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) last = line[i]!;
  }
  if (inString) return UNSURE; // the match is inside a string value
  if (depth !== 1 || (last !== '{' && last !== ',')) return undefined; // a nested member
  let i = at + quoted.length;
  while (isJsonWhitespace(line.charCodeAt(i))) i++;
  if (line[i] !== ':') return UNSURE;
  i++;
  while (isJsonWhitespace(line.charCodeAt(i))) i++;
  if (line[i] === '"') {
    const end = line.indexOf('"', i + 1);
    if (end < 0) return UNSURE;
    const text = line.slice(i + 1, end);
    return text.includes('\\') ? UNSURE : text;
  }
  const token = /^(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false)(?=\s*[,}])/.exec(line.slice(i, i + 64));
  return token === null ? undefined : String(JSON.parse(token[1]!));
}
