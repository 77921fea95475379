/**
 * Scenario simulator_to_syslog: the syslog sink against a private rsyslogd on loopback, per transport,
 * next to two loops measured in the same run, in their own child processes, on the same records.
 *
 *   node --import tsx benchmarks/sinks/syslog.ts [--records=200000] [--runs=3] [--transports=udp,tcp,tls]
 *
 *   parent ── starts rsyslogd (ruleset "tally": parses each message, writes one short line)
 *     └─ for each run, transport, variant: a child process (so peak RSS and CPU are its own)
 *          sink            records (1-2 KB AUDIT_LOG and CONVERSATION_MESSAGE, mixed UTF-8, made on the
 *                          fly from a pool, each carrying `lineBytes` as records from the pipeline's
 *                          splitter do) -> syslog sink (written as the pipeline does) -> rsyslogd; timed from creating the
 *                          sink to 'finish', which for TCP/TLS includes the receiver closing after
 *                          reading everything
 *          baseline        the minimal forwarding loop, the target's reference: the same generator,
 *                          each record formatted, size-checked and framed by the sink's own code
 *                          (formatterOf, MessageEncoder, FrameWriter, with the sink's settings),
 *                          written by a bare node:net / node:tls socket in 64 KiB writes honouring
 *                          'drain', then end() and wait for the receiver to close; UDP: one
 *                          node:dgram datagram per message, 1000 sends awaited at a time. No Writable,
 *                          no batching timer, no reconnect, no resend window, no acknowledgements.
 *                          Timed from building the encoder (connect included, as for the sink)
 *          transport-only  informational, not a baseline of the target: the sink's framed output for
 *                          the pool (1024 records) captured once before timing, then those pre-built
 *                          bytes written in the same loop until as many messages went out; no
 *                          per-record work at all, the transport's ceiling
 *
 * Prints, per transport and variant, the median over the runs of messages/s, record MiB/s (JSON lines,
 * the unit the pipeline counts), the child's CPU seconds over the timed part and messages per CPU
 * second, peak RSS (process.resourceUsage().maxRSS of the child) and what rsyslog counted (UDP is best
 * effort); then the sink/baseline and sink/transport-only ratios, per wall second and per CPU second.
 * The wall figures move with the machine's load (rsyslogd runs on the same cores); the CPU ones much
 * less. UDP runs use messageMaxBytes 8192 (the 2048 default would dead-letter the larger records).
 * CF_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each sink and baseline child there.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { PipelineRecord } from '../../src/core/record.js';
import { MemoryDeadLetter } from '../../src/engine/dead-letter-file.js';
import { ChunkPool } from '../../src/sinks/syslog/chunk-pool.js';
import { MessageEncoder } from '../../src/sinks/syslog/encoder.js';
import { FrameWriter } from '../../src/sinks/syslog/frame-writer.js';
import { CHUNK_TARGET_BYTES } from '../../src/sinks/syslog/framing.js';
import { createSyslogSink, syslogSinkConfigSchema } from '../../src/sinks/syslog/index.js';
import { formatterOf, messageMaxBytesOf, targetOf } from '../../src/sinks/syslog/settings.js';
import { silentLogger } from '../../src/telemetry/logger.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { writeAll } from '../../test/helpers/write-all.js';
import { startRsyslog } from '../../test/infra/rsyslog.js';
import { benchArgs } from '../lib/bench-args.js';
import { EVENT_ID_CHARS, generate, sourceFor, type Template } from '../lib/bench-records.js';

type Transport = 'udp' | 'tcp' | 'tls';
type Variant = 'sink' | 'baseline' | 'transport-only';
const VARIANTS: readonly Variant[] = ['sink', 'baseline', 'transport-only'];

interface ChildResult {
  readonly messages: number;
  readonly recordBytes: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
  readonly maxRssBytes: number;
}

const args = benchArgs();
const RECORDS = Number(args.get('records') ?? 200_000);
const POOL = 1024;
const UDP_MESSAGE_MAX_BYTES = 8192;

// --- records ------------------------------------------------------------------------------------

const SENTENCES = [
  'Can you summarise the quarterly report for the board meeting on Thursday?',
  'The deployment failed because the migration ran before the schema was ready.',
  'Voici le résumé de la réunion : décisions prises, échéances et responsables.',
  'Könnten Sie die Größe der Tabelle prüfen? Die Spalten überschneiden sich.',
  '会議の議事録を三行で要約してください。',
  'Пожалуйста, проверьте расчёты в таблице перед отправкой клиенту.',
  'Great work on the launch 🚀 the dashboard numbers look solid 📈',
  "Here is the SQL: SELECT id, name FROM users WHERE created_at > now() - interval '7 days';",
  'Our policy says personal data must not leave the EU region without approval.',
];
const WORKSPACE = '11111111-2222-4333-8444-555555555555';
const SOURCES = {
  AUDIT_LOG: sourceFor('AUDIT_LOG', WORKSPACE),
  CONVERSATION_MESSAGE: sourceFor('CONVERSATION_MESSAGE', WORKSPACE),
};

/**
 * A pool of realistic records, each split around its event id so a record costs one concatenation
 * and its UTF-8 size is known without scanning it (as the splitter knows it in the pipeline).
 */
