/**
 * Scenario simulator_to_elasticsearch: the elasticsearch sink against the _bulk contract receiver
 * on loopback, with and without gzip, next to a baseline measured in the same run: the same bulk
 * bodies (same records, same BulkEncoder bytes, same gzip level) posted by a minimal undici loop
 * with as many requests in flight (no Writable, no retry policy, no per-item answers read).
 *
 *   node --import tsx benchmarks/sinks/elasticsearch.ts [--records=200000] [--runs=3] [--gzipLevel=3]
 *     [--variants=sink-gzip,baseline-gzip,sink-plain,baseline-plain]
 *
 *   parent ── starts one receiver (ES_STORE=count: it parses every action and document, checks
 *   │         the data stream rules and keeps the ids, for the 409 rule), cleared before each child
 *     └─ for each run and variant: a child process (so peak RSS is its own)
 *          sink      records (benchmarks/lib/bench-records.ts) -> elasticsearch sink (written as
 *                    the pipeline does) -> receiver; to 'finish'
 *          baseline  the same generator cut into the same batches (BulkEncoder, batchMaxBytes,
 *                    batchMaxCount), gzip as configured, POSTed by an undici Pool, 4 at a time
 *
 * Prints per variant the median over the runs of events/s, record MiB/s, wire MiB per run, the
 * child's CPU seconds and events per CPU second, peak RSS, and the sink/baseline ratios per wall
 * second and per CPU second. The receiver checks every run created every document exactly once.
 */
import { fileURLToPath } from 'node:url';
import { BulkEncoder } from '../../src/sinks/elasticsearch/bulk-encoder.js';
import { DEFAULT_ES_INDEX } from '../../src/sinks/elasticsearch/config.js';
import {
  createElasticsearchSink,
  elasticsearchSinkConfigSchema,
} from '../../src/sinks/elasticsearch/index.js';
import { startEsReceiver } from '../../test/infra/es-receiver.js';
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

type Variant = BenchVariant;

const args = benchArgs();
const { records: RECORDS, runs: RUNS, gzipLevel: GZIP_LEVEL, only: ONLY } = benchSettings(args);
/** The sink's defaults, used by the baseline too. */
const BATCH_MAX_BYTES = 5_000_000;
const BATCH_MAX_COUNT = 1000;
const IN_FLIGHT = 4;
const WARM_UP_RECORDS = 20_000;
const SCRIPT = fileURLToPath(import.meta.url);

// A job's `token` is the receiver's API key.
async function runSink(job: ChildJob<Variant>, pool: Template[]): Promise<void> {
  const config = elasticsearchSinkConfigSchema.parse({
    type: 'elasticsearch',
    url: job.url,
    apiKey: { value: job.token },
    gzip: job.gzip,
    gzipLevel: job.gzipLevel,
    batchMaxBytes: BATCH_MAX_BYTES,
    batchMaxCount: BATCH_MAX_COUNT,
    maxInFlightRequests: IN_FLIGHT,
  });
  await driveSink((ctx) => createElasticsearchSink(config, ctx), generate(pool, job.records));
}

/** The minimal loop: same bulk bodies, POSTed with IN_FLIGHT requests at a time. */
async function runBaseline(job: ChildJob<Variant>, pool: Template[]): Promise<void> {
  const encoder = new BulkEncoder(DEFAULT_ES_INDEX);
  await undiciLoop(
    {
      origin: job.url,
      path: '/_bulk',
      headers: {
        authorization: `ApiKey ${job.token}`,
        'content-type': 'application/x-ndjson',
        ...(job.gzip ? { 'content-encoding': 'gzip' } : {}),
      },
      gzip: job.gzip,
      gzipLevel: job.gzipLevel,
      inFlight: IN_FLIGHT,
      batchMaxBytes: BATCH_MAX_BYTES,
      batchMaxCount: BATCH_MAX_COUNT,
      sizeOf: (record) => encoder.sizeOf(record),
      encode: (batch) => Buffer.from(encoder.encodeBatch(batch, Date.now()), 'utf8'),
      check: (status, text) => {
        if (status !== 200 || !text.includes('"errors":false')) {
          throw new Error(`Elasticsearch answered ${status}: ${text.slice(0, 300)}`);
        }
      },
    },
    generate(pool, job.records),
  );
}

async function parent(): Promise<void> {
  const rx = await startEsReceiver({ store: 'count' });
  const apiKey = rx.apiKey!;
  const ALL_VARIANTS: Variant[] = [
    { name: 'sink-gzip', kind: 'sink', gzip: true },
    { name: 'baseline-gzip', kind: 'baseline', gzip: true },
    { name: 'sink-plain', kind: 'sink', gzip: false },
    { name: 'baseline-plain', kind: 'baseline', gzip: false },
  ];
  const variants = ALL_VARIANTS.filter((v) => ONLY === undefined || ONLY.includes(v.name));
  let results: Awaited<ReturnType<typeof measureVariants>>;
  try {
    // The receiver is a Node process too: warm its JIT so the first variant is not penalised.
    for (const gz of [true, false]) {
      await rx.clearDocs();
      await runChild<Variant>(SCRIPT, {
        name: 'warm-up',
        kind: 'baseline',
        gzip: gz,
        url: rx.url,
        token: apiKey,
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
      target: () => ({ url: rx.url, token: apiKey }),
      // Every child sends the same event ids: a fresh store, so each is created, not a 409.
      beforeChild: () => rx.clearDocs(),
      counted: async () => {
        const s = await rx.stats();
        return { count: s.created, wireBytes: s.wireBytes };
      },
      shortfall: (v, got, want) => `${v.name}: the receiver created ${got} of ${want} documents`,
    });
  } finally {
    await rx.stop();
  }

  printTable({
    title:
      `simulator_to_elasticsearch: ${RECORDS} records, median of ${RUNS} runs, gzip level ${GZIP_LEVEL}, ` +
      `batches ${BATCH_MAX_BYTES} B / ${BATCH_MAX_COUNT}, ${IN_FLIGHT} in flight, Node ${process.version}`,
    variants,
    results,
    records: RECORDS,
    nameWidth: 15,
    baselineOf: (v) => (v.gzip ? 'baseline-gzip' : 'baseline-plain'),
  });
}

const job = childJob<Variant>(args);
if (job) await child(job, runSink, runBaseline);
else await parent();
