import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { CfError } from '../core/errors/index.js';
import { COLON, skipJsonStringInText, skipJsonWhitespace } from '../lib/json-bytes.js';
import { type Config, configSchema } from './schema.js';

/**
 * Reads a config file: YAML (a superset of JSON) parsed as plain data — no custom tags, no
 * anchors expanding into code, nothing evaluated. Returns the raw value for validation.
 */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CfError('CF_ERR_CONFIG', `Cannot read the config file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // Most configs are plain JSON: take those without loading yaml (some 20 ms of every start).
  const json = plainJsonMapping(text);
  if (json !== undefined) return json;
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, customTags: [] });
  // Warnings count too: an unknown tag (`!!js/function`) is only a warning to the parser, and
  // a config must never carry something we silently turned into a string.
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    const list = problems.map((e) => `  - ${e.message.split('\n')[0]}`).join('\n');
    throw new CfError('CF_ERR_CONFIG', `The config file ${path} is not valid YAML or JSON:\n${list}`);
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new CfError('CF_ERR_CONFIG', `The config file ${path} must hold a mapping at the top level.`);
  }
  return value;
}

/** JSON nesting deeper than this goes to yaml, which runs out of stack somewhere near 900. */
const JSON_MAX_DEPTH = 64;

/**
 * `text` as JSON.parse reads it when that is exactly what yaml would make of it, else undefined
 * (and yaml decides). They agree on a JSON object text (YAML 1.2 is a superset of JSON) except
 * where yaml is stricter: a repeated key (an error to yaml with uniqueKeys, the last one wins for
 * JSON.parse), a tab where YAML wants indentation, a lone CR (a line break to JSON only), and
 * nesting deep enough to exhaust yaml's stack. test/unit/cli/startup-imports.test.ts checks the
 * agreement on generated documents.
 */
function plainJsonMapping(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{') || text.includes('\t') || /\r(?!\n)/.test(text)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const keys = countKeys(value, 0);
  return keys !== undefined && keys === countKeysInText(text) ? value : undefined;
}

/** Keys of every object in a parsed JSON value; undefined when nested deeper than JSON_MAX_DEPTH. */
function countKeys(value: unknown, depth: number): number | undefined {
  if (typeof value !== 'object' || value === null) return 0;
  if (depth >= JSON_MAX_DEPTH) return undefined;
  const children = Array.isArray(value) ? value : Object.values(value);
  let n = Array.isArray(value) ? 0 : children.length;
  for (const child of children) {
    const c = countKeys(child, depth + 1);
    if (c === undefined) return undefined;
    n += c;
  }
  return n;
}

/**
 * Member names written in a text JSON.parse accepted: the strings followed by a colon. More of
 * them than the parsed objects hold keys means a key was repeated.
 */
function countKeysInText(text: string): number {
  let n = 0;
  let i = text.indexOf('"');
  while (i !== -1) {
    // A valid text: every string closes, and a backslash always escapes the next character.
    const end = skipJsonStringInText(text, i + 1);
    if (end === -1) break;
    const next = skipJsonWhitespace(text, end);
    if (text.charCodeAt(next) === COLON) n++;
    i = text.indexOf('"', next);
  }
  return n;
}

/**
 * Validates a raw config. Every problem is reported at once, each with its path; unknown keys
 * are errors. The result is deeply frozen.
 */
export function validateConfig(raw: unknown, origin = 'the configuration'): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CfError('CF_ERR_CONFIG', `${origin} is invalid:\n${formatIssues(parsed.error.issues)}`, {
      details: { issues: parsed.error.issues.length },
    });
  }
  return deepFreeze(parsed.data);
}

export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((i) => {
      const path = i.path.length === 0 ? '(top level)' : formatPath(i.path);
      const keys = i.code === 'unrecognized_keys' ? `: ${i.keys.join(', ')}` : '';
      return `  - ${path}: ${i.message}${keys}`;
    })
    .join('\n');
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/** Deep merge for CLI overrides: objects merge, arrays and scalars replace. */
export function mergeConfig(base: unknown, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(isPlainObject(base) ? base : {}) };
  for (const [k, v] of Object.entries(override)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeConfig(out[k], v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
