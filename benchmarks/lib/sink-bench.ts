import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { assertExit, measureChild } from './measure.js';
import { ROOT } from './paths.js';
import type { FigureRow, ScenarioContext, ScenarioResult, TargetResult } from './result.js';
import { fixed, GIB, MIB } from './stats.js';

/**
 * The destination scenarios (simulator_to_kafka, _splunk_hec, _syslog) are the sink engineers'
 * own benches, `benchmarks/sinks/<kind>.ts`: each drives its sink with realistic records against a
 * real receiver on loopback and measures, in the same run, a minimal client loop writing the same
 * bytes to the same receiver (kcat -P, an undici loop, a node:net loop). They already measure in
 * child processes and print medians; this folds them into the suite: run the script with the
 * suite's sizes, read its table, and hold the sink/baseline ratio to the issue's target.
 */
export interface SinkBench {
  readonly kind: 'kafka' | 'splunk-hec' | 'syslog' | 'elasticsearch' | 'http';
  /** Script arguments for the full and the quick suite. */
  args(quick: boolean): string[];
  /** Records the script sends per variant and run (for CPU per GiB). */
  records(quick: boolean): number;
  /** Rows and targets read from the script's stdout; throws when the table is not found. */
  parse(stdout: string, records: number): { rows: FigureRow[]; targets: TargetResult[] };
  readonly summary: string;
  readonly setup: readonly string[];
  /** What the receiver needs, checked before running: commands on PATH, or repo-relative files. */
  readonly needs: readonly string[];
}

export async function runSinkBench(
  ctx: ScenarioContext,
  bench: SinkBench,
): Promise<Omit<ScenarioResult, 'name' | 'wallSeconds'>> {
  const script = join(ROOT, 'benchmarks', 'sinks', `${bench.kind}.ts`);
  const empty = { summary: bench.summary, setup: bench.setup, rows: [], targets: [] };
  if (!existsSync(script)) {
    return {
      ...empty,
      skipped: `the ${bench.kind} sink's bench (benchmarks/sinks/${bench.kind}.ts) has not landed yet`,
    };
  }
  const missing = bench.needs.filter((need) => !available(need));
  if (missing.length > 0)
    return { ...empty, skipped: `the receiver needs ${missing.join(', ')} (test/infra/install.sh)` };
  const args = bench.args(ctx.quick);
  ctx.log(`benchmarks/sinks/${bench.kind}.ts ${args.join(' ')}`);
  const run = await measureChild({
    args: ['--import', 'tsx', script, ...args],
    cwd: ROOT,
    timeoutMs: 900_000,
  });
  assertExit(run, `benchmarks/sinks/${bench.kind}.ts`);
  const stdout = run.stdout.toString('utf8');
  try {
    return { ...empty, ...bench.parse(stdout, bench.records(ctx.quick)) };
  } catch (err) {
    throw new Error(`${(err as Error).message}; its output ended with:\n${stdout.slice(-1500)}`);
  }
}

/** A command on PATH, or a file under the repository root (a need with a slash). */
function available(need: string): boolean {
  if (need.includes('/')) return existsSync(join(ROOT, need));
  return (process.env.PATH ?? '/usr/bin:/bin')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, need)));
}

/** A row from a sink bench's figures: events/s, record MiB/s, CPU seconds and peak RSS per run. */
export function sinkRow(
  variant: string,
  role: FigureRow['role'],
  runs: number,
  records: number,
  f: { eventsPerSecond: number; mibPerSecond: number; cpuSeconds: number; peakRssMiB: number },
  comparison?: string,
): FigureRow {
  const seconds = records / f.eventsPerSecond;
  const gib = (f.mibPerSecond * seconds * MIB) / GIB;
  return {
    variant,
    role,
    runs,
    eventsPerSecond: f.eventsPerSecond,
    mibPerSecond: f.mibPerSecond,
    ...(f.cpuSeconds > 0 ? { cpuSecondsPerGiB: f.cpuSeconds / gib } : {}),
    peakRssMiB: f.peakRssMiB,
    ...(comparison === undefined ? {} : { comparison }),
  };
}

export function ratioTarget(
  target: string,
  subject: number,
  baseline: number,
  minimum: number,
): TargetResult {
  const ratio = subject / baseline;
  return {
    target,
    measured: `${fixed(ratio * 100, 0)}% (${fixed(subject, 0)} vs ${fixed(baseline, 0)} events/s)`,
    pass: ratio >= minimum,
  };
}