function makePool(): Template[] {
  const pool: Template[] = [];
  for (let i = 0; i < POOL; i++) {
    const timestamp = new Date(Date.UTC(2026, 10, 20, 10) + i * 997).toISOString();
    const text = Array.from({ length: 6 + (i % 10) }, (_, k) => SENTENCES[(i + k) % SENTENCES.length]).join(
      ' ',
    );
    const common = {
      event_id: '\u0000',
      timestamp,
      principal: { id: WORKSPACE, type: 'CHATGPT_WORKSPACE' },
      actor: { type: 'ACCOUNT_USER', user_id: `user-${i % 97}`, user_email: `person${i % 97}@example.com` },
    };
    const audit = i % 2 === 0;
    const obj = audit
      ? {
          ...common,
          type: 'AUDIT_LOG',
          action: 'conversation.shared',
          action_result: ['SUCCESS', 'SUCCESS', 'BLOCKED', 'ERROR'][i % 4],
          action_privilege: 'member',
          request_metadata: {
            client_ip: `203.0.113.${i % 250}`,
            client_ip_details: { country: 'FR', city: 'Lyon', region: 'Auvergne-Rhône-Alpes', asn: 64500 },
            client_user_agent:
              'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
            client_ja3: 'e7d705a3286e19ea42f587b344ee6865',
          },
          action_data: { conversation_id: `conv-${i}`, shared_with: 'workspace', note: text.slice(0, 300) },
        }
      : {
          ...common,
          type: 'CONVERSATION_MESSAGE',
          previous_message_id: `msg-${i - 1}`,
          message: {
            id: `msg-${i}`,
            created_at: timestamp,
            author: { type: i % 3 === 0 ? 'user' : 'assistant' },
            content: { type: 'text', value: text, annotations: [] },
            files: [],
          },
          conversation: {
            id: `conv-${i % 50}`,
            title: SENTENCES[i % SENTENCES.length],
            is_temporary_chat: false,
          },
        };
    // JSON.stringify writes the NUL placeholder as the six characters \u0000.
    const [before, after] = JSON.stringify(obj).split('\\u0000') as [string, string];
    if (after === undefined) throw new Error('the event id placeholder was not found');
    pool.push({
      before,
      after,
      timestamp,
      source: audit ? SOURCES.AUDIT_LOG : SOURCES.CONVERSATION_MESSAGE,
      bytes: Buffer.byteLength(before) + Buffer.byteLength(after) + EVENT_ID_CHARS,
    });
  }
  return pool;
}

function recordBytesOf(pool: readonly Template[], count: number): number {
  let perCycle = 0;
  for (const t of pool) perCycle += t.bytes;
  return Math.round((perCycle / pool.length) * count);
}

// --- child: one measurement -----------------------------------------------------------------------

function sinkConfig(transport: Transport, url: string, caFile: string) {
  return syslogSinkConfigSchema.parse({
    type: 'syslog',
    url,
    ...(transport === 'tls' ? { tls: { caFile } } : {}),
    ...(transport === 'udp' ? { messageMaxBytes: UDP_MESSAGE_MAX_BYTES } : {}),
  });
}

async function runSink(pool: Template[], transport: Transport, url: string, caFile: string): Promise<void> {
  const deadLetter = new MemoryDeadLetter();
  const sink = createSyslogSink(sinkConfig(transport, url, caFile), {
    logger: silentLogger(),
    metrics: new Metrics(),
    deadLetter,
    signal: new AbortController().signal,
  });
  await sink.start();
  await writeAll(sink, generate(pool, RECORDS));
  if (deadLetter.count > 0) throw new Error(`${deadLetter.count} records dead-lettered`);
}

