import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CliCommand } from './cli-build.js';
import { BASELINE_SCRIPT, RUN_DIR } from './paths.js';
import type { HostedSimulator, Window } from './simulator-host.js';

/** Where the forwarder's records go in a run. */
export type SinkChoice =
  | { readonly kind: 'blackhole' }
  | { readonly kind: 'stdout' }
  | { readonly kind: 'file'; readonly directory: string };

export interface ExportRun {
  readonly window: Pick<Window, 'eventType' | 'after' | 'before'>;
  readonly sink: SinkChoice;
  /** `source` settings of the config file (rate limits). */
  readonly source?: Record<string, unknown>;
  /** `pipeline` settings of the config file (concurrency). */
  readonly pipeline?: Record<string, unknown>;
  /** Other top-level config sections. */
  readonly config?: Record<string, unknown>;
}

/**
 * Node arguments for `compliance-forwarder export` against the hosted simulator: the real CLI with
 * its default pipeline (split, default enrichment with the metadata object and de-duplication),
 * configured through a config file like a user would, progress off, logs at warn on stderr.
 */
export function exportArgs(cli: CliCommand, host: HostedSimulator, run: ExportRun): string[] {
  mkdirSync(RUN_DIR, { recursive: true });
  const configPath = join(RUN_DIR, `config-${randomUUID()}.json`);
  writeFileSync(
    configPath,
    JSON.stringify({ source: run.source ?? {}, pipeline: run.pipeline ?? {}, ...(run.config ?? {}) }),
  );
  const sinkArgs =
    run.sink.kind === 'file' ? ['--sink', 'file', '--out', run.sink.directory] : ['--sink', run.sink.kind];
  return [
    ...cli.nodeArgs,
    'export',
    '--principal',
    host.principalId,
    '--event-type',
    run.window.eventType,
    '--after',
    run.window.after,
    '--before',
    run.window.before,
    ...sinkArgs,
    '--dead-letter',
    join(RUN_DIR, `dead-letter-${randomUUID()}.jsonl`),
    '--no-progress',
    '--log-level',
    'warn',
    '--config',
    configPath,
  ];
}

export type BaselineMode = 'naive' | 'split';

/**
 * Node arguments for a baseline (benchmarks/baselines/jsonl-baseline.mjs): the same listing and
 * downloads from the same simulator as the forwarder, then either split2 + JSON.parse + metadata +
 * JSON.stringify (`naive`) or split2 alone (`split`), output discarded or written to `outFile`.
 */
export function baselineArgs(
  host: HostedSimulator,
  window: Pick<Window, 'eventType' | 'after' | 'before'>,
  mode: BaselineMode,
  concurrency: number,
  outFile?: string,
): string[] {
  return [
    BASELINE_SCRIPT,
    `--mode=${mode}`,
    `--principal=${host.principalId}`,
    `--event-type=${window.eventType}`,
    `--after=${window.after}`,
    `--before=${window.before}`,
    `--concurrency=${concurrency}`,
    ...(outFile === undefined ? [] : [`--out=${outFile}`]),
  ];
}
