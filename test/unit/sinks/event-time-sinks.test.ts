import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { PipelineRecord } from '../../../src/core/record.js';
import { RecordEncoder } from '../../../src/sinks/kafka/encoder.js';
import { HecEnvelopeEncoder } from '../../../src/sinks/splunk-hec/envelope.js';
import { rfc3164Formatter } from '../../../src/sinks/syslog/rfc3164.js';
import { rfc5424Formatter } from '../../../src/sinks/syslog/rfc5424.js';
import { auditLogsSource } from '../../../src/sources/audit-logs/index.js';
import { enrichConfigSchema, RecordEnricher } from '../../../src/transforms/index.js';
import { CountingDelivery, sourceRef } from '../../helpers/records.js';
import { goodLines, split } from '../transforms/split-helpers.js';
import { headerOptions } from './syslog/header-options.js';

/** An audit log event as the pipeline makes it a record: its time is its effective_at. */
function auditRecord(effectiveAt: number | undefined): PipelineRecord {
  const e = new RecordEnricher(enrichConfigSchema.parse({}), { version: '1', host: 'h' });
  const f = e.forFile({
    source: sourceRef({ source: 'audit-logs', eventType: 'API_AUDIT_LOG' }),
    delivery: new CountingDelivery(),
    eventTime: auditLogsSource.eventTime({} as never),
  });
  const text = JSON.stringify({
    id: 'audit_1',
    event_id: 'audit_1',
    type: 'login.succeeded',
    effective_at: effectiveAt,
  });
  return f.enrich(goodLines(split(text).out)[0]!)!;
}

const EFFECTIVE_AT = 1767323045; // 2026-01-02T03:04:05Z
const INGEST_MS = Date.UTC(2026, 5, 1);

describe("each sink writes the record's event time", () => {
  it('HEC time is the event time (effective_at), epoch seconds with milliseconds', () => {
    const hec = new HecEnvelopeEncoder({
      host: 'h',
      source: 's',
      sourcetype: undefined,
      index: undefined,
      indexByEventType: {},
    });
    assert.equal(JSON.parse(hec.encode(auditRecord(EFFECTIVE_AT), INGEST_MS)).time, EFFECTIVE_AT);
    assert.equal(JSON.parse(hec.encode(auditRecord(undefined), INGEST_MS)).time, INGEST_MS / 1000);
  });

  it('syslog TIMESTAMP is the event time (RFC 5424 and RFC 3164)', () => {
    const head5424 = rfc5424Formatter(headerOptions())(auditRecord(EFFECTIVE_AT)).head;
    assert.ok(head5424.startsWith('<14>1 2026-01-02T03:04:05.000Z '), head5424);
    const head3164 = rfc3164Formatter(headerOptions(), () => INGEST_MS)(auditRecord(EFFECTIVE_AT)).head;
    assert.ok(head3164.includes('Jan  2 03:04:05'), head3164);
  });

  it('the Kafka record timestamp is the event time; none without one (the producer stamps it)', () => {
    const kafka = new RecordEncoder({ topic: 'cf', key: '{event_id}' });
    assert.equal(kafka.encode(auditRecord(EFFECTIVE_AT)).timestamp, EFFECTIVE_AT * 1000);
    assert.equal(kafka.encode(auditRecord(undefined)).timestamp, undefined);
    const produce = new RecordEncoder({ topic: 'cf', key: '{event_id}', timestamp: 'produce' });
    assert.equal(produce.encode(auditRecord(EFFECTIVE_AT)).timestamp, undefined, 'timestamp: produce');
  });
});
