import { type JsonPath, parsePath, someValue } from '../json-path/path.js';
import type { FilterRule } from './config.js';

interface CompiledRule {
  readonly path: JsonPath;
  readonly test: (value: unknown) => boolean;
}

/**
 * The configured filters, compiled once. `accepts` is a pure function of the record: dropped when
 * any drop rule matches, or when keep rules exist and none matches (see filterRuleSchema).
 */
export class RecordFilter {
  readonly #keep: CompiledRule[];
  readonly #drop: CompiledRule[];

  constructor(rules: readonly FilterRule[]) {
    this.#keep = rules.filter((r) => r.action === 'keep').map(compile);
    this.#drop = rules.filter((r) => r.action === 'drop').map(compile);
  }

  get isEmpty(): boolean {
    return this.#keep.length === 0 && this.#drop.length === 0;
  }

  accepts(record: Record<string, unknown>): boolean {
    for (const rule of this.#drop) if (someValue(record, rule.path, rule.test)) return false;
    if (this.#keep.length === 0) return true;
    for (const rule of this.#keep) if (someValue(record, rule.path, rule.test)) return true;
    return false;
  }
}

function compile(rule: FilterRule): CompiledRule {
  const path = parsePath(rule.path);
  switch (rule.op) {
    case 'equals': {
      const expected = rule.value;
      return { path, test: (v) => v === expected };
    }
    case 'in': {
      const accepted = new Set<unknown>(rule.values);
      return { path, test: (v) => accepted.has(v) };
    }
    case 'exists':
      return { path, test: () => true };
    case 'regex': {
      const re = new RegExp(rule.pattern, rule.caseInsensitive ? 'i' : '');
      return { path, test: (v) => typeof v === 'string' && re.test(v) };
    }
  }
}
