import type { Writable } from 'node:stream';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { CfError } from '../errors/index.js';

/** What a command gets from the process; tests pass their own streams and environment. */
export interface CommandIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
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
  run(argv: string[], io: CommandIo): Promise<number>;
}

/** node:util parseArgs (strict) with its errors turned into usage errors (exit 2). */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs<T>({ strict: true, ...config });
  } catch (err) {
    throw new CfError('CF_ERR_USAGE', err instanceof Error ? err.message : String(err));
  }
}

export function usageError(message: string): CfError {
  return new CfError('CF_ERR_USAGE', message);
}
