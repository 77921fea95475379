/**
 * Micro benchmark of the record path: bytes -> lines -> enriched records, on ~2 KB
 * CONVERSATION_MESSAGE-like records held in memory (no I/O), fed as 64 KiB chunks through a Readable.
 *
 *   node --import tsx benchmarks/micro/split_enrich.ts [--flavor=mixed|ascii] [--mb=100] [--rounds=5]
 *
 * Rows (median MiB/s of input over the rounds, interleaved so machine noise hits all rows alike;
 * the ratios use CPU time, which a busy shared machine disturbs less than wall-clock time):
 *   split2 ceiling   split2, counting lines: the split-only ceiling
 *   naive            split2 + JSON.parse + add a metadata object + JSON.stringify
 *   splitter         JsonlSplitter alone (splits on Buffers, validates UTF-8, JSON.parse per line)
 *   splitter+enrich  JsonlSplitter + RecordEnricher with the default config (metadata spliced into
 *                    the original text, dedupe window on)
 * Flavors: `mixed` (default) draws sentences like the project's simulator does, so most records hold
 * some non-ASCII text (accents, CJK, Cyrillic, emoji); `ascii` draws only the English ones. Non-ASCII
 * makes V8 use two-byte strings, which slows decoding, splitting and parsing for every variant.
 */
import { Readable } from 'node:stream';
import split2 from 'split2';
import type { Delivery, SourceRef } from '../../src/core/record.js';
import { enrichConfigSchema, isBadLine, JsonlSplitter, RecordEnricher } from '../../src/transforms/index.js';
import { benchArgs } from '../lib/bench-args.js';

const args = benchArgs();
const flavor = args.get('flavor') ?? 'mixed';
const targetBytes = Number(args.get('mb') ?? 100) * 1024 * 1024;
const rounds = Number(args.get('rounds') ?? 5);
const CHUNK_BYTES = 64 * 1024;

const source: SourceRef = {
  source: 'compliance-logs',
  stream: 'workspace/11111111-2222-4333-8444-555555555555/CONVERSATION_MESSAGE',
  principalId: '11111111-2222-4333-8444-555555555555',
  principalType: 'CHATGPT_WORKSPACE',
  eventType: 'CONVERSATION_MESSAGE',
  fileId: 'file-0001',
  fileName: 'CONVERSATION_MESSAGE_2026-11-20T10:00:00+00:00.jsonl',
  endTime: '2026-11-20T10:00:00Z',
};
const delivery: Delivery = { ack() {}, fail() {} };

/** Sentences in the project simulator's style: mostly English, with accents, CJK, Cyrillic, Arabic and emoji. */
const MIXED = [
  'Can you summarise the quarterly report for the board meeting on Thursday?',
  'Here is a draft of the onboarding checklist, with the security steps first.',
  'The deployment failed because the migration ran before the schema was ready.',
  'Voici le résumé de la réunion : décisions prises, échéances et responsables.',
  'Könnten Sie die Größe der Tabelle prüfen? Die Spalten überschneiden sich.',
  '会議の議事録を三行で要約してください。',
  '请把这份文档翻译成中文，并保留原有的格式。',
  'Пожалуйста, проверьте расчёты в таблице перед отправкой клиенту.',
  'Great work on the launch 🚀 the dashboard numbers look solid 📈',
  'Translate "naïve café résumé" without losing the diacritics, please.',
  'Step 1: export the data. Step 2: validate it. Step 3: load it into the warehouse.',
  "Here is the SQL: SELECT id, name FROM users WHERE created_at > now() - interval '7 days';",
  'Our policy says personal data must not leave the EU region without approval.',
  'Compare the two approaches and list trade-offs in a short table.',
];
const ENGLISH = MIXED.filter((s) => /^[\x20-\x7e]*$/.test(s));

function content(i: number): string {
  const pool = flavor === 'ascii' ? ENGLISH : MIXED;
  const parts: string[] = [];
  let size = 0;
  for (let k = 0; size < 1400 + (i % 300); k++) {
    const s = pool[(i * 7 + k * 3) % pool.length]!;
    parts.push(s);
    size += Buffer.byteLength(s) + 2;
  }
  return parts.join(i % 3 === 0 ? '\n\n' : ' ');
}

function record(i: number): string {
  return JSON.stringify({
    event_id: `evt_${i.toString(16).padStart(24, '0')}`,
    type: 'CONVERSATION_MESSAGE',
    timestamp: new Date(Date.UTC(2026, 10, 20, 9) + i * 100).toISOString(),
    principal: { id: source.principalId, type: source.principalType },
    actor: { type: 'ACCOUNT_USER', user_id: `user-${i % 97}`, user_email: `user${i % 97}@example.com` },
    previous_message_id: `msg_${i - 1}`,
    message: {
      id: `msg_${i}`,
      created_at: new Date(Date.UTC(2026, 10, 20, 9) + i * 100).toISOString(),
      author: { type: i % 2 ? 'user' : 'assistant', name: null },
      content: { type: 'text', value: content(i), annotations: [] },
      files: [],
    },
    conversation: {
      id: `conv_${i >> 4}`,
      title: 'Quarterly report summary',
      gpt_id: null,
      project_id: null,
      created_at: '2026-11-20T08:00:00Z',
      is_temporary_chat: false,
    },
  });
}

