import type { FigureRow, Scenario } from '../../lib/result.js';
import { ratioTarget, runSinkBench, sinkRow } from '../../lib/sink-bench.js';
import { fixed, percent } from '../../lib/stats.js';

/**
 * simulator_to_kafka: the kafka sink into the Kafka-protocol mock broker (kmock, test/infra), next
 * to `kcat -P` producing the same records to the same broker with the same acks, idempotence and
 * compression (benchmarks/sinks/kafka.ts). Target: at least 70% of kcat -P's events/s (wall clock,
 * as the issue states it); the ratio per CPU second is shown beside it (kcat is C with its input
 * made by another process, so that one is far from a like-for-like figure). The bench ends with
 * one JSON line of medians, which is what this reads.
 */
interface KafkaFigures {
  readonly name: string;
  readonly eventsPerSecond: number;
  readonly mibPerSecond: number;
  readonly cpuSeconds: number;
  readonly eventsPerCpuSecond: number;
  readonly peakRssMiB: number;
}

export const scenario: Scenario = {
  name: 'simulator_to_kafka',
  run: (ctx) =>
    runSinkBench(ctx, {
      kind: 'kafka',
      needs: ['kcat', 'test/infra/.build/kmock'],
      records: (quick) => (quick ? 2000 : 100_000),
      args: (quick) => (quick ? ['--records=2000', '--runs=1'] : ['--records=100000', '--runs=3']),
      summary: 'the kafka sink into a Kafka-protocol broker (kmock), vs kcat -P on the same broker',
      setup: [
        "benchmarks/sinks/kafka.ts: 1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE records generated in the child, held as UTF-8 bytes with their size as the splitter's records are (decoded only if the sink reads the text), kafka sink (kafkajs, gzip, acks all, idempotent) into kmock (librdkafka's mock cluster, 3 brokers) on loopback, a fresh 3-partition topic per run; every run checked against the topic's high watermarks.",
        "Baseline: `kcat -P -K '\\t'` (librdkafka) fed the same lines on stdin with the same acks, idempotence and compression, timed from spawn to exit. Medians of the runs.",
        "CPU: the sink child's user + system time from start() to finish (module loading left out); kcat's whole process from /proc (the lines it reads are made by the parent, not counted). The target is judged on wall-clock events/s, the per-CPU-second ratio is printed beside it.",
      ],
      parse(stdout, records) {
        const line = stdout
          .split('\n')
          .reverse()
          .find((l) => l.startsWith('{"scenario":"simulator_to_kafka"'));
        if (line === undefined) throw new Error('no result line in the kafka bench output');
        const result = JSON.parse(line) as { sink: KafkaFigures; kcat: KafkaFigures };
        const runs = Number(/median of (\d+)/.exec(stdout)?.[1] ?? 1);
        const { sink, kcat } = result;
        const rows: FigureRow[] = [
          sinkRow(
            sink.name,
            'subject',
            runs,
            records,
            sink,
            `${percent(sink.eventsPerSecond / kcat.eventsPerSecond)} of kcat -P (wall), ` +
              `${percent(sink.eventsPerCpuSecond / kcat.eventsPerCpuSecond)} (per CPU s)`,
          ),
          sinkRow(kcat.name, 'baseline', runs, records, kcat),
        ];
        const target = ratioTarget(
          '>= 70% of kcat -P on the same broker',
          sink.eventsPerSecond,
          kcat.eventsPerSecond,
          0.7,
        );
        return {
          rows,
          targets: [
            {
              ...target,
              measured:
                `${target.measured}; per CPU second ${percent(sink.eventsPerCpuSecond / kcat.eventsPerCpuSecond)} ` +
                `(${fixed(sink.eventsPerCpuSecond, 0)} vs ${fixed(kcat.eventsPerCpuSecond, 0)} events/CPU s)`,
            },
          ],
        };
      },
    }),
};