/** The sink's own bytes for the pool: what the baseline writes, captured from a loopback peer. */
async function captureFrames(pool: Template[], transport: Transport): Promise<Buffer[]> {
  const captured: Buffer[] = [];
  if (transport === 'udp') {
    const server = createSocket('udp4');
    server.on('message', (m) => captured.push(m));
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    server.setRecvBufferSize(8 * 1024 * 1024);
    const url = `udp://127.0.0.1:${server.address().port}`;
    const sink = createSyslogSink(sinkConfig('udp', url, ''), {
      logger: silentLogger(),
      metrics: new Metrics(),
      deadLetter: new MemoryDeadLetter(),
      signal: new AbortController().signal,
    });
    await pipeline(Readable.from(generate(pool, pool.length)), sink);
    // Loopback may still drop a datagram of the burst; the baseline cycles whatever arrived.
    for (let waited = 0; captured.length < pool.length && waited < 1000; waited += 10) {
      await new Promise((r) => setTimeout(r, 10));
    }
    server.close();
    return captured;
  }
  // TLS or not, the framed bytes are the same: capture them in clear over TCP.
  const server = createServer((s) => {
    s.on('data', (d: Buffer) => captured.push(d));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `tcp://127.0.0.1:${(server.address() as { port: number }).port}`;
  const sink = createSyslogSink(sinkConfig('tcp', url, ''), {
    logger: silentLogger(),
    metrics: new Metrics(),
    deadLetter: new MemoryDeadLetter(),
    signal: new AbortController().signal,
  });
  await pipeline(Readable.from(generate(pool, pool.length)), sink);
  server.close();
  // Re-cut into 64 KiB writes of whole frames, like the sink's chunks.
  const all = Buffer.concat(captured);
  const chunks: Buffer[] = [];
  let start = 0;
  let at = 0;
  while (at < all.length) {
    const space = all.indexOf(0x20, at);
    at = space + 1 + Number(all.toString('latin1', at, space));
    if (at - start >= 64 * 1024 || at >= all.length) {
      chunks.push(all.subarray(start, at));
      start = at;
    }
  }
  return chunks;
}

/**
 * The minimal forwarding loop: every record formatted, size-checked and framed by the sink's own
 * code with the sink's settings, written by a bare socket. What it leaves out is what the sink adds
 * around the same work: the Writable and its batching, acknowledgements, reconnects and the resend
 * window.
 */
async function runBaseline(
  pool: Template[],
  transport: Transport,
  url: string,
  caFile: string,
): Promise<void> {
  const t = startClock();
  const config = sinkConfig(transport, url, caFile);
  const target = targetOf(config);
  const framing = target.transport === 'udp' ? 'datagram' : config.framing;
  const encoder = new MessageEncoder(formatterOf(config), {
    maxBytes: messageMaxBytesOf(config, target),
    policy: config.oversizePolicy,
    escapeNewlines: framing === 'newline',
  });
  const chunkPool = new ChunkPool();
  const frames = new FrameWriter(framing, encoder, chunkPool);
  const frame = (record: PipelineRecord): void => {
    if (!frames.add(record, record.lineBytes).fits)
      throw new Error(`record ${record.lineNumber} is over messageMaxBytes`);
  };
  const { hostname, port } = new URL(url);
  if (transport === 'udp') {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.connect(Number(port), hostname, resolve));
    let inBurst = 0;
    for (const record of generate(pool, RECORDS)) {
      frame(record);
      if (++inBurst === 1000) {
        await sendDatagrams(socket, frames.finish());
        inBurst = 0;
      }
    }
    await sendDatagrams(socket, frames.finish());
    socket.close();
    report(t, pool);
    return;
  }
  const socket = await connectStream(transport, hostname, Number(port), caFile);
  const closed = new Promise<void>((resolve, reject) => {
    socket.once('close', () => resolve());
    socket.once('error', reject);
  });
  // FrameWriter seals a chunk once it holds CHUNK_TARGET_BYTES: write whatever is sealed, and
  // recycle each chunk once written, as the sink does.
  const write = async (buffers: Buffer[]) => {
    for (const buffer of buffers) if (!socket.write(buffer)) await once(socket, 'drain');
  };
  let pending = 0;
  for (const record of generate(pool, RECORDS)) {
    frame(record);
    pending += record.lineBytes ?? 0;
    if (pending >= CHUNK_TARGET_BYTES) {
      await write(frames.finish());
      pending = 0;
    }
  }
  await write(frames.finish());
  socket.end(); // then the receiver closes once it has read everything
  await closed;
  report(t, pool);
}

/** Sends datagrams and waits for every send callback (an error fails the run). */
function sendDatagrams(socket: UdpSocket, datagrams: readonly Buffer[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = datagrams.length;
    if (left === 0) resolve();
    for (const d of datagrams) {
      socket.send(d, (err) => {
        if (err) reject(err);
        else if (--left === 0) resolve();
      });
    }
  });
}

