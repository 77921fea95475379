/*
 * The benchmark suite runner (started by benchmarks/run.mjs, i.e. `npm run bench`).
 *
 *   run.mjs ──> runner (this process: hosts each scenario's simulator, prints the table)
 *                 ├─ build the CLI once (esbuild bundle of src/, see cli-build.ts)
 *                 └─ for each scenario: scenarios/<name>/index.ts
 *                       └─ measured child processes: the real CLI, the baselines, the cookbook
 *                          script, the sink benches (each reports its own CPU and peak RSS)
 *
 *   node benchmarks/run.mjs [--quick] [--write] [--json=FILE] [--only=a,b] [--cli=PATH]
 *     --quick   a small version of every scenario (seconds each; CI runs it, figures meaningless)
 *     --write   also write benchmarks/RESULTS.md (machine, every figure, baselines, PASS/MISS)
 *     --json    also save the results as JSON
 *     --only    run only these scenarios
 *     --cli     measure this CLI entry point (e.g. dist/cli/bin.js) instead of bundling src/
 *
 * Exit status: 0 when every scenario ran (a missed target is a finding, not a failure), 1 when a
 * scenario failed.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chartRows } from './chart.js';
import { buildCli, type CliCommand, cliCommand } from './cli-build.js';
import { RUN_DIR } from './paths.js';
import { machineInfo, resultsMarkdown, textTable } from './report.js';
import type { Scenario, ScenarioResult } from './result.js';
import { SCENARIOS } from './scenario-list.js';
import { writeBenchmarkChart } from './write-chart.js';

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));

const USAGE = `Usage: npm run bench -- [--quick] [--write] [--json=FILE] [--only=a,b] [--cli=PATH]
  --quick      a smaller run of every scenario (what CI executes; figures not meaningful)
  --write      also write benchmarks/RESULTS.md
  --json=FILE  also write every figure as JSON
  --only=a,b   only these scenarios: ${SCENARIOS.join(', ')}
  --cli=PATH   measure this compliance-forwarder executable instead of one built from src/`;

/** A bad command line: the runner prints it with the usage and exits 2. */
class UsageError extends Error {}

function parseArgs(argv: readonly string[]) {
  const flags = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (m === null) throw new UsageError(`Unknown argument ${a}.`);
    flags.set(m[1]!, m[2] ?? '');
  }
  const known = new Set(['quick', 'write', 'json', 'only', 'cli', 'help']);
  for (const k of flags.keys()) if (!known.has(k)) throw new UsageError(`Unknown option --${k}.`);
  const only = flags.get('only')?.split(',').filter(Boolean);
  const unknown = (only ?? []).filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`No scenario ${unknown.join(', ')}.`);
  return {
    help: flags.has('help'),
    quick: flags.has('quick'),
    write: flags.has('write'),
    json: flags.get('json'),
    only,
    cli: flags.get('cli'),
  };
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const machine = machineInfo();
  const started = performance.now();
  const log = (message: string) => process.stderr.write(`${message}\n`);
  let cli: CliCommand;
  if (options.cli === undefined || options.cli === '') {
    log('Building the CLI from src/ ...');
    cli = await buildCli();
  } else {
    cli = cliCommand(resolve(options.cli), `${options.cli} (given with --cli)`);
  }
  const results: ScenarioResult[] = [];
  for (const name of SCENARIOS) {
    if (options.only !== undefined && !options.only.includes(name)) continue;
    log(`\n== ${name}${options.quick ? ' (quick)' : ''}`);
    const t0 = performance.now();
    try {
      const module = (await import(pathToFileURL(join(BENCH_DIR, 'scenarios', name, 'index.ts')).href)) as {
        scenario: Scenario;
      };
      const result = await module.scenario.run({ quick: options.quick, cli, log: (m) => log(`   ${m}`) });
      results.push({ name, ...result, wallSeconds: (performance.now() - t0) / 1000 });
    } catch (err) {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`   FAILED: ${message}`);
      results.push({
        name,
        summary: '',
        setup: [],
        rows: [],
        targets: [],
        wallSeconds: (performance.now() - t0) / 1000,
        error: err instanceof Error ? err.message : String(err),
      });
    }
    log(`   (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  machine.loadEnd = loadavg()[0] ?? 0;
  const suiteSeconds = (performance.now() - started) / 1000;

  process.stdout.write(`\n${textTable(results)}\n`);
  process.stdout.write(
    `\nNode ${machine.node}, ${machine.cpuModel} x${machine.cores}, load ${machine.loadStart.toFixed(1)} -> ${machine.loadEnd.toFixed(1)}; suite ${suiteSeconds.toFixed(0)} s${options.quick ? ' (quick: figures not meaningful)' : ''}\n`,
  );
  if (options.json !== undefined && options.json !== '') {
    mkdirSync(dirname(options.json), { recursive: true });
    writeFileSync(
      options.json,
      `${JSON.stringify({ machine, quick: options.quick, suiteSeconds, results }, null, 2)}\n`,
    );
  }
  if (options.write) {
    const command = `npm run bench -- --write${options.quick ? ' --quick' : ''}`;
    const path = join(BENCH_DIR, 'RESULTS.md');
    writeFileSync(
      path,
      resultsMarkdown(results, machine, {
        quick: options.quick,
        cli: cli.description,
        suiteSeconds,
        command,
      }),
    );
    log(`Wrote ${path}`);
    log(`Wrote ${await writeBenchmarkChart(chartRows(results), machine.date)}`);
  }
  return results.some((r) => r.error !== undefined) ? 1 : 0;
}

try {
  process.exitCode = await main();
} finally {
  rmSync(RUN_DIR, { recursive: true, force: true });
}
