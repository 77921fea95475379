import { spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { Pool } from 'undici';
import type { PipelineRecord } from '../../src/core/record.js';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
import type { Sink, SinkContext } from '../../src/sinks/shared/contract.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { writeAll } from '../../test/helpers/write-all.js';
import { makePool, type Template } from './bench-records.js';

/**
 * What the HTTP sinks' benches (benchmarks/sinks/elasticsearch.ts, http.ts, splunk-hec.ts) share:
 * each variant measured in a child process of the bench's own script (so CPU and peak RSS are its
 * own), the minimal undici loop that posts the sink's batches N at a time as the baseline, and the
 * table of medians the scenarios read. Each bench brings its sink, its encoder and its wire.
 */
export interface BenchVariant {
  readonly name: string;
  readonly kind: 'sink' | 'baseline';
  readonly gzip: boolean;
}

/** One child's measurement; `token` is the receiver's credential whatever the wire calls it. */
export type ChildJob<V extends BenchVariant> = V & {
  readonly url: string;
  readonly token: string;
  readonly records: number;
  readonly gzipLevel: number;
};

export interface ChildResult {
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
  readonly recordBytes: number;
}

/** The settings every HTTP sink bench takes: --records, --runs, --gzipLevel, --variants. */
export function benchSettings(args: Map<string, string>): {
  records: number;
  runs: number;
  gzipLevel: number;
  /** Comma-separated variant names to run (all by default). */
  only: string[] | undefined;
} {
  return {
    records: Number(args.get('records') ?? 200_000),
    runs: Number(args.get('runs') ?? 3),
    gzipLevel: Number(args.get('gzipLevel') ?? 3),
    only: args.get('variants')?.split(','),
  };
}

/** The sink as the pipeline writes it, to 'finish'; a dead-lettered record fails the run. */
export async function driveSink(
  create: (ctx: SinkContext) => Sink,
  records: Iterable<PipelineRecord>,
): Promise<void> {
  const deadLetter = new MemoryDeadLetter();
  const sink = create({
    logger: silentLogger(),
    metrics: new Metrics(),
    deadLetter,
    signal: new AbortController().signal,
  });
  await sink.start();
  await writeAll(sink, records);
  if (deadLetter.count > 0) throw new Error(`${deadLetter.count} records dead-lettered`);
}

type Run<V extends BenchVariant> = (job: ChildJob<V>, pool: Template[]) => Promise<void>;

/** In the child: run the sink or the baseline over the job's records and print what it took. */
export async function child<V extends BenchVariant>(
  job: ChildJob<V>,
  runSink: Run<V>,
  runBaseline: Run<V>,
): Promise<void> {
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

/** In the parent: run `script` (the bench itself) as a child on one job. */
export function runChild<V extends BenchVariant>(script: string, job: ChildJob<V>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ['--import', 'tsx', script, `--child=${Buffer.from(JSON.stringify(job)).toString('base64')}`],
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

/** The job a child was given (--child=<base64 JSON>), or undefined in the parent. */
export function childJob<V extends BenchVariant>(args: Map<string, string>): ChildJob<V> | undefined {
  const arg = args.get('child');
  return arg ? (JSON.parse(Buffer.from(arg, 'base64').toString('utf8')) as ChildJob<V>) : undefined;
}

export interface UndiciLoop {
  /** The receiver's origin and the path posted to. */
  readonly origin: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly gzip: boolean;
  readonly gzipLevel: number;
  readonly inFlight: number;
  readonly batchMaxBytes: number;
  readonly batchMaxCount: number;
  /** What a record adds to a batch, as the sink counts it. */
  sizeOf(record: PipelineRecord): number;
  encode(batch: PipelineRecord[]): Buffer;
  /** Throws when the answer is not a success. */
  check(statusCode: number, text: string): void;
}

/** The baseline: the sink's batches and bytes, POSTed by an undici Pool with `inFlight` at a time. */
export async function undiciLoop(loop: UndiciLoop, records: Iterable<PipelineRecord>): Promise<void> {
  const gzipAsync = promisify(gzip);
  const client = new Pool(loop.origin, { connections: loop.inFlight });
  const inFlight = new Set<Promise<void>>();
  const post = async (batch: PipelineRecord[]) => {
    const raw = loop.encode(batch);
    const body = loop.gzip ? await gzipAsync(raw, { level: loop.gzipLevel }) : raw;
    const res = await client.request({ method: 'POST', path: loop.path, headers: loop.headers, body });
    loop.check(res.statusCode, await res.body.text());
  };
  let batch: PipelineRecord[] = [];
  let bytes = 0;
  const flush = async () => {
    const p = post(batch).finally(() => inFlight.delete(p));
    inFlight.add(p);
    batch = [];
    bytes = 0;
    if (inFlight.size >= loop.inFlight) await Promise.race(inFlight);
  };
  for (const record of records) {
    const size = loop.sizeOf(record);
    if (batch.length > 0 && bytes + size > loop.batchMaxBytes) await flush();
    batch.push(record);
    bytes += size;
    if (batch.length >= loop.batchMaxCount || bytes >= loop.batchMaxBytes) await flush();
  }
  if (batch.length > 0) await flush();
  await Promise.all(inFlight);
  await client.close();
}

/** A receiver as the parent measures it: what it has taken so far. */
export interface Counted {
  readonly count: number;
  readonly wireBytes: number;
}

export interface MeasureSpec<V extends BenchVariant> {
  readonly script: string;
  readonly variants: readonly V[];
  readonly runs: number;
  readonly records: number;
  readonly gzipLevel: number;
  /** Where a variant posts: its receiver's url and credential. */
  target(v: V): { url: string; token: string };
  /** Called before each child (e.g. to clear a store that refuses the same ids twice). */
  beforeChild?(v: V): Promise<void>;
  /** The receiver's totals for a variant. */
  counted(v: V): Promise<Counted>;
  /** The error when a run delivered `got` of `want`. */
  shortfall(v: V, got: number, want: number): string;
}

export type Measured = Map<string, Array<ChildResult & { wireBytes: number }>>;

/** Every run of every variant, each checked against the receiver's count. */
export async function measureVariants<V extends BenchVariant>(spec: MeasureSpec<V>): Promise<Measured> {
  const results: Measured = new Map();
  for (let run = 1; run <= spec.runs; run++) {
    for (const v of spec.variants) {
      await spec.beforeChild?.(v);
      const before = await spec.counted(v);
      const r = await runChild(spec.script, {
        ...v,
        ...spec.target(v),
        records: spec.records,
        gzipLevel: spec.gzipLevel,
      });
      const after = await spec.counted(v);
      if (after.count - before.count !== spec.records) {
        throw new Error(spec.shortfall(v, after.count - before.count, spec.records));
      }
      const list = results.get(v.name) ?? [];
      list.push({ ...r, wireBytes: after.wireBytes - before.wireBytes });
      results.set(v.name, list);
      process.stderr.write(`run ${run} ${v.name}: ${(spec.records / r.seconds).toFixed(0)} events/s\n`);
    }
  }
  return results;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const MiB = 1024 * 1024;

export interface Table<V extends BenchVariant> {
  /** The line above the table (scenario, sizes, settings). */
  readonly title: string;
  readonly variants: readonly V[];
  readonly results: Measured;
  readonly records: number;
  /** The width of the variant column. */
  readonly nameWidth: number;
  /** The baseline variant a sink variant is compared with. */
  baselineOf(v: V): string;
}

/** The table of medians the scenarios parse: one row per variant, the sink/baseline ratios last. */
export function printTable<V extends BenchVariant>(t: Table<V>): void {
  console.log(`\n${t.title}\n`);
  console.log(
    `${'variant'.padEnd(t.nameWidth + 2)}events/s   MiB/s  wire MiB  cpu s  events/cpu s  peak RSS MiB  vs baseline (wall, cpu)`,
  );
  const perWall = (rs: ChildResult[]) => median(rs.map((r) => t.records / r.seconds));
  const perCpu = (rs: ChildResult[]) => median(rs.map((r) => t.records / r.cpuSeconds));
  for (const v of t.variants) {
    const list = t.results.get(v.name)!;
    const eps = perWall(list);
    const epc = perCpu(list);
    const mibs = median(list.map((r) => r.recordBytes / MiB / r.seconds));
    const base = t.results.get(t.baselineOf(v));
    const ratios =
      v.kind === 'baseline' || base === undefined
        ? ''
        : `${(eps / perWall(base)).toFixed(2).padStart(12)} ${(epc / perCpu(base)).toFixed(2).padStart(5)}`;
    console.log(
      `${v.name.padEnd(t.nameWidth)} ${eps.toFixed(0).padStart(9)} ${mibs.toFixed(1).padStart(7)} ` +
        `${(median(list.map((r) => r.wireBytes)) / MiB).toFixed(1).padStart(9)} ` +
        `${median(list.map((r) => r.cpuSeconds))
          .toFixed(2)
          .padStart(6)} ${epc.toFixed(0).padStart(13)} ` +
        `${(median(list.map((r) => r.maxRssBytes)) / MiB).toFixed(0).padStart(13)} ${ratios}`,
    );
  }
}
