/**
 * Scenario simulator_to_http: the http sink (preset ndjson, and datadog's JSON-array entries)
 * against its contract receiver on loopback (test/infra/http-receivers.ts, its own process,
 * parsing and counting every record), with and without gzip, next to a baseline measured in the
 * same run: the same batches (same records, same body bytes, same gzip level) POSTed by a minimal
 * undici loop with as many requests in flight (no Writable, no retry policy, no header groups).
 *
 *   node --import tsx benchmarks/sinks/http.ts [--records=200000] [--runs=3] [--gzipLevel=3]
 *     [--variants=sink-ndjson-gzip,baseline-ndjson-gzip,sink-ndjson-plain,baseline-ndjson-plain,
 *                 sink-datadog-gzip,baseline-datadog-gzip]
 *
 * Each variant runs in a child process (so CPU and peak RSS are its own); the records are the
 * splunk-hec bench's (1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE, mixed UTF-8, prose-like text).
 * Prints per variant the median over the runs of events/s, record MiB/s, wire MiB, CPU seconds,
 * events per CPU second, peak RSS, and the sink/baseline ratios (wall, CPU). The receiver checks
 * every run delivered every record.
 */
import { fileURLToPath } from 'node:url';
import type { PipelineRecord } from '../../src/core/record.js';
import { createHttpSink, httpSinkConfigSchema } from '../../src/sinks/http/index.js';
import { PRESETS } from '../../src/sinks/http/presets/index.js';
import { jsonLines } from '../../src/sinks/shared/json-lines.js';
import { type HttpReceiver, startHttpReceiver } from '../../test/infra/http-receivers.js';
import { benchArgs } from '../lib/bench-args.js';
import { generate, type Template } from '../lib/bench-records.js';
import {
  type BenchVariant,
  benchSettings,
  type ChildJob,
  child,
  childJob,
  driveSink,
  measureVariants,
  printTable,
  runChild,
  undiciLoop,
} from '../lib/http-sink-bench.js';

type Preset = 'ndjson' | 'datadog';

interface Variant extends BenchVariant {
  readonly preset: Preset;
}

const args = benchArgs();
const { records: RECORDS, runs: RUNS, gzipLevel: GZIP_LEVEL, only: ONLY } = benchSettings(args);
/** The ndjson preset's defaults; datadog's are its own (4 MB / 1000), used by its baseline too. */
const IN_FLIGHT = 4;
const WARM_UP_RECORDS = 20_000;
const SCRIPT = fileURLToPath(import.meta.url);

// --- child: one measurement -------------------------------------------------------------------------

function limitsOf(preset: Preset): { bytes: number; count: number } {
  const l = PRESETS[preset].limits;
  return { bytes: l.batchBytes, count: l.batchCount };
}

async function runSink(job: ChildJob<Variant>, pool: Template[]): Promise<void> {
  const config = httpSinkConfigSchema.parse({
    type: 'http',
    preset: job.preset,
    url: job.url,
    ...(job.preset === 'datadog'
      ? { apiKey: { value: job.token }, datadog: { hostname: 'bench-host' } }
      : {}),
    gzip: job.gzip,
    gzipLevel: job.gzipLevel,
    maxInFlightRequests: IN_FLIGHT,
  });
  await driveSink((ctx) => createHttpSink(config, ctx), generate(pool, job.records));
}

