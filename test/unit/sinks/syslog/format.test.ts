import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { rfc3164Formatter } from '../../../../src/sinks/syslog/rfc3164.js';
import { rfc5424Formatter } from '../../../../src/sinks/syslog/rfc5424.js';
import { severityResolver, topLevelScalar, UNSURE } from '../../../../src/sinks/syslog/severity.js';
import { escapeSdValue } from '../../../../src/sinks/syslog/structured-data.js';
import { rfc3164Timestamp, rfc5424Timestamp } from '../../../../src/sinks/syslog/timestamp.js';
import { makeRecord, sourceRef } from '../../../helpers/records.js';
import { headerOptions } from './header-options.js';

const header = headerOptions;

describe('RFC 5424 formatter', () => {
  it('writes header, metadata structured data and the record line unchanged', () => {
    const record = makeRecord(1);
    const { head, body } = rfc5424Formatter(header())(record);
    assert.equal(
      head,
      '<14>1 2026-11-20T10:00:01.000Z fwd-1 compliance-forwarder 42 AUDIT_LOG ' +
        '[cf@32473 event_id="evt-000001" event_type="AUDIT_LOG" principal_type="CHATGPT_WORKSPACE" ' +
        'principal_id="11111111-2222-4333-8444-555555555555" file_id="file-0001"] ',
    );
    assert.equal(body, record.line);
  });

  it('escapes quote, backslash and bracket in parameter values', () => {
    assert.equal(escapeSdValue('a"b\\c]d'), 'a\\"b\\\\c\\]d');
    const record = makeRecord(2, undefined, {}, sourceRef({ fileId: 'f"1]\\' }));
    const { head } = rfc5424Formatter(header())(record);
    assert.ok(head.includes('file_id="f\\"1\\]\\\\"'));
  });

  it('uses NILVALUE without structured data, a fixed MSGID, and a BOM when asked', () => {
    const { head } = rfc5424Formatter(header({ sdId: undefined, msgId: 'CF', bom: true }))(makeRecord(3));
    assert.equal(head, '<14>1 2026-11-20T10:00:03.000Z fwd-1 compliance-forwarder 42 CF - \uFEFF');
  });

  it('makes MSGID printable US-ASCII of at most 32 characters', () => {
    const record = makeRecord(4, undefined, {}, sourceRef({ eventType: 'WEIRD TYPE-é'.padEnd(40, 'X') }));
    const msgId = rfc5424Formatter(header())(record).head.split(' ')[5];
    assert.equal(msgId, 'WEIRD_TYPE-_XXXXXXXXXXXXXXXXXXXX');
  });

  it('computes PRI from facility and the record severity', () => {
    const { head } = rfc5424Formatter(header({ facility: 16, severityOf: () => 3 }))(makeRecord(5));
    assert.ok(head.startsWith('<131>1 '));
  });
});

describe('RFC 5424 timestamp', () => {
  it('keeps a valid record timestamp byte for byte and normalises others', () => {
    assert.equal(rfc5424Timestamp('2026-11-20T10:00:00.123456Z'), '2026-11-20T10:00:00.123456Z');
    assert.equal(rfc5424Timestamp('2026-11-20T10:00:00+02:00'), '2026-11-20T10:00:00+02:00');
    assert.equal(rfc5424Timestamp('2026-11-20T10:00:00.1234567Z'), '2026-11-20T10:00:00.123Z');
    assert.equal(rfc5424Timestamp('2026-11-20 10:00:00Z'), '2026-11-20T10:00:00.000Z');
    assert.equal(rfc5424Timestamp('yesterday'), '-');
    assert.equal(rfc5424Timestamp(undefined), '-');
  });
});

describe('RFC 3164 formatter', () => {
  it('writes <PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG with a space-padded day, in UTC', () => {
    const record = { ...makeRecord(1), timestamp: '2026-11-05T09:08:07.900Z' };
    const { head, body } = rfc3164Formatter(header())(record);
    assert.equal(head, '<14>Nov  5 09:08:07 fwd-1 compliance-forwarder[42]: ');
    assert.equal(body, record.line);
  });

  it('leaves out [PROCID] when it is NILVALUE and uses the send time without a record time', () => {
    const record = { ...makeRecord(1), timestamp: undefined };
    const now = () => Date.UTC(2026, 0, 15, 23, 59, 58);
    const { head } = rfc3164Formatter(header({ procId: '-' }), now)(record);
    assert.equal(head, '<14>Jan 15 23:59:58 fwd-1 compliance-forwarder: ');
    assert.equal(rfc3164Timestamp('2026-12-31T00:00:00+05:00'), 'Dec 30 19:00:00');
  });
});

describe('severity from the record', () => {
  const map = {
    field: 'action_result',
    values: new Map([
      ['BLOCKED', 4],
      ['ERROR', 3],
    ]),
  };

  it('maps the field value and falls back to the configured severity', () => {
    const severityOf = severityResolver(map, 6);
    assert.equal(severityOf(makeRecord(1, undefined, { action_result: 'BLOCKED' })), 4);
    assert.equal(severityOf(makeRecord(2, undefined, { action_result: 'SUCCESS' })), 6);
    assert.equal(severityOf(makeRecord(3)), 6);
  });

  it('parses the line when no stage parsed the record, and follows dotted paths', () => {
    const { parsed: _parsed, ...unparsed } = makeRecord(1, undefined, { action_result: 'ERROR' });
    assert.equal(severityResolver(map, 6)(unparsed), 3);
    const nested = severityResolver(
      { field: 'action_data.action', values: new Map([['login_failed', 4]]) },
      6,
    );
    const { parsed: _p, ...record } = makeRecord(2, undefined, { action_data: { action: 'login_failed' } });
    assert.equal(nested(record), 4);
    assert.equal(nested({ ...record, line: '{not json "action"' }), 6);
  });
});

describe('reading a top-level field without parsing the line', () => {
  const scalarText = (v: unknown) =>
    typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;

  it('agrees with JSON.parse whenever it is sure', () => {
    const value = fc.oneof(
      fc.constantFrom('SUCCESS', 'BLOCKED', 'ERROR', 'a "quoted" \\ value', 'x"action_result":"y'),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const record = fc.record(
      {
        before: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
        top: fc.option(value, { nil: undefined }),
        nested: fc.option(fc.record({ action_result: value }), { nil: undefined }),
        inString: fc.option(fc.constant('text with "action_result": "SUCCESS" inside'), { nil: undefined }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(record, ({ before, top, nested, inString }) => {
        const obj: Record<string, unknown> = { ...before };
        if (nested !== undefined) obj.action_data = nested;
        if (inString !== undefined) obj.note = inString;
        if (top !== undefined) obj.action_result = top;
        const line = JSON.stringify(obj);
        const quick = topLevelScalar(line, 'action_result');
        if (quick !== UNSURE) assert.equal(quick, scalarText(JSON.parse(line).action_result), line);
      }),
    );
  });

  it('is sure in the common AUDIT_LOG shape', () => {
    const line = JSON.stringify({
      event_id: 'e',
      actor: { type: 'API_KEY' },
      action_result: 'BLOCKED',
      x: 1,
    });
    assert.equal(topLevelScalar(line, 'action_result'), 'BLOCKED');
    assert.equal(topLevelScalar('{"a":{"action_result":"ERROR"}}', 'action_result'), undefined);
    assert.equal(topLevelScalar('{"n":"say \\"action_result\\": 1"}', 'action_result'), undefined);
    assert.equal(topLevelScalar('{"action_result": 42 }', 'action_result'), '42');
  });
});
