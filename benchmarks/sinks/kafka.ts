/**
 * Scenario simulator_to_kafka: the kafka sink producing into a Kafka-protocol broker on loopback
 * (kmock), next to the C client's ceiling measured in the same run on the same records: `kcat -P`
 * (librdkafka) with the same acks, idempotence and compression.
 *
 *   node --import tsx benchmarks/sinks/kafka.ts [--records=200000] [--runs=3] [--compression=gzip]
 *
 *   parent ── starts kmock (3 brokers); per run, per variant, a fresh 3-partition topic
 *     ├─ sink   a child process (its own peak RSS): records (1-2 KB AUDIT_LOG and
 *     │         CONVERSATION_MESSAGE lines, made on the fly from a pool, held as UTF-8 bytes with
 *     │         their size as the splitter's records are: `line` is decoded only if read)
 *     │         -> kafka sink (write() per record, as the pipeline does), timed from
 *     │         start() to 'finish' (every record acknowledged by the broker); its CPU is counted
 *     │         over the same span (module loading left out)
 *     └─ kcat   `kcat -P -K '\t'` fed the same lines (key = event_id) on stdin, timed from spawn
 *               to exit (kcat flushes and waits for every delivery report before it exits); its
 *               CPU is the whole process's, read from /proc every 20 ms (start-up included, the
 *               lines' generation in this parent not)
 *
 * Prints the median over the runs of events/s, record MiB/s (the JSON lines, the unit the pipeline
 * counts), CPU seconds, events per CPU second and peak RSS per variant, and the sink/kcat ratios per
 * wall second and per CPU second. Every run is checked:
 * the topic's high watermarks must add up to exactly the records sent. kcat carries no headers
 * (it cannot set them per record); the sink adds four (~120 bytes per record).
 *
 * For experiments: CF_BENCH_KAFKA_EXTRA='{"batchMaxBytes":4194304}' adds sink settings (the figures
 * then describe that configuration, not the defaults); CF_BENCH_CPU_PROF=<dir> writes a V8 CPU
 * profile of each sink child there.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import type { Delivery, PipelineRecord, SourceRef } from '../../src/core/record.js';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
import { createKafkaSink, kafkaSinkConfigSchema } from '../../src/sinks/kafka/index.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { writeAll } from '../../test/helpers/write-all.js';
import { startKafkaBroker } from '../../test/infra/kafka.js';
import { benchArgs } from '../lib/bench-args.js';

const args = benchArgs();
const RECORDS = Number(args.get('records') ?? 200_000);
const RUNS = Number(args.get('runs') ?? 3);
const COMPRESSION = args.get('compression') ?? 'gzip';
const KCAT_CODEC = COMPRESSION === 'none' ? 'none' : COMPRESSION;

// --- records: a pool of realistic bodies; per record only event_id and timestamp change --------

const WORDS =
  'the quarterly report policy review customer data retention export café naïve résumé 数据 user asked assistant answered'.split(
    ' ',
  );
const SOURCES: SourceRef[] = ['AUDIT_LOG', 'CONVERSATION_MESSAGE'].map((eventType) => ({
  source: 'compliance-logs',
  stream: `workspace/5d0c8a1e-3c1b-4f7e-9a52-2d7f1c0b9e11/${eventType}`,
  principalId: '5d0c8a1e-3c1b-4f7e-9a52-2d7f1c0b9e11',
  principalType: 'CHATGPT_WORKSPACE',
  eventType,
  fileId: `file-${eventType.toLowerCase()}`,
  fileName: `${eventType}_2026-01-15T00:00:00+00:00.jsonl`,
  endTime: '2026-01-15T00:00:00Z',
}));

/** `0d9a5b1c-7e3f-4a21-8c4d-` and 12 hex digits; an ISO timestamp (2026) is 24 characters. */
const EVENT_ID_CHARS = 36;
const TIMESTAMP_CHARS = 24;

/**
 * Bodies split around the two varying fields: parts[0] + id + parts[1] + time + parts[2], with the
 * line's UTF-8 size known once per body (as the splitter knows it in the pipeline).
 */