function generate(): { chunks: Buffer[]; bytes: number; records: number } {
  const lines: string[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const line = `${record(lines.length)}\n`;
    lines.push(line);
    bytes += Buffer.byteLength(line);
  }
  const all = Buffer.from(lines.join(''));
  const chunks: Buffer[] = [];
  for (let o = 0; o < all.length; o += CHUNK_BYTES) chunks.push(all.subarray(o, o + CHUNK_BYTES));
  return { chunks, bytes: all.length, records: lines.length };
}

const { chunks, bytes, records } = generate();
const chunkStream = () => Readable.from(chunks, { objectMode: true });

async function split2Ceiling(): Promise<number> {
  let n = 0;
  for await (const _line of chunkStream().pipe(split2())) n++;
  return n;
}

async function naive(): Promise<number> {
  let n = 0;
  let lineNumber = 0;
  const ingestTime = new Date().toISOString();
  for await (const line of chunkStream().pipe(split2())) {
    const obj = JSON.parse(line as string);
    obj._forwarder = {
      principal_id: source.principalId,
      principal_type: source.principalType,
      event_type: source.eventType,
      file_id: source.fileId,
      file_name: source.fileName,
      file_end_time: source.endTime,
      ingest_time: ingestTime,
      forwarder_version: '0.1.0',
      forwarder_host: 'bench',
      line_number: ++lineNumber,
    };
    if (JSON.stringify(obj).length > 0) n++;
  }
  return n;
}

async function splitterOnly(): Promise<number> {
  let n = 0;
  const splitter = new JsonlSplitter({ maxLineBytes: 16 * 1024 * 1024 });
  for await (const chunk of chunkStream()) {
    for (const line of splitter.push(chunk as Buffer)) if (!isBadLine(line)) n++;
  }
  for (const line of splitter.end()) if (!isBadLine(line)) n++;
  return n;
}

async function splitterEnrich(): Promise<number> {
  let n = 0;
  const enricher = new RecordEnricher(enrichConfigSchema.parse({}), { version: '0.1.0', host: 'bench' });
  const file = enricher.forFile({ source, delivery });
  // As the pipeline's file processor does: the splitter notes the keys the enricher checks for.
  const splitter = new JsonlSplitter({ maxLineBytes: 16 * 1024 * 1024, watchKeys: file.watchKeys });
  const take = (out: ReturnType<JsonlSplitter['push']>) => {
    for (const line of out) {
      if (isBadLine(line)) continue;
      const rec = file.enrich(line);
      // Not rec.line: that decodes the bytes, which no byte-capable sink does.
      if (rec !== undefined && (rec.lineBytes ?? 0) > 0) n++;
    }
  };
  for await (const chunk of chunkStream()) take(splitter.push(chunk as Buffer));
  take(splitter.end());
  return n;
}

const variants: Array<[string, () => Promise<number>]> = [
  ['split2 ceiling', split2Ceiling],
  ['naive', naive],
  ['splitter', splitterOnly],
  ['splitter+enrich', splitterEnrich],
];

/** Wall-clock and CPU-time (user + system, all threads) throughput per round, in MiB/s of input. */
const wall = new Map<string, number[]>(variants.map(([name]) => [name, []]));
const cpu = new Map<string, number[]>(variants.map(([name]) => [name, []]));
console.log(
  `node ${process.version}, flavor ${flavor}: ${records} records, ${(bytes / records).toFixed(0)} bytes avg, ${(bytes / 1048576).toFixed(0)} MiB, ${rounds} rounds`,
);
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of variants) {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const n = await run();
    const c1 = process.cpuUsage(c0);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (n !== records) throw new Error(`${name} produced ${n} records instead of ${records}`);
    wall.get(name)!.push(bytes / 1048576 / seconds);
    cpu.get(name)!.push(bytes / 1048576 / ((c1.user + c1.system) / 1e6));
  }
}

// On a shared machine CPU time is the steadier measure; ratios are computed from it.
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ceiling = median(cpu.get('split2 ceiling')!);
const naiveMedian = median(cpu.get('naive')!);
console.log('variant           wall MiB/s  cpu MiB/s  vs ceiling  vs naive   (ratios on cpu time)');
for (const [name] of variants) {
  const c = median(cpu.get(name)!);
  console.log(
    `${name.padEnd(17)} ${median(wall.get(name)!).toFixed(0).padStart(10)} ${c.toFixed(0).padStart(10)} ${((c / ceiling) * 100).toFixed(0).padStart(10)}% ${(c / naiveMedian).toFixed(2).padStart(8)}x`,
  );
}
