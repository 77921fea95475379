/**
 * Charts as SVG without a browser: Vega-Lite specs compiled to Vega and rendered by Vega's
 * headless SVG string renderer (no canvas, no native addon; https://vega.github.io/vega/usage/).
 * Used for the benchmark results (benchmarks/results.svg, linked from RESULTS.md) and the soak's
 * time series (test/soak).
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { FigureRow, ScenarioResult } from './result.js';

/** Renders a Vega-Lite spec to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** One bar of the benchmark chart. */
export interface ChartRow {
  readonly scenario: string;
  readonly variant: string;
  readonly role: 'subject' | 'baseline';
  /** events/s when the scenario measures it, else MiB/s of input. */
  readonly throughput?: number;
  readonly unit?: 'events/s' | 'MiB/s';
  readonly peakRssMiB?: number;
}

export function chartRows(results: readonly ScenarioResult[]): ChartRow[] {
  return results.flatMap((s) => s.rows.map((r) => chartRow(s.name, r)));
}

function chartRow(scenario: string, r: FigureRow): ChartRow {
  const throughput = r.eventsPerSecond ?? r.mibPerSecond;
  return {
    scenario,
    variant: r.variant,
    role: r.role,
    ...(throughput === undefined
      ? {}
      : { throughput, unit: r.eventsPerSecond !== undefined ? 'events/s' : 'MiB/s' }),
    ...(r.peakRssMiB === undefined ? {} : { peakRssMiB: r.peakRssMiB }),
  };
}

/** Variant names of the baselines in RESULTS.md (the JSON output says so itself). */
const BASELINE_NAMES = /baseline|ceiling|kcat|undici loop|node:net|cookbook script|bound the limit/;

/** Rows of the "Figures" table of a RESULTS.md, when no --json output is at hand. */
export function chartRowsFromMarkdown(markdown: string): ChartRow[] {
  const section = markdown.split(/^## Figures\s*$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows: ChartRow[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 10 || cells[1] === 'scenario' || cells[1]?.startsWith('---')) continue;
    const [, scenario, variant, , eps, mibs, , rss] = cells;
    if (scenario === undefined || variant === undefined) continue;
    const num = (v: string | undefined) => (v === undefined || v === '' ? undefined : Number(v));
    const events = num(eps);
    const mib = num(mibs);
    const throughput = events ?? mib;
    const peak = num(rss);
    rows.push({
      scenario,
      variant,
      role: BASELINE_NAMES.test(variant) ? 'baseline' : 'subject',
      ...(throughput === undefined ? {} : { throughput, unit: events !== undefined ? 'events/s' : 'MiB/s' }),
      ...(peak === undefined ? {} : { peakRssMiB: peak }),
    });
  }
  return rows;
}

/** Throughput and peak RSS per scenario, each variant beside its baselines. */
export function benchmarkChartSpec(rows: readonly ChartRow[], title: string): TopLevelSpec {
  const data = rows.map((r) => ({
    ...r,
    label: `${r.scenario} · ${r.variant}${r.unit === undefined ? '' : ` (${r.unit})`}`,
  }));
  const order = data.map((r) => r.label);
  const color = {
    field: 'role',
    type: 'nominal',
    title: null,
    scale: { domain: ['subject', 'baseline'], range: ['#1f77b4', '#bbbbbb'] },
  } as const;
  const y = { field: 'label', type: 'nominal', sort: order, title: null, axis: { labelLimit: 420 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: data },
    config: { font: 'sans-serif', axis: { labelLimit: 360 } },
    resolve: { scale: { y: 'shared' } },
    hconcat: [
      {
        title: 'throughput (log scale)',
        width: 320,
        // Dots, not bars: a log scale has no zero for a bar to start from.
        mark: { type: 'circle', size: 90, opacity: 1 },
        encoding: {
          y,
          x: { field: 'throughput', type: 'quantitative', scale: { type: 'log' }, title: null },
          color,
        },
      },
      {
        title: 'peak RSS (MiB)',
        width: 200,
        mark: 'bar',
        encoding: {
          y: { ...y, axis: null },
          x: { field: 'peakRssMiB', type: 'quantitative', title: null },
          color,
        },
      },
    ],
  } as TopLevelSpec;
}
