import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { HecEnvelopeEncoder, hecTime } from '../../../../src/sinks/splunk-hec/envelope.js';
import { makeRecord, sourceRef } from '../../../helpers/records.js';

const INGEST_MS = Date.UTC(2026, 0, 2, 3, 4, 5, 678);

function encoder(overrides: Partial<ConstructorParameters<typeof HecEnvelopeEncoder>[0]> = {}) {
  return new HecEnvelopeEncoder({
    host: 'forwarder-1',
    source: 'openai:compliance',
    sourcetype: undefined,
    index: undefined,
    indexByEventType: {},
    ...overrides,
  });
}

test('time is the record timestamp in epoch seconds with milliseconds', () => {
  assert.equal(hecTime('2026-11-20T10:00:01.234Z', INGEST_MS), '1795168801.234');
  assert.equal(hecTime('2026-11-20T11:00:01+01:00', INGEST_MS), '1795168801.000');
  assert.equal(hecTime('1795168801', INGEST_MS), '1795168801.000', 'epoch seconds');
  assert.equal(hecTime('1795168801234', INGEST_MS), '1795168801.234', 'epoch milliseconds');
  assert.equal(hecTime('1795168801.5', INGEST_MS), '1795168801.500');
});

test('time falls back to the ingest time when the timestamp is absent or unreadable', () => {
  assert.equal(hecTime(undefined, INGEST_MS), '1767323045.678');
  assert.equal(hecTime('', INGEST_MS), '1767323045.678');
  assert.equal(hecTime('yesterday', INGEST_MS), '1767323045.678');
});

test('the envelope carries the Splunk fields and the record unchanged as `event`', () => {
  const record = makeRecord(7);
  const envelope = JSON.parse(encoder().encode(record, INGEST_MS));
  assert.deepEqual(Object.keys(envelope), ['time', 'host', 'source', 'sourcetype', 'fields', 'event']);
  assert.equal(envelope.time, Date.parse(record.timestamp!) / 1000);
  assert.equal(envelope.host, 'forwarder-1');
  assert.equal(envelope.source, 'openai:compliance');
  assert.equal(envelope.sourcetype, 'openai:compliance:audit_log');
  assert.deepEqual(envelope.fields, {
    principal_id: record.source.principalId,
    principal_type: 'CHATGPT_WORKSPACE',
    event_type: 'AUDIT_LOG',
    file_id: 'file-0001',
  });
  assert.deepEqual(envelope.event, JSON.parse(record.line));
});

test('index comes from the per-event-type map, then the default; none leaves the token default', () => {
  const enc = encoder({ index: 'openai', indexByEventType: { CONVERSATION_MESSAGE: 'openai_chat' } });
  const chat = makeRecord(1, undefined, {}, sourceRef({ eventType: 'CONVERSATION_MESSAGE', fileId: 'f-2' }));
  assert.equal(JSON.parse(enc.encode(chat, INGEST_MS)).index, 'openai_chat');
  assert.equal(JSON.parse(enc.encode(makeRecord(2), INGEST_MS)).index, 'openai');
  assert.equal('index' in JSON.parse(encoder().encode(makeRecord(3), INGEST_MS)), false);
});

test('a configured sourcetype replaces the per-event-type default', () => {
  const envelope = JSON.parse(encoder({ sourcetype: '_json' }).encode(makeRecord(1), INGEST_MS));
  assert.equal(envelope.sourcetype, '_json');
});

test('a batch body is the envelopes back to back, one per line', () => {
  const records = [makeRecord(1), makeRecord(2), makeRecord(3)];
  const lines = encoder().encodeBatch(records, INGEST_MS).split('\n');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).event.event_id),
    records.map((r) => r.eventId),
  );
});

test('sizeOf bounds the bytes a record takes in a body, for any text and metadata', () => {
  const text = fc.string({ unit: 'binary', maxLength: 200 });
  fc.assert(
    fc.property(
      text,
      text,
      text,
      text,
      fc.option(text, { nil: undefined }),
      (note, principal, type, file, ts) => {
        const enc = encoder({ host: note, index: type === '' ? undefined : type });
        const src = sourceRef({ principalId: principal, eventType: type, fileId: file });
        const record = { ...makeRecord(1, undefined, { note }, src), timestamp: ts };
        const encoded = enc.encode(record, INGEST_MS);
        JSON.parse(encoded); // always valid JSON, whatever the metadata holds
        assert.ok(enc.sizeOf(record) >= Buffer.byteLength(encoded, 'utf8') + 1);
      },
    ),
    { numRuns: 200 },
  );
});
