import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RecordEncoder } from '../../../../src/sinks/kafka/encoder.js';
import { applySizeLimit, TRUNCATION_MARKER, utf8Prefix } from '../../../../src/sinks/kafka/oversize.js';
import { makeRecord, sourceRef } from '../../../helpers/records.js';

const encoder = new RecordEncoder({ topic: 'openai.compliance.{event_type_lower}', key: '{event_id}' });

describe('kafka record encoding and size limit', () => {
  it('carries the record line, the event_id key and the file coordinates as headers', () => {
    const r = makeRecord(3, undefined, {}, sourceRef({ fileId: 'file-9', eventType: 'AUDIT_LOG' }));
    const m = encoder.encode(r);
    assert.equal(m.topic, 'openai.compliance.audit_log');
    assert.equal(m.key, 'evt-000003');
    assert.equal(m.value, r.line);
    assert.deepEqual(m.headers, {
      event_type: 'AUDIT_LOG',
      principal_id: r.source.principalId,
      file_id: 'file-9',
      source: 'compliance-logs',
    });
    assert.ok(m.bytes > Buffer.byteLength(r.line) + 'evt-000003'.length);
  });

  it('sends no key when the key template renders empty', () => {
    const r = { ...makeRecord(1), eventId: undefined };
    assert.equal(encoder.encode(r).key, null);
  });

  it('passes records within the limit and dead-letters larger ones by default', () => {
    const small = makeRecord(1);
    const big = makeRecord(2, undefined, { blob: 'x'.repeat(5000) });
    const limit = { maxRecordBytes: 2048, policy: 'dead-letter' as const };
    assert.equal(applySizeLimit(small, encoder.encode(small), encoder, limit).kind, 'send');
    const v = applySizeLimit(big, encoder.encode(big), encoder, limit);
    assert.equal(v.kind, 'dead-letter');
    assert.match(
      v.kind === 'dead-letter' ? v.reason : '',
      /exceeds the Kafka sink's maxRecordBytes \(2048\)/,
    );
  });

  it('truncates the configured field to fit, keeping valid JSON and UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 3000, maxLength: 6000 }), (text) => {
        const r = makeRecord(5, undefined, { message: { content: { value: text }, id: 'm1' } });
        const m = encoder.encode(r);
        const limit = {
          maxRecordBytes: 2048,
          policy: 'truncate' as const,
          truncateField: 'message.content.value',
        };
        const v = applySizeLimit(r, m, encoder, limit);
        if (m.bytes <= 2048) return;
        assert.equal(v.kind, 'send');
        if (v.kind !== 'send') return;
        assert.ok(v.message.bytes <= 2048);
        assert.equal(v.truncatedFrom, m.bytes);
        assert.equal(v.message.headers.truncated_from_bytes, String(m.bytes));
        const parsed = JSON.parse(String(v.message.value)) as {
          message: { content: { value: string }; id: string };
        };
        assert.equal(parsed.message.id, 'm1');
        const value = parsed.message.content.value;
        assert.ok(value.endsWith(TRUNCATION_MARKER));
        assert.ok(text.startsWith(value.slice(0, -TRUNCATION_MARKER.length)));
      }),
      { numRuns: 30 },
    );
  });

  it('dead-letters what truncation cannot save, saying why', () => {
    const r = makeRecord(6, undefined, { other: 'x'.repeat(5000), message: { content: { value: 'short' } } });
    const limit = {
      maxRecordBytes: 2048,
      policy: 'truncate' as const,
      truncateField: 'message.content.value',
    };
    const v = applySizeLimit(r, encoder.encode(r), encoder, limit);
    assert.equal(v.kind, 'dead-letter');
    assert.match(v.kind === 'dead-letter' ? v.reason : '', /cannot truncate message\.content\.value/);
    const missing = applySizeLimit(r, encoder.encode(r), encoder, { ...limit, truncateField: 'nope.value' });
    assert.match(missing.kind === 'dead-letter' ? missing.reason : '', /absent or not a string/);
  });

  it('makes "fail" a fatal CF_ERR_RECORD_TOO_LARGE naming the record', () => {
    const r = makeRecord(8, undefined, { blob: 'x'.repeat(5000) });
    const v = applySizeLimit(r, encoder.encode(r), encoder, { maxRecordBytes: 2048, policy: 'fail' });
    assert.equal(v.kind, 'fatal');
    if (v.kind === 'fatal') {
      assert.equal(v.error.code, 'CF_ERR_RECORD_TOO_LARGE');
      assert.match(v.error.message, /event evt-000008/);
    }
  });

  it('cuts UTF-8 on character boundaries', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(200), (text, max) => {
        const cut = utf8Prefix(text, max);
        assert.ok(Buffer.byteLength(cut) <= max || cut === text);
        assert.ok(text.startsWith(cut), 'a prefix, with no character split into U+FFFD');
      }),
    );
  });
});
