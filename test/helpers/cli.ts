import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { V8_START_FLAGS } from '../../src/cli/v8-tuning.js';

/** The built CLI (npm test builds before it runs the tests). */
export const CLI = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

/** The V8 flags the CLI's shebang gives node (V8_START_FLAGS), so tests run the CLI as `npx` users do. */
export function cliNodeFlags(): string[] {
  return [...V8_START_FLAGS];
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns the CLI with a clean environment plus `env`; stdout and stderr are collected. */
export function spawnCli(args: string[], env: Record<string, string> = {}, cwd?: string): ChildProcess {
  return spawn(process.execPath, [...cliNodeFlags(), CLI, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd === undefined ? {} : { cwd }),
  });
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return collect(spawnCli(args, env, cwd));
}
