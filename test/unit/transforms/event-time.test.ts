import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import type { EventTimeSpec } from '../../../src/core/event-time.js';
import type { PipelineRecord, SourceRef } from '../../../src/core/record.js';
import { auditLogsSource } from '../../../src/sources/audit-logs/index.js';
import { complianceLogsSource } from '../../../src/sources/compliance-logs/index.js';
import { conversationsSource } from '../../../src/sources/conversations/index.js';
import { filesSource } from '../../../src/sources/files/index.js';
import { enrichConfigSchema, type FileContext, RecordEnricher } from '../../../src/transforms/index.js';
import { CountingDelivery, sourceRef } from '../../helpers/records.js';
import { goodLines, split } from './split-helpers.js';

const INGEST = new Date('2026-11-20T10:05:00.000Z');

function run(
  texts: string[],
  extra: Partial<FileContext> = {},
  ref: Partial<SourceRef> = {},
  capture = true,
): { records: Array<PipelineRecord | undefined>; noTime: number; parsed: boolean[] } {
  let noTime = 0;
  const e = new RecordEnricher(enrichConfigSchema.parse({}), {
    version: '1.2.3',
    host: 'h',
    onNoTime: () => noTime++,
  });
  const f = e.forFile({
    source: sourceRef(ref),
    delivery: new CountingDelivery(),
    ingestTime: INGEST,
    ...extra,
  });
  const options = capture
    ? { watchKeys: f.watchKeys, capturePaths: f.capturePaths }
    : { watchKeys: f.watchKeys };
  const lines = goodLines(split(texts.join('\n'), options).out);
  const records = lines.map((l) => f.enrich(l));
  // Whether enriching had to parse the line (LazySplitLine keeps what it parsed).
  const parsed = lines.map((l) => (l as { parsedIfBuilt?: unknown }).parsedIfBuilt !== undefined);
  return { records, noTime, parsed };
}

function timeOf(spec: EventTimeSpec, text: string): string | undefined {
  return run([text], { eventTime: spec }).records[0]?.timestamp;
}

