/** Parsed flag values, as node:util parseArgs returns them. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** One sink kind's command-line flags: their parseArgs options, usage lines and config builder. */
export interface SinkFlags {
  readonly kind: string;
  /** The flag that alone selects this kind when --sink is absent (e.g. --hec-url). */
  readonly selector: string;
  readonly options: Record<string, { type: 'string' | 'boolean' }>;
  readonly usage: string;
  build(flags: Flags, env: NodeJS.ProcessEnv): Record<string, unknown>;
}

export function str(flags: Flags, key: string): string | undefined {
  const v = flags[key];
  return typeof v === 'string' ? v : undefined;
}

/** `{ key: value }` when value is defined, else `{}`: keeps optional config keys out when unset. */
export function opt(key: string, value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [key]: value };
}
