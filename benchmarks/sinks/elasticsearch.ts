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
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Pool } from 'undici';
import type { PipelineRecord } from '../../src/core/record.js';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
import { BulkEncoder } from '../../src/sinks/elasticsearch/bulk-encoder.js';
import { DEFAULT_ES_INDEX } from '../../src/sinks/elasticsearch/config.js';
import {
  createElasticsearchSink,
  elasticsearchSinkConfigSchema,
} from '../../src/sinks/elasticsearch/index.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { writeAll } from '../../test/helpers/write-all.js';
import { startEsReceiver } from '../../test/infra/es-receiver.js';
import { generate, makePool, type Template } from '../lib/bench-records.js';

interface Variant {
  readonly name: string;
  readonly kind: 'sink' | 'baseline';
  readonly gzip: boolean;
}

interface ChildJob extends Variant {
  readonly url: string;
  readonly apiKey: string;
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
const ONLY = args.get('variants')?.split(',');
/** The sink's defaults, used by the baseline too. */
const BATCH_MAX_BYTES = 5_000_000;
const BATCH_MAX_COUNT = 1000;
const IN_FLIGHT = 4;
const WARM_UP_RECORDS = 20_000;

async function runSink(job: ChildJob, pool: Template[]): Promise<void> {
  const config = elasticsearchSinkConfigSchema.parse({
    type: 'elasticsearch',
    url: job.url,
    apiKey: { value: job.apiKey },
    gzip: job.gzip,
    gzipLevel: job.gzipLevel,
    batchMaxBytes: BATCH_MAX_BYTES,
    batchMaxCount: BATCH_MAX_COUNT,
    maxInFlightRequests: IN_FLIGHT,
  });
  const deadLetter = new MemoryDeadLetter();
  const sink = createElasticsearchSink(config, {
    logger: silentLogger(),
    metrics: new Metrics(),
    deadLetter,
    signal: new AbortController().signal,
  });
  await sink.start();
  await writeAll(sink, generate(pool, job.records));
  if (deadLetter.count > 0) throw new Error(`${deadLetter.count} records dead-lettered`);
}

/** The minimal loop: same bulk bodies, POSTed with IN_FLIGHT requests at a time. */
async function runBaseline(job: ChildJob, pool: Template[]): Promise<void> {
  const encoder = new BulkEncoder(DEFAULT_ES_INDEX);
  const gzipAsync = promisify(gzip);
  const client = new Pool(job.url, { connections: IN_FLIGHT });
  const headers: Record<string, string> = {
    authorization: `ApiKey ${job.apiKey}`,
    'content-type': 'application/x-ndjson',
    ...(job.gzip ? { 'content-encoding': 'gzip' } : {}),
  };
  const inFlight = new Set<Promise<void>>();
  const post = async (batch: PipelineRecord[]) => {
    const raw = Buffer.from(encoder.encodeBatch(batch, Date.now()), 'utf8');
    const body = job.gzip ? await gzipAsync(raw, { level: job.gzipLevel }) : raw;
    const res = await client.request({ method: 'POST', path: '/_bulk', headers, body });
    const text = await res.body.text();
    if (res.statusCode !== 200 || !text.includes('"errors":false')) {
      throw new Error(`Elasticsearch answered ${res.statusCode}: ${text.slice(0, 300)}`);
    }
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
  const rx = await startEsReceiver({ store: 'count' });
  const apiKey = rx.apiKey!;
  const ALL_VARIANTS: Variant[] = [
    { name: 'sink-gzip', kind: 'sink', gzip: true },
    { name: 'baseline-gzip', kind: 'baseline', gzip: true },
    { name: 'sink-plain', kind: 'sink', gzip: false },
    { name: 'baseline-plain', kind: 'baseline', gzip: false },
  ];
  const variants = ALL_VARIANTS.filter((v) => ONLY === undefined || ONLY.includes(v.name));
  const results = new Map<string, Array<ChildResult & { wireBytes: number }>>();
  try {
    // The receiver is a Node process too: warm its JIT so the first variant is not penalised.
    for (const gz of [true, false]) {
      await rx.clearDocs();
      await runChild({
        name: 'warm-up',
        kind: 'baseline',
        gzip: gz,
        url: rx.url,
        apiKey,
        records: WARM_UP_RECORDS,
        gzipLevel: GZIP_LEVEL,
      });
    }
    for (let run = 1; run <= RUNS; run++) {
      for (const v of variants) {
        // Every child sends the same event ids: a fresh store, so each is created, not a 409.
        await rx.clearDocs();
        const before = await rx.stats();
        const r = await runChild({ ...v, url: rx.url, apiKey, records: RECORDS, gzipLevel: GZIP_LEVEL });
        const after = await rx.stats();
        if (after.created - before.created !== RECORDS) {
          throw new Error(
            `${v.name}: the receiver created ${after.created - before.created} of ${RECORDS} documents`,
          );
        }
        const list = results.get(v.name) ?? [];
        list.push({ ...r, wireBytes: after.wireBytes - before.wireBytes });
        results.set(v.name, list);
        process.stderr.write(`run ${run} ${v.name}: ${(RECORDS / r.seconds).toFixed(0)} events/s\n`);
      }
    }
  } finally {
    await rx.stop();
  }

  console.log(
    `\nsimulator_to_elasticsearch: ${RECORDS} records, median of ${RUNS} runs, gzip level ${GZIP_LEVEL}, ` +
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
