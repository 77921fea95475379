/*
 * Writes benchmarks/results.svg: throughput and peak RSS per scenario against its baselines.
 * `npm run bench -- --write` calls writeBenchmarkChart with the run's results; without a run,
 *   node --import tsx benchmarks/lib/write-chart.ts [--json=FILE]
 * charts a --json output, or the Figures table of the current RESULTS.md.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmarkChartSpec, type ChartRow, chartRows, chartRowsFromMarkdown, renderSvg } from './chart.js';
import type { ScenarioResult } from './result.js';

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));
export const CHART_FILE = 'results.svg';

export async function writeBenchmarkChart(rows: readonly ChartRow[], date: string): Promise<string> {
  const path = join(BENCH_DIR, CHART_FILE);
  writeFileSync(path, await renderSvg(benchmarkChartSpec(rows, `Benchmark results, ${date}`)));
  return path;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const json = process.argv
    .slice(2)
    .find((a) => a.startsWith('--json='))
    ?.slice('--json='.length);
  let rows: ChartRow[];
  let date: string;
  if (json !== undefined) {
    const run = JSON.parse(readFileSync(json, 'utf8')) as {
      machine: { date: string };
      results: ScenarioResult[];
    };
    rows = chartRows(run.results);
    date = run.machine.date;
  } else {
    const md = readFileSync(join(BENCH_DIR, 'RESULTS.md'), 'utf8');
    rows = chartRowsFromMarkdown(md);
    date = /^\| date \| (\S+) \|/m.exec(md)?.[1] ?? 'date unknown';
  }
  process.stdout.write(`Wrote ${await writeBenchmarkChart(rows, date)} (${rows.length} bars)\n`);
}
