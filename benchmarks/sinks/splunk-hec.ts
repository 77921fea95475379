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
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Pool } from 'undici';
import type { PipelineRecord } from '../../src/core/record.js';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
import { HecEnvelopeEncoder } from '../../src/sinks/splunk-hec/envelope.js';
import { createSplunkHecSink, splunkHecSinkConfigSchema } from '../../src/sinks/splunk-hec/index.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { writeAll } from '../../test/helpers/write-all.js';
import { type HecReceiver, startHecReceiver } from '../../test/infra/hec-receiver.js';
import { generate, makePool, type Template } from '../lib/bench-records.js';

interface Variant {
  readonly name: string;
  readonly kind: 'sink' | 'baseline';
  readonly gzip: boolean;
  readonly ack: boolean;
}

interface ChildJob extends Variant {
  readonly url: string;
  readonly token: string;
  readonly records: number;
  readonly gzipLevel: number;
}

interface ChildResult {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
  readonly recordBytes: number;
}

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v = ''] = a.replace(/^--/, '').split('=');
    return [k ?? '', v];
  }),
);
const RECORDS = Number(args.get('records') ?? 200_000);
const RUNS = Number(args.get('runs') ?? 3);
const GZIP_LEVEL = Number(args.get('gzipLevel') ?? 3);
/** Comma-separated variant names to run (all by default), e.g. --variants=sink-gzip-ack,baseline-gzip */
const ONLY = args.get('variants')?.split(',');
/** The sink's defaults, used by the baseline too. */
const BATCH_MAX_BYTES = 1_000_000;
const BATCH_MAX_COUNT = 1000;
const IN_FLIGHT = 4;
const WARM_UP_RECORDS = 20_000;

// --- child: one measurement -------------------------------------------------------------------------

async function runSink(job: ChildJob, pool: Template[]): Promise<void> {
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
  const deadLetter = new MemoryDeadLetter();
  const sink = createSplunkHecSink(config, {
    logger: silentLogger(),
    metrics: new Metrics(),
    deadLetter,
    signal: new AbortController().signal,
  });
  await sink.start();
  await writeAll(sink, generate(pool, job.records));
  if (deadLetter.count > 0) throw new Error(`${deadLetter.count} records dead-lettered`);
}

