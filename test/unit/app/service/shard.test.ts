import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ownsStream, parseShard, shardOf } from '../../../../src/app/service/index.ts';
import { isCfError } from '../../../../src/core/errors/index.ts';

const keys = Array.from(
  { length: 200 },
  (_, i) => `workspace/00000000-0000-4000-8000-${String(i).padStart(12, '0')}/AUDIT_LOG`,
);

test('INDEX/COUNT and ordinal/COUNT (from the StatefulSet pod name)', () => {
  assert.deepEqual(parseShard('1/3', 'anything'), { index: 1, count: 3 });
  assert.deepEqual(parseShard('0/1', 'anything'), { index: 0, count: 1 });
  assert.deepEqual(parseShard('ordinal/3', 'compliance-forwarder-2'), { index: 2, count: 3 });
  assert.deepEqual(parseShard('ordinal/1', 'cf-0'), { index: 0, count: 1 });
});

test('a shard spec that cannot be right is a config error saying why', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['3/3', 'h', /index 3 is outside 0\.\.2/],
    ['ordinal/2', 'compliance-forwarder-2', /index 2 is outside 0\.\.1.*number of replicas/],
    ['ordinal/2', 'laptop', /host name "laptop" does not end in -N/],
    ['0/0', 'h', /count .* must be at least 1/],
    ['-1/2', 'h', /not INDEX\/COUNT/],
    ['1 of 2', 'h', /not INDEX\/COUNT/],
  ];
  for (const [spec, host, message] of cases) {
    assert.throws(
      () => parseShard(spec, host),
      (err: unknown) => isCfError(err) && err.code === 'CF_ERR_CONFIG' && message.test(err.message),
      spec,
    );
  }
});

test('every stream belongs to exactly one shard, the same one every time', () => {
  for (const count of [1, 2, 3, 7]) {
    for (const key of keys) {
      const owners = Array.from({ length: count }, (_, index) => index).filter((index) =>
        ownsStream({ index, count }, key),
      );
      assert.equal(owners.length, 1, `${key} in ${count} shards`);
      assert.equal(owners[0], shardOf(key, count));
    }
  }
  // Pinned values: a change of hash would move streams away from their checkpoints.
  assert.deepEqual(
    ['workspace/a/AUDIT_LOG', 'workspace/b/AUTH_LOG', 'organization/org-x/COSTS'].map(
      (k) => `${shardOf(k, 3)}:${shardOf(k, 5)}`,
    ),
    ['1:0', '1:0', '2:1'],
  );
  assert.equal(shardOf('workspace/x/AUDIT_LOG', 1), 0);
});

test('streams spread over the shards', () => {
  const perShard = [0, 0, 0, 0];
  for (const key of keys) perShard[shardOf(key, 4)]!++;
  for (const n of perShard) assert.ok(n > 25 && n < 75, `uneven split ${perShard}`);
});
