import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { ownsStream, planService } from '../../../../src/app/service/index.ts';
import { validateConfig } from '../../../../src/config/load.ts';
import { isCfError } from '../../../../src/core/errors/index.ts';
import { auditLogsStreamKey } from '../../../../src/sources/audit-logs/index.ts';
import { conversationsStreamKey } from '../../../../src/sources/conversations/index.ts';
import { filesStreamKey } from '../../../../src/sources/files/index.ts';

/* `run` with `sources`: one stream per source (per path for files), keyed as `export` keys them. */
const WS = '11111111-2222-4333-8444-555555555555';
const ORG = 'org-abc123';
const sources = [
  { type: 'audit-logs', organizationId: ORG },
  { type: 'audit-logs', organizationId: ORG, eventTypes: ['login.failed'], adminKey: { env: 'OTHER_ADMIN' } },
  { type: 'conversations', workspaceId: WS, perMessage: true },
  { type: 'files', paths: ['archive/a/*.jsonl', '/srv/b.jsonl.gz'], eventType: 'LOCAL_ARCHIVE' },
];
const base = { sources, state: { dir: '/var/lib/cf' } };
const env = {
  OPENAI_ADMIN_KEY: 'sk-admin-key-000001',
  OTHER_ADMIN: 'sk-admin-key-000002',
  COMPLIANCE_API_KEY: 'sk-compliance-00003',
};

test('sources alone are a plan: their streams carry the keys export uses, and their resolved keys', () => {
  const plan = planService(validateConfig(base), { env });
  assert.deepEqual(plan.streams, [], 'no Compliance Logs Platform streams');
  assert.deepEqual(
    plan.sourceStreams.map((s) => s.key),
    [
      auditLogsStreamKey(ORG),
      auditLogsStreamKey(ORG, { eventTypes: ['login.failed'] }),
      conversationsStreamKey(WS, true),
      filesStreamKey('archive/a/*.jsonl'),
      filesStreamKey('/srv/b.jsonl.gz'),
    ],
  );
  assert.equal(plan.sourceStreams[3]?.key, `files/${resolve('archive/a/*.jsonl')}`);
  const [first, second, third, fourth] = plan.sourceStreams;
  assert.ok(first?.type === 'audit-logs' && second?.type === 'audit-logs');
  assert.equal(first.adminKey.reveal(), env.OPENAI_ADMIN_KEY);
  assert.equal(second.adminKey.reveal(), env.OTHER_ADMIN);
  assert.ok(third?.type === 'conversations');
  assert.equal(third.apiKey.reveal(), env.COMPLIANCE_API_KEY);
  assert.ok(fourth?.type === 'files');
  assert.deepEqual(fourth.config.paths, ['archive/a/*.jsonl'], 'one stream per path');
});

test('shards split the sources’ streams too, by key', () => {
  const all = planService(validateConfig(base), { env }).sourceStreams.map((s) => s.key);
  const byShard = [0, 1, 2].map((index) =>
    planService(validateConfig(base), { env, shard: { index, count: 3 } }).sourceStreams.map((s) => s.key),
  );
  assert.deepEqual(byShard.flat().sort(), [...all].sort(), 'each stream in exactly one shard');
  byShard.forEach((keys, index) => {
    for (const key of keys) assert.ok(ownsStream({ index, count: 3 }, key));
  });
});

test('what a source cannot start without stops the plan, saying what is missing', () => {
  const cases: Array<[Record<string, unknown>, NodeJS.ProcessEnv, string, RegExp]> = [
    [{ ...base, sources: [] }, env, 'CF_ERR_CONFIG', /principals is empty and there are no sources/],
    [
      base,
      { ...env, OTHER_ADMIN: undefined },
      'CF_ERR_SECRET_MISSING',
      /admin key of org-abc123 \(sources\[1\]\) is missing: environment variable OTHER_ADMIN/,
    ],
    [
      base,
      { ...env, COMPLIANCE_API_KEY: undefined },
      'CF_ERR_SECRET_MISSING',
      /Compliance API key of workspace 11111111-2222-4333-8444-555555555555 \(sources\[2\]\)/,
    ],
    [
      { ...base, sources: [{ type: 'files', paths: ['-'] }] },
      env,
      'CF_ERR_CONFIG',
      /sources\[0\]\.paths names stdin/,
    ],
    [
      { ...base, sources: [...sources, { type: 'audit-logs', organizationId: ORG, pageSize: 10 }] },
      env,
      'CF_ERR_CONFIG',
      /sources\[4\] is the same stream as sources\[0\] \(organization\/org-abc123\/API_AUDIT_LOG\)/,
    ],
  ];
  for (const [raw, e, code, message] of cases) {
    assert.throws(
      () => planService(validateConfig(raw), { env: e }),
      (err: unknown) => isCfError(err) && err.code === code && message.test(err.message),
      String(message),
    );
  }
});