describe('event time per source', () => {
  test('compliance-logs: a top-level ISO timestamp, kept byte for byte (microseconds too)', () => {
    const spec = complianceLogsSource.eventTime({} as never);
    assert.equal(timeOf(spec, '{"timestamp":"2026-01-02T03:04:05.123456Z"}'), '2026-01-02T03:04:05.123456Z');
    assert.equal(timeOf(spec, '{"timestamp":"2026-01-02 03:04:05Z"}'), '2026-01-02T03:04:05.000Z');
  });

  test('audit-logs: effective_at in epoch seconds', () => {
    const spec = auditLogsSource.eventTime({} as never);
    assert.equal(timeOf(spec, '{"id":"a","effective_at":1767323045}'), '2026-01-02T03:04:05.000Z');
  });

  test('conversations: last_active_at (seconds with a fraction), per message the message time', () => {
    const whole = conversationsSource.eventTime({ perMessage: false } as never);
    assert.equal(timeOf(whole, '{"id":"c","last_active_at":1767323045.25}'), '2026-01-02T03:04:05.250Z');
    assert.equal(timeOf(whole, '{"id":"c","created_at":1767323045}'), '2026-01-02T03:04:05.000Z');
    const perMessage = conversationsSource.eventTime({ perMessage: true } as never);
    const message = '{"last_active_at":1767323045,"messages":{"data":[{"id":"m","created_at":1767320000}]}}';
    assert.equal(timeOf(perMessage, message), new Date(1767320000 * 1000).toISOString());
    const noMessageTime = '{"last_active_at":1767323045,"messages":{"data":[{"id":"m","created_at":null}]}}';
    assert.equal(timeOf(perMessage, noMessageTime), '2026-01-02T03:04:05.000Z');
  });

  test('files: timestamp, then the time the forwarder noted, then effective_at', () => {
    const spec = filesSource.eventTime({} as never);
    assert.equal(timeOf(spec, '{"timestamp":"2026-01-02T03:04:05Z"}'), '2026-01-02T03:04:05Z');
    assert.equal(
      timeOf(spec, '{"_forwarder":{"event_time":"2026-01-02T03:04:05.000Z"}}'),
      '2026-01-02T03:04:05.000Z',
    );
    assert.equal(timeOf(spec, '{"effective_at":1767323045}'), '2026-01-02T03:04:05.000Z');
  });

  test('a config override replaces the declaration (path and format)', () => {
    const spec = auditLogsSource.eventTime({
      eventTime: { path: 'event.at', format: 'epoch-millis' },
    } as never);
    assert.deepEqual(spec, [{ path: 'event.at', format: 'epoch-millis' }]);
    assert.equal(timeOf(spec, '{"event":{"at":"1767323045123"}}'), '2026-01-02T03:04:05.123Z');
  });

  test('formats: a value of the wrong kind is not a time', () => {
    assert.equal(timeOf([{ path: 't', format: 'iso8601' }], '{"t":1767323045}'), undefined);
    assert.equal(timeOf([{ path: 't', format: 'epoch-seconds' }], '{"t":"yesterday"}'), undefined);
    assert.equal(
      timeOf([{ path: 't', format: 'epoch-seconds' }], '{"t":"1767323045"}'),
      '2026-01-02T03:04:05.000Z',
    );
  });

  test('a record without a readable time keeps the fallback and is counted', () => {
    const { records, noTime } = run([
      '{"a":1}',
      '{"timestamp":"nope"}',
      '{"timestamp":"2026-01-02T03:04:05Z"}',
    ]);
    assert.deepEqual(
      records.map((r) => r?.timestamp),
      [undefined, undefined, '2026-01-02T03:04:05Z'],
    );
    assert.equal(noTime, 2);
  });

  test('the metadata notes a time read elsewhere than a top-level timestamp, for replays', () => {
    const { records } = run(['{"effective_at":1767323045}', '{"timestamp":"2026-01-02T03:04:05Z"}'], {
      eventTime: auditLogsSource.eventTime({} as never),
    });
    assert.equal(JSON.parse(records[0]!.line)._forwarder.event_time, '2026-01-02T03:04:05.000Z');
    assert.equal(JSON.parse(records[1]!.line)._forwarder.event_time, undefined);
  });
});

describe('event type per record (files source)', () => {
  const from = ['_forwarder.event_type', 'type'];

  for (const capture of [true, false]) {
    test(`each record routes by its own type; records of one type share one SourceRef (${capture ? 'values captured by the splitter' : 'read from the parsed record'})`, () => {
      const { records, parsed } = run(
        [
          '{"_forwarder":{"event_type":"AUTH_LOG"},"type":"X"}',
          '{"type":"CONVERSATION_MESSAGE"}',
          '{"type":"CONVERSATION_MESSAGE"}',
          '{"no":"type"}',
          '{"type":"bad type!"}',
        ],
        { eventTypeFrom: from },
        { eventType: 'ARCHIVE' },
        capture,
      );
      assert.deepEqual(
        records.map((r) => r?.source.eventType),
        ['AUTH_LOG', 'CONVERSATION_MESSAGE', 'CONVERSATION_MESSAGE', 'ARCHIVE', 'ARCHIVE'],
      );
      // With the values captured, no record is parsed to find its type.
      if (capture) assert.deepEqual(parsed, [false, false, false, false, false]);
      assert.equal(records[1]!.source, records[2]!.source);
      // Metadata added by the replay names the record's type.
      assert.equal(JSON.parse(records[1]!.line)._forwarder.event_type, 'CONVERSATION_MESSAGE');
      // Metadata already there is kept as is.
      assert.equal(JSON.parse(records[0]!.line)._forwarder.event_type, 'AUTH_LOG');
    });
  }

  test('without eventTypeFrom (a forced type) every record has the file type', () => {
    const { records } = run(['{"type":"AUTH_LOG"}'], {}, { eventType: 'FORCED' });
    assert.equal(records[0]!.source.eventType, 'FORCED');
  });
});
