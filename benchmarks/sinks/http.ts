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
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Pool } from 'undici';
import type { PipelineRecord } from '../../src/core/record.js';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
import { createHttpSink, httpSinkConfigSchema } from '../../src/sinks/http/index.js';
import { PRESETS } from '../../src/sinks/http/presets/index.js';
import { jsonLines } from '../../src/sinks/shared/json-lines.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { writeAll } from '../../test/helpers/write-all.js';
import { type HttpReceiver, startHttpReceiver } from '../../test/infra/http-receivers.js';
import { generate, makePool, type Template } from '../lib/bench-records.js';

type Preset = 'ndjson' | 'datadog';

interface Variant {
  readonly name: string;
  readonly kind: 'sink' | 'baseline';
  readonly preset: Preset;
  readonly gzip: boolean;
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
const ONLY = args.get('variants')?.split(',');
/** The ndjson preset's defaults; datadog's are its own (4 MB / 1000), used by its baseline too. */
const IN_FLIGHT = 4;
const WARM_UP_RECORDS = 20_000;

// --- child: one measurement -------------------------------------------------------------------------

function limitsOf(preset: Preset): { bytes: number; count: number } {
  const l = PRESETS[preset].limits;
  return { bytes: l.batchBytes, count: l.batchCount };
}

async function runSink(job: ChildJob, pool: Template[]): Promise<void> {
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
  const deadLetter = new MemoryDeadLetter();
  const sink = createHttpSink(config, {
    logger: silentLogger(),
    metrics: new Metrics(),
    deadLetter,
    signal: new AbortController().signal,
  });
  await sink.start();
  await writeAll(sink, generate(pool, job.records));
  if (deadLetter.count > 0) throw new Error(`${deadLetter.count} records dead-lettered`);
}

/** The minimal loop: same batches and body bytes, POSTed with IN_FLIGHT requests at a time. */
async function runBaseline(job: ChildJob, pool: Template[]): Promise<void> {
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
  const gzipAsync = promisify(gzip);
  const url = new URL(job.url);
  const client = new Pool(url.origin, { connections: IN_FLIGHT });
  const headers: Record<string, string> = {
    'content-type': job.preset === 'ndjson' ? 'application/x-ndjson' : 'application/json',
    ...(job.preset === 'datadog' ? { 'dd-api-key': job.token } : {}),
    ...(job.gzip ? { 'content-encoding': 'gzip' } : {}),
  };
  const inFlight = new Set<Promise<void>>();
  const post = async (batch: PipelineRecord[]) => {
    const raw = encode(batch);
    const body = job.gzip ? await gzipAsync(raw, { level: job.gzipLevel }) : raw;
    const res = await client.request({ method: 'POST', path: url.pathname, headers, body });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`receiver answered ${res.statusCode}: ${text}`);
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
    const size = prepared.entryBytes(record) + 1;
    if (batch.length > 0 && bytes + size > maxBytes) await flush();
    batch.push(record);
    bytes += size;
    if (batch.length >= maxCount || bytes >= maxBytes) await flush();
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
  const results = new Map<string, Array<ChildResult & { wireBytes: number }>>();
  try {
    // Warm the receivers' JIT so the first variant measured is not penalised.
    for (const [p, rx] of receivers) {
      await runChild({
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
    for (let run = 1; run <= RUNS; run++) {
      for (const v of variants) {
        const rx = receivers.get(v.preset)!;
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
            `${v.name}: the receiver took ${after.events - before.events} of ${RECORDS} records`,
          );
        }
        const list = results.get(v.name) ?? [];
        list.push({ ...r, wireBytes: after.wireBytes - before.wireBytes });
        results.set(v.name, list);
        process.stderr.write(`run ${run} ${v.name}: ${(RECORDS / r.seconds).toFixed(0)} events/s\n`);
      }
    }
  } finally {
    await Promise.all([...receivers.values()].map((rx) => rx.stop()));
  }

  console.log(
    `\nsimulator_to_http: ${RECORDS} records, median of ${RUNS} runs, gzip level ${GZIP_LEVEL}, ` +
      `${IN_FLIGHT} in flight, the presets' batch limits, Node ${process.version}\n`,
  );
  console.log(
    'variant                 events/s   MiB/s  wire MiB  cpu s  events/cpu s  peak RSS MiB  vs baseline (wall, cpu)',
  );
  const perWall = (rs: ChildResult[]) => median(rs.map((r) => RECORDS / r.seconds));
  const perCpu = (rs: ChildResult[]) => median(rs.map((r) => RECORDS / r.cpuSeconds));
  for (const v of variants) {
    const list = results.get(v.name)!;
    const eps = perWall(list);
    const epc = perCpu(list);
    const mibs = median(list.map((r) => r.recordBytes / MiB / r.seconds));
    const base = results.get(v.name.replace(/^sink-/, 'baseline-'));
    const ratios =
      v.kind === 'baseline' || base === undefined
        ? ''
        : `${(eps / perWall(base)).toFixed(2).padStart(12)} ${(epc / perCpu(base)).toFixed(2).padStart(5)}`;
    console.log(
      `${v.name.padEnd(22)} ${eps.toFixed(0).padStart(9)} ${mibs.toFixed(1).padStart(7)} ` +
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