function connectStream(transport: Transport, host: string, port: number, caFile: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s: Socket =
      transport === 'tls'
        ? tlsConnect({ host, port, ca: [readFileSync(caFile)] }, () => resolve(s))
        : netConnect({ host, port }, () => resolve(s));
    s.once('error', reject);
    s.resume(); // the receiver sends nothing; never let its side back up
  });
}

/**
 * Informational: the transport alone. The sink's framed bytes for the pool, captured before timing,
 * written in the same loop until as many messages went out: no per-record work at all.
 */
async function runTransportOnly(
  pool: Template[],
  transport: Transport,
  url: string,
  caFile: string,
): Promise<void> {
  const frames = await captureFrames(pool, transport);
  const { hostname, port } = new URL(url);
  if (transport === 'udp') {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.connect(Number(port), hostname, resolve));
    const t = startClock();
    for (let sent = 0; sent < RECORDS; ) {
      const burst = Math.min(1000, RECORDS - sent);
      await Promise.all(
        Array.from(
          { length: burst },
          (_, k) =>
            new Promise<void>((resolve) => socket.send(frames[(sent + k) % frames.length]!, () => resolve())),
        ),
      );
      sent += burst;
    }
    socket.close();
    report(t, pool);
    return;
  }
  const framesPerChunk = Math.max(1, Math.round(pool.length / frames.length));
  const writes = Math.ceil(RECORDS / framesPerChunk);
  const socket = await connectStream(transport, hostname, Number(port), caFile);
  const t = startClock();
  await new Promise<void>((resolve, reject) => {
    let i = 0;
    socket.once('close', () => resolve());
    socket.once('error', reject);
    const pump = () => {
      while (i < writes) {
        const more = socket.write(frames[i % frames.length]!);
        i++;
        if (!more) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end(); // then the receiver closes once it has read everything
    };
    pump();
  });
  report(t, pool);
}

interface Clock {
  readonly wall: number;
  readonly cpu: NodeJS.CpuUsage;
}
const startClock = (): Clock => ({ wall: performance.now(), cpu: process.cpuUsage() });

