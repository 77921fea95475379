import { inspect } from 'node:util';

/**
 * Every secret value loaded in this process. Logs, error messages and dead-letter records pass
 * through `redactSecrets` as a last line of defence, on top of never putting a secret there.
 */
const known = new Set<string>();

/**
 * A secret (API key, HEC token, SASL password). It prints as `[redacted]` everywhere: string
 * conversion, JSON, util.inspect. Only `reveal()` gives the value, at the point of use.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
    if (value.length >= 6) known.add(value);
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[redacted]';
  }
  toJSON(): string {
    return '[redacted]';
  }
  [inspect.custom](): string {
    return 'Secret([redacted])';
  }
}

/** Replaces every known secret value in `text` with `[redacted]`. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const s of known) if (out.includes(s)) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * How the Compliance API shows a key in audit events (`actor.redacted_id`): its first three and
 * last four characters. The exact upstream format is not documented; the simulator uses the
 * same rule, and the config can list redacted ids explicitly when this guess is wrong.
 */
export function redactedKeyId(key: string): string {
  return `${key.slice(0, 3)}...${key.slice(-4)}`;
}
