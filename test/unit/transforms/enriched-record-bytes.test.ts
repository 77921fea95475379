import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import { recordBytes, writeRecordUtf8 } from '../../../src/core/record.js';
import { type EnrichConfigInput, enrichConfigSchema, RecordEnricher } from '../../../src/transforms/index.js';
import { CountingDelivery, sourceRef } from '../../helpers/records.js';
import { goodLines, split } from './split-helpers.js';

/**
 * Records made from the splitter's bytes keep the upstream UTF-8 and splice the members in as text;
 * `line` is decoded on demand and `writeRecordUtf8` copies the bytes. Whatever route a sink takes,
 * it must see the same line, and recordBytes must be its exact UTF-8 size.
 */

const LINES = [
  '{"event_id":"e1","msg":"plain ascii"}',
  '{"event_id":"e2","msg":"Größe 日本語 🚀 \\n \\"quoted\\" \\u00e9"}',
  '{}',
  '{ \t}',
  '{"event_id":"e3","_forwarder":{"mine":true},"env":"own"}',
  '{"event_id":"e4","nested":{"_forwarder":1},"s":"_forwarder\\""}',
  '{"ev\\u0065nt_id":"e5","x":1}',
];

function records(config: EnrichConfigInput) {
  const e = new RecordEnricher(enrichConfigSchema.parse(config), { version: '1.2.3', host: 'h' });
  const f = e.forFile({
    source: sourceRef(),
    delivery: new CountingDelivery(),
    ingestTime: new Date('2026-11-20T10:05:00Z'),
  });
  return goodLines(split(`${LINES.join('\n')}\n`).out).map((l) => f.enrich(l)!);
}

function bytesOf(rec: ReturnType<typeof records>[number]): Buffer {
  const out = Buffer.alloc(recordBytes(rec) + 8, 0x2a);
  const n = writeRecordUtf8(rec, out, 3);
  assert.equal(n, recordBytes(rec));
  assert.equal(out[3 + n], 0x2a, 'nothing written past the reported size');
  return out.subarray(3, 3 + n);
}

describe('EnrichedRecord kept as bytes', () => {
  for (const config of [{}, { staticFields: { env: 'prod', ключ: 'значение ✓' } }, { metadataKey: null }]) {
    test(`written bytes, decoded line and recordBytes agree (${JSON.stringify(config)})`, () => {
      const recs = records(config);
      assert.equal(recs.length, LINES.length);
      for (const rec of recs) {
        // Bytes first (before anything decodes the line), then the text.
        const written = bytesOf(rec);
        assert.equal(written.toString('utf8'), rec.line);
        assert.equal(recordBytes(rec), Buffer.byteLength(rec.line, 'utf8'));
        const parsed = JSON.parse(rec.line);
        assert.equal(typeof parsed, 'object');
      }
    });
  }

  test('metadata is added once: never duplicated when the record has the key, present otherwise', () => {
    const recs = records({ staticFields: { env: 'prod' } });
    for (const rec of recs) {
      const parsed = JSON.parse(bytesOf(rec).toString('utf8'));
      assert.ok(parsed._forwarder !== undefined);
      assert.ok(parsed.env !== undefined);
    }
    assert.deepEqual(JSON.parse(recs[4]!.line)._forwarder, { mine: true });
    assert.equal(JSON.parse(recs[4]!.line).env, 'own');
    assert.equal(JSON.parse(recs[5]!.line)._forwarder.line_number, 6);
  });

  test('a rewritten line is what gets written, and its size is measured again', () => {
    const [rec] = records({});
    rec!.line = '{"rewritten":"é"}';
    assert.equal(rec!.lineBytes, undefined);
    assert.equal(recordBytes(rec!), Buffer.byteLength('{"rewritten":"é"}'));
    assert.equal(bytesOf(rec!).toString('utf8'), '{"rewritten":"é"}');
  });

  test('with no metadata and no static fields the bytes are the upstream line exactly', () => {
    const recs = records({ metadataKey: null });
    assert.deepEqual(
      recs.map((r) => bytesOf(r).toString('utf8')),
      LINES.map((l) => l.trim()),
    );
  });
});
