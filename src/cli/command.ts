import type { Readable, Writable } from 'node:stream';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CfError } from '../core/errors/index.js';

/** What a command gets from the process; tests pass their own streams and environment. */
export interface CommandIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Standard input, where a command reads it (`export --source files --path -`). */
  readonly stdin?: Readable;
  readonly env: NodeJS.ProcessEnv;
  readonly isTty: boolean;
  /** Aborted on SIGINT/SIGTERM (the second signal exits at once, see main.ts). */
  readonly signal: AbortSignal;
}

/** A command returns its exit code; it throws CF_ERR_USAGE for bad arguments (exit 2). */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  /** The options `run` parses; `usage` lists exactly these (test/unit/cli/usage-options.test.ts). */
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(argv: string[], io: CommandIo): Promise<number>;
}

/** Options whose value may be a relative time that starts with a dash (`--after -7d`). */
const TIME_OPTIONS = new Set(['--after', '--before']);

/**
 * node:util parseArgs (strict) with its errors turned into usage errors (exit 2). A relative
 * time after --after/--before (`-7d`) is taken as that option's value, not as an option.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const args: string[] = [];
  for (const a of config.args ?? []) {
    const prev = args.at(-1);
    if (prev !== undefined && TIME_OPTIONS.has(prev) && /^-\d/.test(a))
      args[args.length - 1] = `${prev}=${a}`;
    else args.push(a);
  }
  try {
    return parseArgs<T>({ strict: true, ...config, ...(config.args === undefined ? {} : { args }) });
  } catch (err) {
    throw new CfError('CF_ERR_USAGE', err instanceof Error ? err.message : String(err));
  }
}

export function usageError(message: string): CfError {
  return new CfError('CF_ERR_USAGE', message);
}
