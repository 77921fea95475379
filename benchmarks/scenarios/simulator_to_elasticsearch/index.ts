import type { FigureRow, Scenario, TargetResult } from '../../lib/result.js';
import { ratioTarget, runSinkBench, sinkRow } from '../../lib/sink-bench.js';
import { fixed, percent } from '../../lib/stats.js';

/**
 * simulator_to_elasticsearch: the elasticsearch sink into the _bulk contract receiver, with and
 * without gzip, next to a minimal undici loop posting the same bulk bodies
 * (benchmarks/sinks/elasticsearch.ts).
 * Target: at least 80% of the loop's events/s (wall clock, as the issue states it); the ratio per
 * CPU second of each child is shown beside it.
 */
const ROW =
  /^((?:sink|baseline)-(?:gzip|plain)(?:-ack)?)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/;
const VARIANTS = ['sink-gzip', 'baseline-gzip', 'sink-plain', 'baseline-plain'];

export const scenario: Scenario = {
  name: 'simulator_to_elasticsearch',
  run: (ctx) =>
    runSinkBench(ctx, {
      kind: 'elasticsearch',
      needs: [],
      records: (quick) => (quick ? 2000 : 100_000),
      args: (quick) =>
        quick
          ? ['--records=2000', '--runs=1', '--variants=sink-gzip,baseline-gzip']
          : ['--records=100000', '--runs=3', `--variants=${VARIANTS.join(',')}`],
      summary:
        'the elasticsearch sink into the _bulk contract receiver, vs a minimal undici loop posting the same bulk bodies',
      setup: [
        'benchmarks/sinks/elasticsearch.ts: 1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE records generated in the child (benchmarks/lib/bench-records.ts, each with its UTF-8 size as lineBytes), into the _bulk contract receiver (test/infra/es, parses every action and document, keeps the ids for the 409 rule, cleared before each child) on loopback, with gzip (level 3) and without; create actions into a data stream per event type.',
        'Baseline: the same bulk bodies (same BulkEncoder, batch limits 5 MB / 1000 and gzip level) POSTed by an undici Pool, 4 in flight, no retry policy, no per-item answer read. Each variant in its own child process after a warm-up of the receiver; medians of the runs.',
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
        for (const encoding of ['gzip', 'plain']) {
          const sink = found.get(`sink-${encoding}`);
          const loop = found.get(`baseline-${encoding}`);
          if (sink === undefined || loop === undefined) continue;
          rows.push(
            sinkRow(
              `elasticsearch sink (${encoding})`,
              'subject',
              runs,
              records,
              sink,
              `${percent(sink.eventsPerSecond / loop.eventsPerSecond)} of the undici loop (wall), ` +
                `${percent(sink.eventsPerCpuSecond / loop.eventsPerCpuSecond)} (per CPU s)`,
            ),
            sinkRow(`undici loop (${encoding})`, 'baseline', runs, records, loop),
          );
          const target = ratioTarget(
            `>= 80% of a minimal undici loop (${encoding})`,
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
        if (rows.length === 0) throw new Error('no sink/baseline rows in the elasticsearch bench output');
        return { rows, targets };
      },
    }),
};
