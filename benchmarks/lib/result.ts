/**
 * What a scenario reports: rows of figures (the subject next to its baselines from the same run)
 * and its targets with PASS/MISS. The runner prints every scenario's rows as one table and
 * `--write` renders them into RESULTS.md; `--json` saves this structure as is.
 */

/** One measured variant: medians over `runs` runs. Absent figures are left out (not zero). */
export interface FigureRow {
  readonly variant: string;
  readonly role: 'subject' | 'baseline';
  readonly runs: number;
  readonly eventsPerSecond?: number;
  /** Input MiB per wall-clock second. */
  readonly mibPerSecond?: number;
  /** CPU seconds (user + system) of the measured process per GiB of input. */
  readonly cpuSecondsPerGiB?: number;
  readonly peakRssMiB?: number;
  /** Wall-clock seconds (medians), for scenarios where time is the figure. */
  readonly seconds?: number;
  /** The ratio column, e.g. "2.41x naive (cpu), 2.10x (wall)". */
  readonly comparison?: string;
}

export interface TargetResult {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

export interface ScenarioResult {
  readonly name: string;
  /** One sentence: what is measured. */
  readonly summary: string;
  /** Exactly what was run (sizes, settings, shortcuts taken), for RESULTS.md. */
  readonly setup: readonly string[];
  readonly rows: readonly FigureRow[];
  readonly targets: readonly TargetResult[];
  readonly wallSeconds: number;
  /** Set when the scenario could not run here (a missing tool or receiver), with the reason. */
  readonly skipped?: string;
  /** Set when the scenario failed. */
  readonly error?: string;
}

/** What a scenario module receives from the runner. */
export interface ScenarioContext {
  readonly quick: boolean;
  readonly cli: import('./cli-build.js').CliCommand;
  /** Progress lines (stderr); the table is printed by the runner. */
  log(message: string): void;
}

export interface Scenario {
  readonly name: string;
  run(ctx: ScenarioContext): Promise<Omit<ScenarioResult, 'name' | 'wallSeconds'>>;
}
