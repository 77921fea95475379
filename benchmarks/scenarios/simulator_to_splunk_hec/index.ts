import { undiciLoopScenario } from '../../lib/undici-loop-scenario.js';

/**
 * simulator_to_splunk_hec: the splunk-hec sink into the HEC contract receiver, with and without
 * gzip, next to a minimal undici loop posting the same batches (benchmarks/sinks/splunk-hec.ts).
 * Target: at least 80% of the loop's events/s (wall clock, as the issue states it); the ratio per
 * CPU second of each child is shown beside it.
 */
export const scenario = undiciLoopScenario({
  name: 'simulator_to_splunk_hec',
  kind: 'splunk-hec',
  pairs: ['gzip', 'plain'],
  quickPairs: ['gzip'],
  sinkLabel: 'splunk-hec sink',
  summary:
    'the splunk-hec sink into the HEC contract receiver, vs a minimal undici loop posting the same batches',
  setup: [
    'benchmarks/sinks/splunk-hec.ts: 1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE records generated in the child (each with its UTF-8 size as lineBytes, as the splitter provides), into the HEC contract receiver (test/infra, parses and counts every event) on loopback, with gzip (level 3) and without, no indexer acknowledgement.',
    'Baseline: the same batches (same envelope encoder, batch limits and gzip level) POSTed by an undici Pool, 4 in flight, no retry policy. Each variant in its own child process after a warm-up of the receiver; medians of the runs.',
    "CPU is the child's user + system time over the timed part; the target is judged on wall-clock events/s, the per-CPU-second ratio is printed beside it.",
  ],
});
