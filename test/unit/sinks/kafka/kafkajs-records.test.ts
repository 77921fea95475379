import { strict as assert } from 'node:assert';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type AheadMessage,
  ENCODED_AHEAD,
  encodeRecord,
  encodeRecordsAhead,
  installRecordEncoder,
  kafkajsRecordEncoder,
} from '../../../../src/sinks/kafka/kafkajs-records.js';

/**
 * The record encoder that replaces kafkajs's must write the very bytes kafkajs writes: brokers
 * check the batch's CRC and consumers parse each record, so one wrong varint loses data. These
 * tests hold it to kafkajs's own encoder (kept aside when it is replaced) on random records.
 */
const kafkajsRecord = kafkajsRecordEncoder();

const text = fc.string({ unit: 'binary', maxLength: 300 });
const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
const field = fc.oneof(fc.constant(null), text, bytes);
const headerValue = fc.oneof(text, bytes);
const headers = fc.dictionary(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }),
  fc.oneof(headerValue, fc.array(headerValue, { maxLength: 3 })),
  { maxKeys: 6 },
);
const record = fc.record({
  offsetDelta: fc.integer({ min: 0, max: 2_000_000 }),
  timestampDelta: fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  key: field,
  value: field,
  headers,
});

describe("kafka record encoder (in place of kafkajs's)", () => {
  it('writes the same bytes as kafkajs for any key, value, headers and deltas', () => {
    fc.assert(
      fc.property(record, (r) => {
        assert.deepEqual(encodeRecord(r), kafkajsRecord(r));
      }),
      { numRuns: 2000 },
    );
  });

  it('writes the same bytes for a shared frozen headers object, and sees changes to one that is not frozen', () => {
    const shared = Object.freeze({ event_type: 'AUDIT_LOG', file_id: 'f-1', principal_id: 'ws-ü' });
    for (let n = 0; n < 3; n++) {
      const r = { offsetDelta: n, timestampDelta: 0, key: `k${n}`, value: `{"n":${n}}`, headers: shared };
      assert.deepEqual(encodeRecord(r), kafkajsRecord(r));
    }
    const open: Record<string, string> = { a: '1' };
    const r = { offsetDelta: 0, timestampDelta: 0, key: null, value: 'v', headers: open };
    assert.deepEqual(encodeRecord(r), kafkajsRecord(r));
    open.a = 'changed';
    open.b = '2';
    assert.deepEqual(encodeRecord(r), kafkajsRecord(r));
  });

  it('leaves what it does not encode to kafkajs (a number as value, a delta beyond 30 bits)', () => {
    assert.equal(encodeRecord({ value: 5 }), undefined);
    assert.equal(encodeRecord({ value: 'v', timestampDelta: 2 ** 40 }), undefined);
    assert.equal(encodeRecord({ value: 'v', headers: { h: null } }), undefined);
  });

  it("encodes a partition's messages ahead as kafkajs will send them, each with its slice", () => {
    assert.equal(installRecordEncoder(), true, 'installs over kafkajs 2.2.4 before its first produce');
    const installed = createRequire(import.meta.url)(
      'kafkajs/src/protocol/recordBatch/record/v0/index.js',
    ) as (input: unknown) => { buffer: Buffer };
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ key: field, value: field, headers: fc.dictionary(fc.string({ minLength: 1 }), text) }),
          {
            minLength: 1,
            maxLength: 20,
          },
        ),
        (list) => {
          const messages: AheadMessage[] = list.map((m) => ({ ...m }));
          const body = encodeRecordsAhead(messages);
          assert.ok(body !== undefined);
          const expected = list.map((m, i) => kafkajsRecord({ ...m, offsetDelta: i, timestampDelta: 0 }));
          assert.deepEqual(body, Buffer.concat(expected));
          messages.forEach((m, i) => {
            // kafkajs's produce request spreads each message into the Record call.
            const spread = { ...m, offsetDelta: i, timestampDelta: 0 };
            assert.equal(
              installed(spread).buffer,
              m[ENCODED_AHEAD]?.bytes,
              'the slice is handed over as it is',
            );
            assert.deepEqual(installed(spread).buffer, expected[i]);
            // Sent at another position (not what was prepared): encoded again, correctly.
            const moved = { ...m, offsetDelta: i + 1, timestampDelta: 0 };
            assert.deepEqual(installed(moved).buffer, kafkajsRecord(moved));
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('records with event times get the deltas kafkajs gives them (first timestamp as kafkajs sorts)', () => {
    installRecordEncoder();
    const installed = createRequire(import.meta.url)(
      'kafkajs/src/protocol/recordBatch/record/v0/index.js',
    ) as (input: unknown) => { buffer: Buffer };
    const stamps = ['1767323045123', '1767323040000', '1767323049999'];
    const messages: AheadMessage[] = stamps.map((timestamp, i) => ({
      key: `k${i}`,
      value: `v${i}`,
      headers: {},
      timestamp,
    }));
    const body = encodeRecordsAhead(messages);
    assert.ok(body !== undefined);
    // kafkajs (produce/v3/request.js): firstTimestamp = the sorted timestamps' first.
    const first = Number([...stamps].sort()[0]);
    const expected = messages.map((m, i) =>
      kafkajsRecord({ ...m, offsetDelta: i, timestampDelta: Number(m.timestamp) - first }),
    );
    assert.deepEqual(body, Buffer.concat(expected));
    messages.forEach((m, i) => {
      const spread = { ...m, offsetDelta: i, timestampDelta: Number(m.timestamp) - first };
      assert.equal(installed(spread).buffer, m[ENCODED_AHEAD]?.bytes);
    });
    // Only some with a timestamp: kafkajs stamps the others with its clock, so nothing ahead.
    assert.equal(
      encodeRecordsAhead([{ key: null, value: 'a', headers: {} }, ...messages.slice(0, 1)]),
      undefined,
    );
  });
});