/** The minimal loop: same batches and bytes, POSTed with IN_FLIGHT requests at a time. */
async function runBaseline(job: ChildJob, pool: Template[]): Promise<void> {
  const encoder = new HecEnvelopeEncoder({
    host: 'bench-host',
    source: 'openai:compliance',
    sourcetype: undefined,
    index: undefined,
    indexByEventType: {},
  });
  const gzipAsync = promisify(gzip);
  const client = new Pool(job.url, { connections: IN_FLIGHT });
  const headers: Record<string, string> = {
    authorization: `Splunk ${job.token}`,
    'content-type': 'application/json',
    'x-splunk-request-channel': crypto.randomUUID(),
    ...(job.gzip ? { 'content-encoding': 'gzip' } : {}),
  };
  const inFlight = new Set<Promise<void>>();
  const post = async (batch: PipelineRecord[]) => {
    const raw = Buffer.from(encoder.encodeBatch(batch, Date.now()), 'utf8');
    const body = job.gzip ? await gzipAsync(raw, { level: job.gzipLevel }) : raw;
    const res = await client.request({ method: 'POST', path: '/services/collector/event', headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`HEC answered ${res.statusCode}: ${text}`);
  };
  let batch: PipelineRecord[] = [];
  let bytes = 0;
  const flush = async () => {
    const p = post(batch).finally(() => inFlight.delete(p));
    inFlight.add(p);
    batch = [];
    bytes = 0;
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  };
  for (const record of generate(pool, job.records)) {
    const size = encoder.sizeOf(record);
    if (batch.length > 0 && bytes + size > BATCH_MAX_BYTES) await flush();
    batch.push(record);
    bytes += size;
    if (batch.length >= BATCH_MAX_COUNT || bytes >= BATCH_MAX_BYTES) await flush();
  }
  if (batch.length > 0) await flush();
  await Promise.all(inFlight);
  await client.close();
}

async function child(job: ChildJob): Promise<void> {
  const pool = makePool();
  const recordBytes = Math.round((pool.reduce((n, t) => n + t.bytes, 0) / pool.length) * job.records);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  if (job.kind === 'sink') await runSink(job, pool);
  else await runBaseline(job, pool);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const result: ChildResult = {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    recordBytes,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// --- parent -------------------------------------------------------------------------------------

function runChild(job: ChildJob): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        `--child=${Buffer.from(JSON.stringify(job)).toString('base64')}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult)
        : reject(new Error(`child ${job.name} exited ${code}`)),
    );
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MiB = 1024 * 1024;

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
  const results = new Map<string, Array<ChildResult & { wireBytes: number }>>();
  try {
    // The receivers are Node processes too: warm their JIT so the first variant measured is not
    // penalised (a cold receiver halves the first run's rate).
    for (const rx of [plain, acking]) {
      for (const gz of [true, false]) {
        await runChild({
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
    for (let run = 1; run <= RUNS; run++) {
      for (const v of variants) {
        const rx: HecReceiver = v.ack ? acking : plain;
        const before = await rx.stats();
        const r = await runChild({
          ...v,
          url: rx.url,
          token: rx.token,
          records: RECORDS,
          gzipLevel: GZIP_LEVEL,
        });
        const after = await rx.stats();
        if (after.events - before.events !== RECORDS) {
          throw new Error(
            `${v.name}: the receiver indexed ${after.events - before.events} of ${RECORDS} events`,
          );
        }
        const list = results.get(v.name) ?? [];
        list.push({ ...r, wireBytes: after.wireBytes - before.wireBytes });
        results.set(v.name, list);
        process.stderr.write(`run ${run} ${v.name}: ${(RECORDS / r.seconds).toFixed(0)} events/s\n`);
      }
    }
  } finally {
    await Promise.all([plain.stop(), acking.stop()]);
  }

  console.log(
    `\nsimulator_to_splunk_hec: ${RECORDS} records, median of ${RUNS} runs, gzip level ${GZIP_LEVEL}, ` +
      `batches ${BATCH_MAX_BYTES} B / ${BATCH_MAX_COUNT}, ${IN_FLIGHT} in flight, Node ${process.version}\n`,
  );
  console.log(
    'variant          events/s   MiB/s  wire MiB  cpu s  events/cpu s  peak RSS MiB  vs baseline (wall, cpu)',
  );
  const perWall = (rs: ChildResult[]) => median(rs.map((r) => RECORDS / r.seconds));
  const perCpu = (rs: ChildResult[]) => median(rs.map((r) => RECORDS / r.cpuSeconds));
  for (const v of variants) {
    const list = results.get(v.name)!;
    const eps = perWall(list);
    const epc = perCpu(list);
    const mibs = median(list.map((r) => r.recordBytes / MiB / r.seconds));
    const base = results.get(v.gzip ? 'baseline-gzip' : 'baseline-plain');
    const ratios =
      v.kind === 'baseline' || base === undefined
        ? ''
        : `${(eps / perWall(base)).toFixed(2).padStart(12)} ${(epc / perCpu(base)).toFixed(2).padStart(5)}`;
    console.log(
      `${v.name.padEnd(15)} ${eps.toFixed(0).padStart(9)} ${mibs.toFixed(1).padStart(7)} ` +
        `${(median(list.map((r) => r.wireBytes)) / MiB).toFixed(1).padStart(9)} ` +
        `${median(list.map((r) => r.cpuSeconds))
          .toFixed(2)
          .padStart(6)} ${epc.toFixed(0).padStart(13)} ` +
        `${(median(list.map((r) => r.maxRssBytes)) / MiB).toFixed(0).padStart(13)} ${ratios}`,
    );
  }
}

const childArg = args.get('child');
if (childArg) await child(JSON.parse(Buffer.from(childArg, 'base64').toString('utf8')) as ChildJob);
else await parent();
