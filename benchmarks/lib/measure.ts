import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { RUN_DIR, USAGE_PROBE } from './paths.js';

/**
 * Runs one measured child process. Every figure is the child's own: wall time from spawn to
 * exit (start-up included), CPU time (user + system) and peak RSS as the child reports them at
 * exit through the usage probe (`process.resourceUsage()`), so nothing the benchmark itself does
 * (the simulator, the throttled reader) is counted. Commands other than Node get wall time only.
 */
export interface MeasuredRun {
  readonly wallSeconds: number;
  /** Undefined for a command that is not Node (no probe). */
  readonly cpuSeconds: number | undefined;
  readonly maxRssBytes: number | undefined;
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when `stopAfterMs` elapsed and the child was sent SIGTERM. */
  readonly stopped: boolean;
  /** Captured stdout, unless `onStdout` consumed it. */
  readonly stdout: Buffer;
  readonly stderr: string;
}

export interface MeasureOptions {
  /** Node arguments (script and its arguments); or, with `command`, that command's arguments. */
  readonly args: readonly string[];
  /** A command other than Node (no usage probe). */
  readonly command?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Consumes stdout itself (e.g. a throttled reader); by default stdout is captured. */
  readonly onStdout?: (stdout: Readable) => void;
  /** Sends SIGTERM after this long (a bounded-duration run); the run is then expected to stop. */
  readonly stopAfterMs?: number;
  /** Called just before SIGTERM, e.g. to let a throttled reader drain freely. */
  readonly onStop?: () => void;
  /** Kills the child (SIGKILL) after this long: a hung run must not hang the suite. */
  readonly timeoutMs?: number;
}

export async function measureChild(options: MeasureOptions): Promise<MeasuredRun> {
  const isNode = options.command === undefined;
  mkdirSync(RUN_DIR, { recursive: true });
  const usageFile = join(RUN_DIR, `usage-${randomUUID()}.json`);
  const args = isNode ? ['--import', USAGE_PROBE, ...options.args] : [...options.args];
  const started = performance.now();
  const child = spawn(options.command ?? process.execPath, args, {
    env: { ...(options.env ?? process.env), ...(isNode ? { BENCH_USAGE_FILE: usageFile } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const out: Buffer[] = [];
  if (options.onStdout) options.onStdout(child.stdout);
  else child.stdout.on('data', (c: Buffer) => out.push(c));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    // Keep the tail only: a chatty child must not grow the benchmark's memory.
    stderr = (stderr + s).slice(-64 * 1024);
  });
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  if (options.stopAfterMs !== undefined) {
    timers.push(
      setTimeout(() => {
        stopped = true;
        options.onStop?.();
        child.kill('SIGTERM');
      }, options.stopAfterMs),
    );
  }
  if (options.timeoutMs !== undefined) {
    timers.push(setTimeout(() => child.kill('SIGKILL'), options.timeoutMs));
  }
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, sig) => resolve([code, sig]));
  });
  const wallSeconds = (performance.now() - started) / 1000;
  for (const t of timers) clearTimeout(t);
  let cpuSeconds: number | undefined;
  let maxRssBytes: number | undefined;
  if (isNode) {
    try {
      const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as {
        userCpuSeconds: number;
        systemCpuSeconds: number;
        maxRssBytes: number;
      };
      cpuSeconds = usage.userCpuSeconds + usage.systemCpuSeconds;
      maxRssBytes = usage.maxRssBytes;
    } catch {
      // Killed before its exit handler ran: no usage figures for this run.
    }
    rmSync(usageFile, { force: true });
  }
  return {
    wallSeconds,
    cpuSeconds,
    maxRssBytes,
    exitCode,
    signal,
    stopped,
    stdout: Buffer.concat(out),
    stderr,
  };
}

/** Throws with the child's stderr tail when it did not exit with `expected` (default 0). */
export function assertExit(run: MeasuredRun, what: string, expected: number | 'any' = 0): void {
  if (expected === 'any' || run.exitCode === expected) return;
  throw new Error(
    `${what} exited with ${run.exitCode ?? run.signal}; stderr:\n${run.stderr.trim().slice(-2000)}`,
  );
}
