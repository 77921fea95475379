import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { PipelineRecord } from '../../../src/core/record.js';
import { JsonLinesEncoder, jsonLines } from '../../../src/sinks/shared/json-lines.js';
import {
  enrichConfigSchema,
  isBadLine,
  JsonlSplitter,
  RecordEnricher,
} from '../../../src/transforms/index.js';
import { CountingDelivery, makeRecord, sourceRef } from '../../helpers/records.js';

/** Records as the pipeline makes them from downloaded bytes (kept as bytes, metadata spliced in). */
function pipelineRecords(jsonl: string): PipelineRecord[] {
  const splitter = new JsonlSplitter({ maxLineBytes: 1 << 20 });
  const file = new RecordEnricher(enrichConfigSchema.parse({ staticFields: { env: 'prød' } }), {
    version: '1.0.0',
    host: 'h',
  }).forFile({ source: sourceRef(), delivery: new CountingDelivery() });
  const out: PipelineRecord[] = [];
  for (const x of [...splitter.push(Buffer.from(jsonl, 'utf8')), ...splitter.end()]) {
    if (!isBadLine(x)) out.push(file.enrich(x)!);
  }
  return out;
}

test('records kept as bytes and records holding text come out as the same JSON lines', () => {
  const records = [
    ...pipelineRecords('{"event_id":"a","m":"日本語 🚀 \\"q\\""}\n{}\n{"event_id":"b","_forwarder":1}\n'),
    makeRecord(1),
    makeRecord(2, undefined, { text: 'Größe ✓' }),
  ];
  const bytes = jsonLines(records);
  // Decode only after writing, so the byte path was taken for the pipeline records.
  assert.equal(bytes.toString('utf8'), records.map((r) => `${r.line}\n`).join(''));
  for (const line of bytes.toString('utf8').split('\n').slice(0, -1)) JSON.parse(line);
});

test('a record whose lineBytes is wrong still comes out whole (encoded from its text)', () => {
  const good = makeRecord(1);
  const lying: PipelineRecord = { ...makeRecord(2, undefined, { text: 'ééé' }), lineBytes: 10 };
  const bytes = jsonLines([good, lying]);
  assert.equal(bytes.toString('utf8'), `${good.line}\n${lying.line}\n`);
});

test('no records, no bytes', () => {
  assert.equal(jsonLines([]).length, 0);
});

test('an encoder reusing its buffer gives each batch exactly its own lines, shorter batches included', () => {
  const encoder = new JsonLinesEncoder();
  const long = pipelineRecords(
    '{"event_id":"a","m":"日本語 🚀"}\n{"event_id":"b","m":"long ...................."}\n',
  );
  const short = [makeRecord(7, undefined, { text: 'Größe' })];
  const first = encoder.encode(long).toString('utf8');
  assert.equal(first, long.map((r) => `${r.line}\n`).join(''));
  // The second batch is shorter than the first: nothing of the first may trail it.
  assert.equal(encoder.encode(short).toString('utf8'), `${short[0]!.line}\n`);
  const lying: PipelineRecord = { ...makeRecord(8, undefined, { text: 'ééé' }), lineBytes: 10 };
  assert.equal(encoder.encode([lying]).toString('utf8'), `${lying.line}\n`);
  assert.equal(encoder.encode([]).length, 0);
});
