import type { FigureRow, Scenario, TargetResult } from './result.js';
import { ratioTarget, runSinkBench, type SinkBench, sinkRow } from './sink-bench.js';
import { fixed, percent } from './stats.js';

/**
 * The HTTP sinks' scenarios (simulator_to_elasticsearch, _http, _splunk_hec) all fold a bench of
 * benchmarks/sinks/ that measures the sink next to a minimal undici loop posting the same bytes
 * (benchmarks/lib/http-sink-bench.ts), and all hold it to the same target: at least 80% of the
 * loop's events/s (wall clock, as the issue states it), the ratio per CPU second shown beside it.
 * Only the sink, its variants and the words differ.
 */
export interface UndiciLoopScenario {
  readonly name: string;
  readonly kind: SinkBench['kind'];
  /** The variant suffixes compared, sink-<v> against baseline-<v>, in table order. */
  readonly pairs: readonly string[];
  /** The pairs run by the quick suite. */
  readonly quickPairs: readonly string[];
  /** The sink as named in the rows, e.g. "splunk-hec sink". */
  readonly sinkLabel: string;
  readonly summary: string;
  readonly setup: readonly string[];
}

interface Figures {
  eventsPerSecond: number;
  mibPerSecond: number;
  cpuSeconds: number;
  eventsPerCpuSecond: number;
  peakRssMiB: number;
}

/** A row of the bench's table: variant, events/s, MiB/s, wire MiB, cpu s, events/cpu s, peak RSS. */
const ROW = /^((?:sink|baseline)-[\w-]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/;

const variantsOf = (pairs: readonly string[]) => pairs.flatMap((p) => [`sink-${p}`, `baseline-${p}`]);

export function undiciLoopScenario(spec: UndiciLoopScenario): Scenario {
  return {
    name: spec.name,
    run: (ctx) =>
      runSinkBench(ctx, {
        kind: spec.kind,
        needs: [],
        // 100,000 records (about 4 s a run): 30,000 measured mostly JIT warm-up of the sink's path.
        records: (quick) => (quick ? 2000 : 100_000),
        args: (quick) =>
          quick
            ? ['--records=2000', '--runs=1', `--variants=${variantsOf(spec.quickPairs).join(',')}`]
            : ['--records=100000', '--runs=3', `--variants=${variantsOf(spec.pairs).join(',')}`],
        summary: spec.summary,
        setup: spec.setup,
        parse: (stdout, records) => parseTable(spec, stdout, records),
      }),
  };
}

function parseTable(
  spec: UndiciLoopScenario,
  stdout: string,
  records: number,
): { rows: FigureRow[]; targets: TargetResult[] } {
  const runs = Number(/median of (\d+) runs/.exec(stdout)?.[1] ?? 1);
  const found = new Map<string, Figures>();
  for (const line of stdout.split('\n')) {
    const m = ROW.exec(line.trim());
    if (m === null) continue;
    found.set(m[1]!, {
      eventsPerSecond: Number(m[2]),
      mibPerSecond: Number(m[3]),
      cpuSeconds: Number(m[5]),
      eventsPerCpuSecond: Number(m[6]),
      peakRssMiB: Number(m[7]),
    });
  }
  const rows: FigureRow[] = [];
  const targets: TargetResult[] = [];
  for (const variant of spec.pairs) {
    const sink = found.get(`sink-${variant}`);
    const loop = found.get(`baseline-${variant}`);
    if (sink === undefined || loop === undefined) continue;
    rows.push(
      sinkRow(
        `${spec.sinkLabel} (${variant})`,
        'subject',
        runs,
        records,
        sink,
        `${percent(sink.eventsPerSecond / loop.eventsPerSecond)} of the undici loop (wall), ` +
          `${percent(sink.eventsPerCpuSecond / loop.eventsPerCpuSecond)} (per CPU s)`,
      ),
      sinkRow(`undici loop (${variant})`, 'baseline', runs, records, loop),
    );
    const target = ratioTarget(
      `>= 80% of a minimal undici loop (${variant})`,
      sink.eventsPerSecond,
      loop.eventsPerSecond,
      0.8,
    );
    targets.push({
      ...target,
      measured:
        `${target.measured}; per CPU second ${percent(sink.eventsPerCpuSecond / loop.eventsPerCpuSecond)} ` +
        `(${fixed(sink.eventsPerCpuSecond, 0)} vs ${fixed(loop.eventsPerCpuSecond, 0)} events/CPU s)`,
    });
  }
  if (rows.length === 0) throw new Error(`no sink/baseline rows in the ${spec.kind} bench output`);
  return { rows, targets };
}
