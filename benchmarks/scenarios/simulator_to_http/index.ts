import type { FigureRow, Scenario, TargetResult } from '../../lib/result.js';
import { ratioTarget, runSinkBench, sinkRow } from '../../lib/sink-bench.js';
import { fixed, percent } from '../../lib/stats.js';

/**
 * simulator_to_http: the http sink (presets ndjson and datadog) into its contract receiver, with
 * and without gzip, next to a minimal undici loop posting the same batches
 * (benchmarks/sinks/http.ts). Target: at least 80% of the loop's events/s (wall clock), per
 * preset and encoding; the ratio per CPU second of each child is shown beside it.
 */
const ROW =
  /^((?:sink|baseline)-(?:ndjson|datadog)-(?:gzip|plain))\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/;
const VARIANTS = [
  'sink-ndjson-gzip',
  'baseline-ndjson-gzip',
  'sink-ndjson-plain',
  'baseline-ndjson-plain',
  'sink-datadog-gzip',
  'baseline-datadog-gzip',
];

export const scenario: Scenario = {
  name: 'simulator_to_http',
  run: (ctx) =>
    runSinkBench(ctx, {
      kind: 'http',
      needs: [],
      records: (quick) => (quick ? 2000 : 100_000),
      args: (quick) =>
        quick
          ? ['--records=2000', '--runs=1', '--variants=sink-ndjson-gzip,baseline-ndjson-gzip']
          : ['--records=100000', '--runs=3', `--variants=${VARIANTS.join(',')}`],
      summary:
        'the http sink (ndjson, datadog) into its contract receiver, vs a minimal undici loop posting the same batches',
      setup: [
        'benchmarks/sinks/http.ts: the splunk-hec bench records (1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE, mixed UTF-8) generated in the child, into the http contract receiver (test/infra/http-receivers.ts, its own process, parses and counts every record) on loopback; ndjson with gzip (level 3) and without, datadog (JSON array of entries) with gzip.',
        "Baseline: the same batches (the preset's encoder and batch limits, same gzip level) POSTed by an undici Pool, 4 in flight, no retry policy. Each variant in its own child process after a warm-up of the receiver; medians of the runs.",
        "CPU is the child's user + system time over the timed part; the target is judged on wall-clock events/s, the per-CPU-second ratio is printed beside it.",
      ],
      parse(stdout, records) {
        const runs = Number(/median of (\d+) runs/.exec(stdout)?.[1] ?? 1);
        const found = new Map<
          string,
          {
            eventsPerSecond: number;
            mibPerSecond: number;
            cpuSeconds: number;
            eventsPerCpuSecond: number;
            peakRssMiB: number;
          }
        >();
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
        for (const variant of ['ndjson-gzip', 'ndjson-plain', 'datadog-gzip']) {
          const sink = found.get(`sink-${variant}`);
          const loop = found.get(`baseline-${variant}`);
          if (sink === undefined || loop === undefined) continue;
          rows.push(
            sinkRow(
              `http sink (${variant})`,
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
        if (rows.length === 0) throw new Error('no sink/baseline rows in the http bench output');
        return { rows, targets };
      },
    }),
};
