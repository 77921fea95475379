import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planService } from '../../../../src/app/service/index.ts';
import { validateConfig } from '../../../../src/config/load.ts';
import { isCfError } from '../../../../src/core/errors/index.ts';

const WS = '11111111-2222-4333-8444-555555555555';
const ORG = 'org-abc123';
const base = {
  source: { apiKey: { env: 'KEY' } },
  principals: [
    { id: WS, eventTypes: ['AUDIT_LOG', 'AUTH_LOG'] },
    { id: ORG, eventTypes: ['COSTS'], apiKey: { env: 'ORG_KEY' } },
    { id: WS, eventTypes: ['AUDIT_LOG'] },
  ],
  state: { dir: '/var/lib/cf' },
  service: { lookback: '-1d' },
};
const env = { KEY: 'sk-workspace-key-0001', ORG_KEY: 'sk-org-key-000002' };

test('one stream per (principal, event type), each with its principal’s key, from the lookback', () => {
  const plan = planService(validateConfig(base), { env, now: new Date('2026-11-20T10:00:00Z') });
  assert.deepEqual(
    plan.streams.map((s) => s.key),
    [`workspace/${WS}/AUDIT_LOG`, `workspace/${WS}/AUTH_LOG`, `organization/${ORG}/COSTS`],
    'a principal listed twice polls each stream once',
  );
  assert.equal(plan.streams[0]!.principal.apiKey.reveal(), env.KEY);
  assert.equal(plan.streams[2]!.principal.apiKey.reveal(), env.ORG_KEY);
  assert.equal(plan.startAfter, '2026-11-19T10:00:00.000Z');
  assert.deepEqual(plan.shard, { index: 0, count: 1 });
});

test('a shard plans only its own streams', () => {
  const keys = [0, 1, 2].map((index) =>
    planService(validateConfig(base), { env, shard: { index, count: 3 } }).streams.map((s) => s.key),
  );
  assert.deepEqual(
    keys.flat().sort(),
    planService(validateConfig(base), { env })
      .streams.map((s) => s.key)
      .sort(),
  );
  const viaConfig = planService(validateConfig({ ...base, service: { shard: 'ordinal/3' } }), {
    env,
    hostname: 'compliance-forwarder-1',
  });
  assert.deepEqual(viaConfig.shard, { index: 1, count: 3 });
  assert.deepEqual(
    viaConfig.streams.map((s) => s.key),
    keys[1],
  );
});

test('what run cannot do without is refused before anything starts, saying what is missing', () => {
  const cases: Array<[Record<string, unknown>, NodeJS.ProcessEnv, string, RegExp]> = [
    [{ ...base, principals: [] }, env, 'CF_ERR_CONFIG', /principals is empty/],
    [{ ...base, state: {} }, env, 'CF_ERR_CONFIG', /state\.dir is not set/],
    [
      base,
      { KEY: env.KEY },
      'CF_ERR_SECRET_MISSING',
      /key of org-abc123 is missing: environment variable ORG_KEY/,
    ],
  ];
  for (const [raw, e, code, message] of cases) {
    assert.throws(
      () => planService(validateConfig(raw), { env: e }),
      (err: unknown) => isCfError(err) && err.code === code && message.test(err.message),
    );
  }
});
