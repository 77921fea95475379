/**
 * The soak's time-series chart (SVG, rendered headless with the benchmarks' charting): RSS and
 * V8 heap, open fds and active handles, the worst stream's checkpoint lag, the bytes each sink
 * holds, and event-loop p99,
 * one panel each over the run's minutes, with the fault windows shaded.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../../benchmarks/lib/chart.js';
import type { FaultWindow, Sample } from './verdicts.js';

interface Panel {
  readonly title: string;
  /** Series name -> value of one sample. */
  readonly series: (s: Sample) => Record<string, number>;
}

const PANELS: readonly Panel[] = [
  {
    title: 'memory (MiB)',
    series: (s) => ({
      RSS: s.rssMiB,
      ...(s.rssAnonMiB === undefined ? {} : { 'RSS anonymous': s.rssAnonMiB }),
      'V8 heap used': s.heapUsedMiB,
    }),
  },
  { title: 'open fds / active handles', series: (s) => ({ fds: s.fds, handles: s.handles }) },
  {
    title: 'checkpoint lag, worst stream (s)',
    series: (s) => ({ lag: Math.max(0, ...Object.values(s.lagSeconds)) }),
  },
  {
    title: 'bytes buffered per sink (KiB)',
    series: (s) =>
      Object.fromEntries(Object.entries(s.bufferedBytes ?? {}).map(([sink, bytes]) => [sink, bytes / 1024])),
  },
  { title: 'event-loop delay p99 (ms)', series: (s) => ({ p99: s.loopP99Ms }) },
];

export function soakChartSpec(
  samples: readonly Sample[],
  faults: readonly FaultWindow[],
  title: string,
): TopLevelSpec {
  const shaded = faults.map((f) => ({
    fault: f.name,
    from: f.start / 60_000,
    // Instant faults (restarts) get a visible sliver.
    to: Math.max(f.end, f.start + 5_000) / 60_000,
  }));
  const minute = { field: 'minute', type: 'quantitative', title: 'minutes' } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    config: { font: 'sans-serif' },
    vconcat: PANELS.map((panel) => ({
      title: panel.title,
      width: 720,
      height: 130,
      layer: [
        {
          data: { values: shaded },
          mark: { type: 'rect', color: '#f4a582', opacity: 0.35 },
          encoding: { x: { field: 'from', type: 'quantitative', title: 'minutes' }, x2: { field: 'to' } },
        },
        {
          data: {
            values: samples.flatMap((s) =>
              Object.entries(panel.series(s)).map(([series, value]) => ({
                minute: s.t / 60_000,
                series,
                value,
              })),
            ),
          },
          transform: [{ filter: 'isValid(datum.value) && isFinite(datum.value)' }],
          mark: { type: 'line', strokeWidth: 1.2 },
          encoding: {
            x: minute,
            y: { field: 'value', type: 'quantitative', title: null },
            color: { field: 'series', type: 'nominal', title: null },
          },
        },
      ],
    })),
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}

export function renderSoakChart(
  samples: readonly Sample[],
  faults: readonly FaultWindow[],
  title: string,
): Promise<string> {
  return renderSvg(soakChartSpec(samples, faults, title));
}
