import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RecordEncoder } from '../../../../src/sinks/kafka/encoder.js';
import {
  compileTemplate,
  finalizeTopicName,
  isFixedTemplate,
  sanitizeTopicPart,
  templateProblems,
  topicNameProblem,
} from '../../../../src/sinks/kafka/template.js';
import { makeRecord, sourceRef } from '../../../helpers/records.js';

describe('kafka topic and key templates', () => {
  const record = makeRecord(
    7,
    undefined,
    {},
    sourceRef({ eventType: 'CONVERSATION_MESSAGE', principalId: 'ws-1', source: 'compliance-logs' }),
  );

  it('fills every placeholder from the record', () => {
    const render = compileTemplate('{source}/{principal_id}/{event_type}/{event_type_lower}/{event_id}');
    assert.equal(render(record), 'compliance-logs/ws-1/CONVERSATION_MESSAGE/conversation_message/evt-000007');
  });

  it("renders a file's topic once, and each record's when the template reads {event_id}", () => {
    const file = sourceRef({ eventType: 'Audit Log', principalId: 'ws-1', source: 'audit-logs' });
    const other = sourceRef({ eventType: 'LOGIN', principalId: 'ws-2', source: 'audit-logs' });
    const records = [makeRecord(1, undefined, {}, file), makeRecord(2, undefined, {}, file)];
    const perFile = new RecordEncoder({ topic: 'a.{event_type_lower}.{principal_id}', key: '{event_id}' });
    assert.deepEqual(
      [...records, makeRecord(3, undefined, {}, other)].map((r) => perFile.encode(r).topic),
      ['a.audit_log.ws-1', 'a.audit_log.ws-1', 'a.login.ws-2'],
    );
    const perRecord = new RecordEncoder({ topic: 'a.{event_type}.{event_id}', key: '' });
    assert.deepEqual(
      records.map((r) => perRecord.encode(r).topic),
      ['a.Audit_Log.evt-000001', 'a.Audit_Log.evt-000002'],
    );
  });

  it('tells fixed templates apart and lists problems', () => {
    assert.equal(isFixedTemplate('audit'), true);
    assert.equal(isFixedTemplate('audit.{event_type}'), false);
    assert.deepEqual(templateProblems('a.{event_type_lower}'), []);
    assert.equal(templateProblems('a.{nope}').length, 1);
    assert.equal(templateProblems('a.{event_type').length, 1);
    assert.throws(() => compileTemplate('{nope}'), /unknown placeholder/);
  });

  it('renders a legal topic name whatever upstream sends', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 40 }), (eventType, principalId) => {
        const render = compileTemplate(
          'openai.compliance.{event_type_lower}.{principal_id}',
          sanitizeTopicPart,
        );
        const r = makeRecord(1, undefined, {}, sourceRef({ eventType, principalId }));
        assert.equal(topicNameProblem(finalizeTopicName(render(r))), undefined);
      }),
    );
    assert.equal(
      finalizeTopicName(
        compileTemplate(
          '{event_type}',
          sanitizeTopicPart,
        )(makeRecord(1, undefined, {}, sourceRef({ eventType: '..' }))),
      ),
      '__',
    );
  });
});
