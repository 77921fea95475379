import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateConfig } from '../../../src/config/load.ts';
import { isCfError } from '../../../src/core/errors/index.ts';

/* `sources`: the other sources `run` polls, validated with the rest of the config. */
const WS = '11111111-2222-4333-8444-555555555555';

test('a config may hold only sources, and each gets its defaults', () => {
  const c = validateConfig({
    sources: [
      { type: 'audit-logs', organizationId: 'org-abc123' },
      { type: 'conversations', workspaceId: WS, perMessage: true },
      { type: 'files', paths: ['/archive/**/*.jsonl.gz'] },
    ],
  });
  assert.deepEqual(c.principals, []);
  assert.deepEqual(
    c.sources.map((s) => s.type),
    ['audit-logs', 'conversations', 'files'],
  );
  const [auditLogs, conversations, files] = c.sources;
  assert.ok(
    auditLogs?.type === 'audit-logs' && conversations?.type === 'conversations' && files?.type === 'files',
  );
  assert.deepEqual(auditLogs.adminKey, { env: 'OPENAI_ADMIN_KEY' });
  assert.deepEqual(conversations.apiKey, { env: 'COMPLIANCE_API_KEY' });
  // No forced type: each replayed record keeps its own (else ARCHIVE).
  assert.equal(files.eventType, undefined);
  assert.deepEqual(files.eventTypeFrom, ['_forwarder.event_type', 'type']);
  assert.deepEqual(validateConfig({}).sources, [], 'none by default');
});

test('every bad source entry is listed at once, each by its path', () => {
  assert.throws(
    () =>
      validateConfig({
        sources: [
          { type: 'audit-logs', organizationId: 'acme', pageSize: 500 },
          { type: 'conversations', workspaceId: 'not-a-uuid', perMessage: 'yes' },
          { type: 'files' },
          { type: 'carrier-pigeon' },
          { type: 'files', paths: ['/a'], eventType: 'TWO WORDS', typo: 1 },
        ],
      }),
    (err: unknown) => {
      assert.ok(isCfError(err) && err.code === 'CF_ERR_CONFIG');
      for (const needle of [
        /sources\[0\]\.organizationId: must be an organization id/,
        /sources\[0\]\.pageSize/,
        /sources\[1\]\.workspaceId: must be a workspace id/,
        /sources\[1\]\.perMessage/,
        /sources\[2\]\.paths/,
        /sources\[3\]\.type: .*'audit-logs' \| 'conversations' \| 'files'/,
        /sources\[4\]\.eventType/,
        /sources\[4\]: Unrecognized key.*typo/,
      ]) {
        assert.match(err.message, needle);
      }
      return true;
    },
  );
});

test('routes take the other sources’ event types and a files source’s own', () => {
  const c = validateConfig({
    sources: [{ type: 'files', paths: ['/a/*.jsonl'], eventType: 'LOCAL_ARCHIVE' }],
    sinks: [
      { type: 'stdout', name: 'out' },
      { type: 'file', name: 'disk', directory: '/tmp/out' },
    ],
    routes: [
      {
        eventTypes: ['API_AUDIT_LOG', 'COMPLIANCE_CONVERSATION', 'COMPLIANCE_CONVERSATION_MESSAGE'],
        sinks: ['out'],
      },
      { eventTypes: ['LOCAL_ARCHIVE', 'ARCHIVE', 'AUDIT_LOG'], sinks: ['disk'] },
    ],
  });
  assert.equal(c.routes.length, 2);
});

test('a route naming an event type no source produces is refused, with the names that exist', () => {
  assert.throws(
    () =>
      validateConfig({
        sinks: [{ type: 'stdout', name: 'out' }],
        routes: [
          { eventTypes: ['API_AUDIT_LOGS', 'AUDIT_LOG', 'LOCAL_ARCHIVE', 'two words'], sinks: ['out'] },
        ],
      }),
    (err: unknown) => {
      assert.ok(isCfError(err) && err.code === 'CF_ERR_CONFIG');
      assert.match(
        err.message,
        /routes\[0\]\.eventTypes\[0\]: no source produces the event type "API_AUDIT_LOGS": expected one of .*API_AUDIT_LOG,/,
      );
      assert.match(
        err.message,
        /routes\[0\]\.eventTypes\[2\]: no source produces the event type "LOCAL_ARCHIVE"/,
      );
      assert.match(err.message, /routes\[0\]\.eventTypes\[3\]: must be an event type name/);
      assert.doesNotMatch(err.message, /eventTypes\[1\]/, 'AUDIT_LOG is a Compliance event type');
      return true;
    },
  );
});