const POOL: Array<{
  parts: [string, string, string];
  utf8: [Buffer, Buffer, Buffer];
  source: SourceRef;
  bytes: number;
}> = Array.from({ length: 512 }, (_, i) => {
  let seed = i * 7919 + 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const text = Array.from(
    { length: 120 + Math.floor(rand() * 150) },
    () => WORDS[Math.floor(rand() * WORDS.length)],
  ).join(' ');
  const source = SOURCES[i % 2]!;
  const body =
    source.eventType === 'AUDIT_LOG'
      ? {
          event_id: '\u0000',
          type: 'AUDIT_LOG',
          timestamp: '\u0001',
          principal: { id: source.principalId, type: 'CHATGPT_WORKSPACE' },
          actor: {
            type: 'ACCOUNT_USER',
            user_id: `user-${i}`,
            user_email: `user${i}@example.com`,
            ip_address: '203.0.113.7',
          },
          action: 'gpt.updated',
          details: { gpt_id: `g-${i}`, changes: text },
        }
      : {
          event_id: '\u0000',
          type: 'CONVERSATION_MESSAGE',
          timestamp: '\u0001',
          principal: { id: source.principalId, type: 'CHATGPT_WORKSPACE' },
          conversation_id: `conv-${i}`,
          message: {
            id: `msg-${i}`,
            author: { role: i % 4 === 1 ? 'user' : 'assistant' },
            content: { content_type: 'text', value: text },
          },
        };
  const [a = '', rest = ''] = JSON.stringify(body).split('\\u0000');
  const [b = '', c = ''] = rest.split('\\u0001');
  const bytes = Buffer.byteLength(a) + Buffer.byteLength(b) + Buffer.byteLength(c);
  const utf8: [Buffer, Buffer, Buffer] = [Buffer.from(a), Buffer.from(b), Buffer.from(c)];
  return { parts: [a, b, c], utf8, source, bytes: bytes + EVENT_ID_CHARS + TIMESTAMP_CHARS };
});

function eventId(n: number): string {
  return `0d9a5b1c-7e3f-4a21-8c4d-${n.toString(16).padStart(12, '0')}`;
}
function lineBytes(n: number): number {
  return POOL[n % POOL.length]!.bytes;
}
function line(n: number): string {
  const { parts } = POOL[n % POOL.length]!;
  return parts[0] + eventId(n) + parts[1] + timestamp(n) + parts[2];
}

function timestamp(n: number): string {
  return new Date(1_768_435_200_000 + n).toISOString();
}

/**
 * Record n as the pipeline hands it to a sink: its line held as UTF-8 bytes (as the splitter's
 * view of a download is), copied out by writeUtf8 and decoded only if a stage reads `line`.
 */
class BenchRecord implements PipelineRecord {
  readonly eventId: string;
  readonly timestamp = undefined;
  readonly lineNumber: number;
  readonly source: SourceRef;
  readonly lineBytes: number;
  private text: string | undefined;

  constructor(
    private readonly n: number,
    readonly delivery: Delivery,
  ) {
    const body = POOL[n % POOL.length]!;
    this.eventId = eventId(n);
    this.lineNumber = n + 1;
    this.source = body.source;
    this.lineBytes = body.bytes;
  }

  get line(): string {
    this.text ??= line(this.n);
    return this.text;
  }

  writeUtf8(target: Buffer, offset: number): number {
    const [a, b, c] = POOL[this.n % POOL.length]!.utf8;
    let at = offset + a.copy(target, offset);
    at += target.write(this.eventId, at, 'latin1');
    at += b.copy(target, at);
    at += target.write(timestamp(this.n), at, 'latin1');
    at += c.copy(target, at);
    return at - offset;
  }
}

// The sizes are computed, not measured: check them once, outside any timing.
for (let n = 0; n < POOL.length; n++) {
  if (lineBytes(n) !== Buffer.byteLength(line(n))) throw new Error(`the size of body ${n} is wrong`);
  const bytes = Buffer.alloc(lineBytes(n));
  new BenchRecord(n, { ack() {}, fail() {} }).writeUtf8(bytes, 0);
  if (bytes.toString('utf8') !== line(n)) throw new Error(`the bytes of body ${n} are wrong`);
}

// --- child: the sink --------------------------------------------------------------------------