function report(clock: Clock, pool: readonly Template[]): void {
  const seconds = (performance.now() - clock.wall) / 1000;
  const cpu = process.cpuUsage(clock.cpu);
  const result: ChildResult = {
    messages: RECORDS,
    recordBytes: recordBytesOf(pool, RECORDS),
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function child(spec: string): Promise<void> {
  const [transport, variant] = spec.split(':') as [Transport, Variant];
  const url = args.get('url') ?? '';
  const caFile = args.get('ca') ?? '';
  const pool = makePool();
  if (variant === 'baseline') return runBaseline(pool, transport, url, caFile);
  if (variant === 'transport-only') return runTransportOnly(pool, transport, url, caFile);
  const t = startClock();
  await runSink(pool, transport, url, caFile);
  report(t, pool);
}

// --- parent: runs, receiver, table -------------------------------------------------------------------

/** CF_BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each sink and baseline child there (node --cpu-prof). */
function profileFlags(variant: Variant): string[] {
  const dir = process.env.CF_BENCH_CPU_PROF;
  return dir && variant !== 'transport-only' ? ['--cpu-prof', `--cpu-prof-dir=${dir}/${variant}`] : [];
}

function runChild(transport: Transport, variant: Variant, url: string, caFile: string): Promise<ChildResult> {
  const file = fileURLToPath(import.meta.url);
  const proc = spawn(
    process.execPath,
    [
      ...profileFlags(variant),
      '--import',
      'tsx',
      file,
      `--child=${transport}:${variant}`,
      `--url=${url}`,
      `--ca=${caFile}`,
      `--records=${RECORDS}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  proc.stdout.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${transport} ${variant} failed (${code})`));
      else resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as ChildResult);
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function parent(): Promise<void> {
  const runs = Number(args.get('runs') ?? 3);
  const transports = (args.get('transports') ?? 'udp,tcp,tls').split(',') as Transport[];
  const rsyslog = await startRsyslog({ ruleset: 'tally' });
  const rows = new Map<string, { results: ChildResult[]; received: number[] }>();
  // Fixed row order (sink, baseline, transport-only per transport), whatever order the runs took.
  for (const transport of transports) {
    for (const variant of VARIANTS) rows.set(`${transport} ${variant}`, { results: [], received: [] });
  }
  try {
    for (let run = 0; run < runs; run++) {
      for (const transport of transports) {
        // Rotate the order from run to run, so no variant always follows the same one.
        for (let v = 0; v < VARIANTS.length; v++) {
          const variant = VARIANTS[(v + run) % VARIANTS.length]!;
          const before = await rsyslog.tally();
          const result = await runChild(transport, variant, rsyslog.url(transport), rsyslog.caFile);
          const received = await quietTally(rsyslog.tally, before, RECORDS);
          const key = `${transport} ${variant}`;
          const row = rows.get(key) ?? { results: [], received: [] };
          row.results.push(result);
          row.received.push(received);
          rows.set(key, row);
          process.stderr.write(
            `run ${run + 1} ${key}: ${Math.round(result.messages / result.seconds)} msg/s, received ${received}\n`,
          );
        }
      }
    }
  } finally {
    await rsyslog.close();
  }
  const bytesPerRecord = recordBytesOf(makePool(), RECORDS) / RECORDS;
  console.log(
    `\nsimulator_to_syslog: ${RECORDS} records of ${Math.round(bytesPerRecord)} B on average, median of ${runs} runs, ` +
      `Node ${process.version}, receiver rsyslogd (tally ruleset) on loopback`,
  );
  console.log(
    'transport  variant            msg/s   MiB/s  CPU s  msg/CPU s  peak RSS MiB  received (median)',
  );
  const msgRate = new Map<string, number>();
  const msgPerCpu = new Map<string, number>();
  for (const [key, row] of rows) {
    const rate = median(row.results.map((r) => r.messages / r.seconds));
    const mib = median(row.results.map((r) => r.recordBytes / r.seconds / 1048576));
    const cpu = median(row.results.map((r) => r.cpuSeconds));
    const perCpu = median(row.results.map((r) => r.messages / r.cpuSeconds));
    const rss = median(row.results.map((r) => r.maxRssBytes / 1048576));
    msgRate.set(key, rate);
    msgPerCpu.set(key, perCpu);
    const [transport, variant] = key.split(' ') as [string, string];
    console.log(
      `${transport.padEnd(9)}  ${variant.padEnd(15)} ${String(Math.round(rate)).padStart(8)} ${mib.toFixed(1).padStart(7)} ` +
        `${cpu.toFixed(2).padStart(6)} ${String(Math.round(perCpu)).padStart(10)} ${rss.toFixed(0).padStart(13)}  ${median(row.received)}`,
    );
  }
  const ratio = (figures: Map<string, number>, a: string, b: string) =>
    ((figures.get(a) ?? 0) / (figures.get(b) ?? 1)).toFixed(2);
  for (const transport of transports) {
    for (const other of ['baseline', 'transport-only']) {
      console.log(
        `${transport}: sink / ${other} = ${ratio(msgRate, `${transport} sink`, `${transport} ${other}`)} (wall), ` +
          `${ratio(msgPerCpu, `${transport} sink`, `${transport} ${other}`)} (per CPU s)`,
      );
    }
  }
}

/** Waits until rsyslog's tally has `expected` more lines or stops moving; returns how many arrived. */
async function quietTally(tally: () => Promise<number>, before: number, expected: number): Promise<number> {
  let last = -1;
  for (let quietSteps = 0; quietSteps < 10; ) {
    const now = (await tally()) - before;
    if (now >= expected) return now;
    quietSteps = now === last ? quietSteps + 1 : 0;
    last = now;
    await new Promise((r) => setTimeout(r, 100));
  }
  return last;
}

const childSpec = args.get('child');
if (childSpec) await child(childSpec);
else await parent();
