import type { FigureRow, Scenario } from '../../lib/result.js';
import { ratioTarget, runSinkBench, sinkRow } from '../../lib/sink-bench.js';
import { fixed } from '../../lib/stats.js';

/**
 * simulator_to_kafka: the kafka sink into the Kafka-protocol mock broker (kmock, test/infra), next
 * to `kcat -P` producing the same records to the same broker with the same acks, idempotence and
 * compression (benchmarks/sinks/kafka.ts). Target: at least 70% of kcat -P. The bench ends with
 * one JSON line of medians, which is what this reads.
 */
interface KafkaFigures {
  readonly name: string;
  readonly eventsPerSecond: number;
  readonly mibPerSecond: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
}

export const scenario: Scenario = {
  name: 'simulator_to_kafka',
  run: (ctx) =>
    runSinkBench(ctx, {
      kind: 'kafka',
      needs: ['kcat', 'test/infra/.build/kmock'],
      records: (quick) => (quick ? 2000 : 30_000),
      args: (quick) => (quick ? ['--records=2000', '--runs=1'] : ['--records=30000', '--runs=3']),
      summary: 'the kafka sink into a Kafka-protocol broker (kmock), vs kcat -P on the same broker',
      setup: [
        "benchmarks/sinks/kafka.ts: 1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE records generated in the child, kafka sink (kafkajs, gzip, acks all, idempotent) into kmock (librdkafka's mock cluster, 3 brokers) on loopback, a fresh 3-partition topic per run; every run checked against the topic's high watermarks.",
        "Baseline: `kcat -P -K '\\t'` (librdkafka) fed the same lines on stdin with the same acks, idempotence and compression, timed from spawn to exit. Medians of the runs.",
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
            `${fixed((sink.eventsPerSecond / kcat.eventsPerSecond) * 100, 0)}% of kcat -P`,
          ),
          sinkRow(kcat.name, 'baseline', runs, records, kcat),
        ];
        return {
          rows,
          targets: [
            ratioTarget(
              '>= 70% of kcat -P on the same broker',
              sink.eventsPerSecond,
              kcat.eventsPerSecond,
              0.7,
            ),
          ],
        };
      },
    }),
};
