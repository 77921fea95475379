import { undiciLoopScenario } from '../../lib/undici-loop-scenario.js';

/**
 * simulator_to_http: the http sink (presets ndjson and datadog) into its contract receiver, with
 * and without gzip, next to a minimal undici loop posting the same batches
 * (benchmarks/sinks/http.ts). Target: at least 80% of the loop's events/s (wall clock), per
 * preset and encoding; the ratio per CPU second of each child is shown beside it.
 */
export const scenario = undiciLoopScenario({
  name: 'simulator_to_http',
  kind: 'http',
  pairs: ['ndjson-gzip', 'ndjson-plain', 'datadog-gzip'],
  quickPairs: ['ndjson-gzip'],
  sinkLabel: 'http sink',
  summary:
    'the http sink (ndjson, datadog) into its contract receiver, vs a minimal undici loop posting the same batches',
  setup: [
    'benchmarks/sinks/http.ts: the splunk-hec bench records (1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE, mixed UTF-8) generated in the child, into the http contract receiver (test/infra/http-receivers.ts, its own process, parses and counts every record) on loopback; ndjson with gzip (level 3) and without, datadog (JSON array of entries) with gzip.',
    "Baseline: the same batches (the preset's encoder and batch limits, same gzip level) POSTed by an undici Pool, 4 in flight, no retry policy. Each variant in its own child process after a warm-up of the receiver; medians of the runs.",
    "CPU is the child's user + system time over the timed part; the target is judged on wall-clock events/s, the per-CPU-second ratio is printed beside it.",
  ],
});