async function runSinkChild(job: { brokers: string[]; topic: string; records: number }): Promise<void> {
  let acked = 0;
  const delivery: Delivery = { ack: () => void acked++, fail: () => {} };
  const config = kafkaSinkConfigSchema.parse({
    type: 'kafka',
    brokers: job.brokers,
    topic: job.topic,
    compression: COMPRESSION,
    ...JSON.parse(process.env.CF_BENCH_KAFKA_EXTRA ?? '{}'),
  });
  const sink = createKafkaSink(config, {
    logger: silentLogger(),
    metrics: new Metrics(),
    deadLetter: new MemoryDeadLetter(),
    signal: new AbortController().signal,
  });
  let recordBytes = 0;
  function* records(): Generator<PipelineRecord> {
    for (let n = 0; n < job.records; n++) {
      recordBytes += lineBytes(n);
      yield new BenchRecord(n, delivery);
    }
  }
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  await sink.start();
  await writeAll(sink, records());
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  if (acked !== job.records) throw new Error(`acked ${acked} of ${job.records}`);
  process.stdout.write(
    JSON.stringify({
      seconds,
      recordBytes,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

// --- parent -----------------------------------------------------------------------------------

interface Result {
  readonly seconds: number;
  readonly recordBytes: number;
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
}

/** CF_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each sink child there (node --cpu-prof). */
function profileFlags(): string[] {
  const dir = process.env.CF_BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

function runSink(brokers: string[], topic: string): Promise<Result> {
  const job = Buffer.from(JSON.stringify({ brokers, topic, records: RECORDS })).toString('base64url');
  const child = spawn(
    process.execPath,
    [
      ...profileFlags(),
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      `--child=${job}`,
      `--compression=${COMPRESSION}`,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Result) : reject(new Error(`sink child exited ${code}`)),
    ),
  );
}

/** kcat's own CPU and peak RSS, polled from /proc while it runs (it is not a Node process). */
function procUsage(pid: number): { cpuSeconds: number; maxRssBytes: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // A zombie has no VmHWM line any more: keep the last reading then.
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (hwm?.[1] === undefined) return undefined;
    return { cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100, maxRssBytes: Number(hwm[1]) * 1024 };
  } catch {
    return undefined;
  }
}

async function runKcat(bootstrap: string, topic: string): Promise<Result> {
  const started = performance.now();
  const child = spawn(
    'kcat',
    [
      '-P',
      '-b',
      bootstrap,
      '-t',
      topic,
      '-K',
      '\t',
      '-z',
      KCAT_CODEC,
      '-X',
      'acks=all',
      '-X',
      'enable.idempotence=true',
    ],
    { stdio: ['pipe', 'ignore', 'inherit'] },
  );
  let usage = { cpuSeconds: 0, maxRssBytes: 0 };
  const poll = setInterval(() => (usage = procUsage(child.pid!) ?? usage), 20);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let recordBytes = 0;
  async function* lines(): AsyncGenerator<string> {
    let chunk = '';
    for (let n = 0; n < RECORDS; n++) {
      recordBytes += lineBytes(n);
      chunk += `${eventId(n)}\t${line(n)}\n`;
      if (chunk.length > 256 * 1024) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  await pipeline(Readable.from(lines()), child.stdin);
  const code = await exited;
  clearInterval(poll);
  if (code !== 0) throw new Error(`kcat exited ${code}`);
  return { seconds: (performance.now() - started) / 1000, recordBytes, ...usage };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const kafka = await startKafkaBroker();
  const admin = new kafkajs.Kafka({ brokers: kafka.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  const results: Record<'sink' | 'kcat', Result[]> = { sink: [], kcat: [] };
  try {
    for (let run = 1; run <= RUNS; run++) {
      for (const variant of ['sink', 'kcat'] as const) {
        const topic = `bench-${variant}-${run}`;
        await kafka.control(`topic ${topic} 3 3`);
        const r =
          variant === 'sink' ? await runSink(kafka.brokers, topic) : await runKcat(kafka.bootstrap, topic);
        const offsets = await admin.fetchTopicOffsets(topic);
        const stored = offsets.reduce((n, o) => n + Number(o.high), 0);
        if (stored !== RECORDS)
          throw new Error(`${topic}: the broker holds ${stored} records, ${RECORDS} were sent`);
        results[variant].push(r);
        process.stderr.write(`run ${run} ${variant}: ${(RECORDS / r.seconds).toFixed(0)} events/s\n`);
      }
    }
  } finally {
    await admin.disconnect();
    await kafka.stop();
  }
  const row = (name: string, rs: Result[]) => {
    const eps = median(rs.map((r) => RECORDS / r.seconds));
    const mibs = median(rs.map((r) => r.recordBytes / r.seconds / 2 ** 20));
    return {
      name,
      eventsPerSecond: Math.round(eps),
      mibPerSecond: +mibs.toFixed(1),
      cpuSeconds: +median(rs.map((r) => r.cpuSeconds)).toFixed(2),
      eventsPerCpuSecond: Math.round(median(rs.map((r) => RECORDS / r.cpuSeconds))),
      peakRssMiB: Math.round(median(rs.map((r) => r.maxRssBytes)) / 2 ** 20),
    };
  };
  const sink = row(`kafka sink (${defaultClient()})`, results.sink);
  const kcat = row('kcat -P (librdkafka)', results.kcat);
  const meanRecordBytes = Math.round(results.sink[0]!.recordBytes / RECORDS);
  console.log(
    `simulator_to_kafka: ${RECORDS} records (mean ${meanRecordBytes} B), compression ${COMPRESSION}, acks all, idempotent, median of ${RUNS}, Node ${process.version}`,
  );
  console.table([sink, kcat]);
  console.log(
    `sink/kcat events/s ratio: ${(sink.eventsPerSecond / kcat.eventsPerSecond).toFixed(2)} (wall), ` +
      `${(sink.eventsPerCpuSecond / kcat.eventsPerCpuSecond).toFixed(2)} (per CPU s)`,
  );
  console.log(
    JSON.stringify({
      scenario: 'simulator_to_kafka',
      records: RECORDS,
      compression: COMPRESSION,
      sink,
      kcat,
    }),
  );
}

const childJob = args.get('child');
if (childJob)
  await runSinkChild(
    JSON.parse(Buffer.from(childJob, 'base64url').toString()) as Parameters<typeof runSinkChild>[0],
  );
else await main();

/** The client the sink picks with no `client` setting: librdkafka when its addon loads here. */
function defaultClient(): string {
  try {
    createRequire(import.meta.url)('@confluentinc/kafka-javascript');
    return 'librdkafka';
  } catch {
    return 'kafkajs';
  }
}
