import { undiciLoopScenario } from '../../lib/undici-loop-scenario.js';

/**
 * simulator_to_elasticsearch: the elasticsearch sink into the _bulk contract receiver, with and
 * without gzip, next to a minimal undici loop posting the same bulk bodies
 * (benchmarks/sinks/elasticsearch.ts).
 * Target: at least 80% of the loop's events/s (wall clock, as the issue states it); the ratio per
 * CPU second of each child is shown beside it.
 */
export const scenario = undiciLoopScenario({
  name: 'simulator_to_elasticsearch',
  kind: 'elasticsearch',
  pairs: ['gzip', 'plain'],
  quickPairs: ['gzip'],
  sinkLabel: 'elasticsearch sink',
  summary:
    'the elasticsearch sink into the _bulk contract receiver, vs a minimal undici loop posting the same bulk bodies',
  setup: [
    'benchmarks/sinks/elasticsearch.ts: 1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE records generated in the child (benchmarks/lib/bench-records.ts, each with its UTF-8 size as lineBytes), into the _bulk contract receiver (test/infra/es, parses every action and document, keeps the ids for the 409 rule, cleared before each child) on loopback, with gzip (level 3) and without; create actions into a data stream per event type.',
    'Baseline: the same bulk bodies (same BulkEncoder, batch limits 5 MB / 1000 and gzip level) POSTed by an undici Pool, 4 in flight, no retry policy, no per-item answer read. Each variant in its own child process after a warm-up of the receiver; medians of the runs.',
    "CPU is the child's user + system time over the timed part; the target is judged on wall-clock events/s, the per-CPU-second ratio is printed beside it.",
  ],
});
