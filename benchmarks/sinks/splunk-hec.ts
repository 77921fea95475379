/**
 * Scenario simulator_to_splunk_hec: the splunk-hec sink against the HEC contract receiver on
 * loopback, with and without gzip and indexer acknowledgement, next to a baseline measured in
 * the same run: the same batches (same records, same envelope bytes, same gzip level) posted by a
 * minimal undici loop with as many requests in flight (no Writable, no retry policy, no acks).
 *
 *   node --import tsx benchmarks/sinks/splunk-hec.ts [--records=200000] [--runs=3] [--gzipLevel=3]
 *     [--variants=sink-gzip,baseline-gzip,sink-gzip-ack,sink-plain,baseline-plain,sink-plain-ack]
 *
 *   parent ── starts two receivers (HEC_STORE=count: they parse and validate every event and keep
 *   │         totals; one with indexer acknowledgement, one without)
 *     └─ for each run and variant: a child process (so peak RSS is its own)
 *          sink      records (1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE, mixed UTF-8, made on the
 *                    fly from a pool, each carrying `lineBytes` as records from the pipeline's
 *                    splitter do) -> splunk-hec sink (written as the pipeline does) -> receiver; to 'finish'
 *                    (with acks: until every batch was reported indexed; polls every 100 ms here)
 *          baseline  the same generator cut into the same batches (HecEnvelopeEncoder, batchMaxBytes,
 *                    batchMaxCount), gzip as configured, POSTed by an undici Pool, 4 at a time
 *
 * Prints per variant the median over the runs of events/s, record MiB/s (JSON lines, the unit the
 * pipeline counts), wire MiB per run, the child's CPU seconds (from the start of the timed part, so
 * module loading is left out) and events per CPU second, peak RSS, and the sink/baseline ratios per
 * wall second and per CPU second (the wall one moves with the machine's load, the CPU one much less). The receiver checks every run delivered every event exactly as many times as sent.
 * The receiver (one Node process parsing every event) is the ceiling for both sides.
 */
import { fileURLToPath } from 'node:url';
import { HecEnvelopeEncoder } from '../../src/sinks/splunk-hec/envelope.js';
import { createSplunkHecSink, splunkHecSinkConfigSchema } from '../../src/sinks/splunk-hec/index.js';
import { type HecReceiver, startHecReceiver } from '../../test/infra/hec-receiver.js';
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

interface Variant extends BenchVariant {
  readonly ack: boolean;
}

const args = benchArgs();
const { records: RECORDS, runs: RUNS, gzipLevel: GZIP_LEVEL, only: ONLY } = benchSettings(args);
/** The sink's defaults, used by the baseline too. */
const BATCH_MAX_BYTES = 1_000_000;
const BATCH_MAX_COUNT = 1000;
const IN_FLIGHT = 4;
const WARM_UP_RECORDS = 20_000;
const SCRIPT = fileURLToPath(import.meta.url);

// --- child: one measurement -------------------------------------------------------------------------

async function runSink(job: ChildJob<Variant>, pool: Template[]): Promise<void> {
  const config = splunkHecSinkConfigSchema.parse({
    type: 'splunk-hec',
    url: job.url,
    token: { value: job.token },
    host: 'bench-host',
    gzip: job.gzip,
    gzipLevel: job.gzipLevel,
    useAck: job.ack,
    ackPollIntervalMs: 100,
    batchMaxBytes: BATCH_MAX_BYTES,
    batchMaxCount: BATCH_MAX_COUNT,
    maxInFlightRequests: IN_FLIGHT,
  });
  await driveSink((ctx) => createSplunkHecSink(config, ctx), generate(pool, job.records));
}

/** The minimal loop: same batches and bytes, POSTed with IN_FLIGHT requests at a time. */
async function runBaseline(job: ChildJob<Variant>, pool: Template[]): Promise<void> {
  const encoder = new HecEnvelopeEncoder({
    host: 'bench-host',
    source: 'openai:compliance',
    sourcetype: undefined,
    index: undefined,
    indexByEventType: {},
  });
  await undiciLoop(
    {
      origin: job.url,
      path: '/services/collector/event',
      headers: {
        authorization: `Splunk ${job.token}`,
        'content-type': 'application/json',
        'x-splunk-request-channel': crypto.randomUUID(),
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
        if (status !== 200) throw new Error(`HEC answered ${status}: ${text}`);
      },
    },
    generate(pool, job.records),
  );
}

// --- parent -------------------------------------------------------------------------------------

async function parent(): Promise<void> {
  const [plain, acking] = await Promise.all([
    startHecReceiver({ store: 'count' }),
    startHecReceiver({ store: 'count', ack: true }),
  ]);
  const ALL_VARIANTS: Variant[] = [
    { name: 'sink-gzip', kind: 'sink', gzip: true, ack: false },
    { name: 'baseline-gzip', kind: 'baseline', gzip: true, ack: false },
    { name: 'sink-gzip-ack', kind: 'sink', gzip: true, ack: true },
    { name: 'sink-plain', kind: 'sink', gzip: false, ack: false },
    { name: 'baseline-plain', kind: 'baseline', gzip: false, ack: false },
    { name: 'sink-plain-ack', kind: 'sink', gzip: false, ack: true },
  ];
  const variants = ALL_VARIANTS.filter((v) => ONLY === undefined || ONLY.includes(v.name));
  const receiverOf = (v: Variant): HecReceiver => (v.ack ? acking : plain);
  let results: Awaited<ReturnType<typeof measureVariants>>;
  try {
    // The receivers are Node processes too: warm their JIT so the first variant measured is not
    // penalised (a cold receiver halves the first run's rate).
    for (const rx of [plain, acking]) {
      for (const gz of [true, false]) {
        await runChild<Variant>(SCRIPT, {
          name: 'warm-up',
          kind: 'baseline',
          gzip: gz,
          ack: false,
          url: rx.url,
          token: rx.token,
          records: WARM_UP_RECORDS,
          gzipLevel: GZIP_LEVEL,
        });
      }
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
      shortfall: (v, got, want) => `${v.name}: the receiver indexed ${got} of ${want} events`,
    });
  } finally {
    await Promise.all([plain.stop(), acking.stop()]);
  }

  printTable({
    title:
      `simulator_to_splunk_hec: ${RECORDS} records, median of ${RUNS} runs, gzip level ${GZIP_LEVEL}, ` +
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
