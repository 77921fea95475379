import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { CfError } from '../errors/index.js';
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