/** The minimal loop: same batches and body bytes, POSTed with IN_FLIGHT requests at a time. */
async function runBaseline(job: ChildJob<Variant>, pool: Template[]): Promise<void> {
  const prepared = PRESETS[job.preset].prepare({
    secrets: {},
    hostname: 'bench-host',
    sumo: { category: 'c', name: 'n' },
    datadog: {
      source: 'openai',
      service: 'chatgpt-compliance',
      tags: 'event_type:{event_type_lower},principal_id:{principal_id}',
      hostname: 'bench-host',
    },
  });
  const encode = (batch: PipelineRecord[]): Buffer =>
    job.preset === 'ndjson'
      ? jsonLines(batch)
      : Buffer.from(`[${batch.map((r) => prepared.entry(r)).join(',')}]`, 'utf8');
  const { bytes: maxBytes, count: maxCount } = limitsOf(job.preset);
  const url = new URL(job.url);
  await undiciLoop(
    {
      origin: url.origin,
      path: url.pathname,
      headers: {
        'content-type': job.preset === 'ndjson' ? 'application/x-ndjson' : 'application/json',
        ...(job.preset === 'datadog' ? { 'dd-api-key': job.token } : {}),
        ...(job.gzip ? { 'content-encoding': 'gzip' } : {}),
      },
      gzip: job.gzip,
      gzipLevel: job.gzipLevel,
      inFlight: IN_FLIGHT,
      batchMaxBytes: maxBytes,
      batchMaxCount: maxCount,
      sizeOf: (record) => prepared.entryBytes(record) + 1,
      encode,
      check: (status, text) => {
        if (status >= 300) throw new Error(`receiver answered ${status}: ${text}`);
      },
    },
    generate(pool, job.records),
  );
}

// --- parent -------------------------------------------------------------------------------------

async function parent(): Promise<void> {
  const ALL_VARIANTS: Variant[] = [
    { name: 'sink-ndjson-gzip', kind: 'sink', preset: 'ndjson', gzip: true },
    { name: 'baseline-ndjson-gzip', kind: 'baseline', preset: 'ndjson', gzip: true },
    { name: 'sink-ndjson-plain', kind: 'sink', preset: 'ndjson', gzip: false },
    { name: 'baseline-ndjson-plain', kind: 'baseline', preset: 'ndjson', gzip: false },
    { name: 'sink-datadog-gzip', kind: 'sink', preset: 'datadog', gzip: true },
    { name: 'baseline-datadog-gzip', kind: 'baseline', preset: 'datadog', gzip: true },
  ];
  const variants = ALL_VARIANTS.filter((v) => ONLY === undefined || ONLY.includes(v.name));
  const presets = [...new Set(variants.map((v) => v.preset))];
  const receivers = new Map<Preset, HttpReceiver>();
  for (const p of presets) receivers.set(p, await startHttpReceiver({ kind: p, store: 'count' }));
  const receiverOf = (v: Variant): HttpReceiver => receivers.get(v.preset)!;
  let results: Awaited<ReturnType<typeof measureVariants>>;
  try {
    // Warm the receivers' JIT so the first variant measured is not penalised.
    for (const [p, rx] of receivers) {
      await runChild<Variant>(SCRIPT, {
        name: 'warm-up',
        kind: 'baseline',
        preset: p,
        gzip: true,
        url: rx.url,
        token: rx.token,
        records: WARM_UP_RECORDS,
        gzipLevel: GZIP_LEVEL,
      });
    }
    results = await measureVariants({
      script: SCRIPT,
      variants,
      runs: RUNS,
      records: RECORDS,
      gzipLevel: GZIP_LEVEL,
      target: (v) => ({ url: receiverOf(v).url, token: receiverOf(v).token }),
      counted: async (v) => {
        const s = await receiverOf(v).stats();
        return { count: s.events, wireBytes: s.wireBytes };
      },
      shortfall: (v, got, want) => `${v.name}: the receiver took ${got} of ${want} records`,
    });
  } finally {
    await Promise.all([...receivers.values()].map((rx) => rx.stop()));
  }

  printTable({
    title:
      `simulator_to_http: ${RECORDS} records, median of ${RUNS} runs, gzip level ${GZIP_LEVEL}, ` +
      `${IN_FLIGHT} in flight, the presets' batch limits, Node ${process.version}`,
    variants,
    results,
    records: RECORDS,
    nameWidth: 22,
    baselineOf: (v) => v.name.replace(/^sink-/, 'baseline-'),
  });
}

const job = childJob<Variant>(args);
if (job) await child(job, runSink, runBaseline);
else await parent();
