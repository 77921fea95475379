import { createHmac } from 'node:crypto';
import { CfError } from '../../core/errors/index.js';
import type { Secret } from '../../core/secret.js';
import { forEachSlot, type JsonPath, parsePath } from '../json-path/path.js';
import type { RedactRule } from './config.js';

export const HASH_PREFIX = 'hmac-sha256:';

/**
 * Applies the configured redactions to a parsed record, in place. The same value under the same key
 * always hashes to the same text, so redacted fields can still be joined and counted downstream;
 * without the key the hash cannot be reversed by guessing (an email, a name). The key itself is only
 * revealed to `createHmac`.
 */
export class Redactor {
  readonly #rules: ReadonlyArray<{ path: JsonPath; action: RedactRule['action'] }>;
  readonly #hmacKey: Secret | undefined;

  constructor(rules: readonly RedactRule[], hmacKey: Secret | undefined) {
    if (hmacKey === undefined && rules.some((r) => r.action === 'hash')) {
      throw new CfError('CF_ERR_CONFIG', 'Redaction by hash needs a hash key (enrich.hashKey).');
    }
    this.#rules = rules.map((r) => ({ path: parsePath(r.path), action: r.action }));
    this.#hmacKey = hmacKey;
  }

  get isEmpty(): boolean {
    return this.#rules.length === 0;
  }

  /** Redacts `record` in place; true when anything was found (and so changed). */
  apply(record: Record<string, unknown>): boolean {
    let changed = 0;
    for (const rule of this.#rules) {
      changed += forEachSlot(record, rule.path, rule.action === 'remove' ? remove : this.#hashSlot);
    }
    return changed > 0;
  }

  /** The hash text of one value. */
  hash(value: unknown): string {
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
    const key = this.#hmacKey;
    if (key === undefined) throw new CfError('CF_ERR_INTERNAL', 'Redactor.hash() called without a hash key.');
    return HASH_PREFIX + createHmac('sha256', key.reveal()).update(text, 'utf8').digest('hex');
  }

  readonly #hashSlot = (container: Record<string, unknown> | unknown[], name: string): void => {
    (container as Record<string, unknown>)[name] = this.hash((container as Record<string, unknown>)[name]);
  };
}

function remove(container: Record<string, unknown> | unknown[], name: string): void {
  if (Array.isArray(container)) {
    const index = Number(name);
    if (Number.isInteger(index)) container.splice(index, 1);
    return;
  }
  delete container[name];
}
